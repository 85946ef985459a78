/**
 * The binding subresource: how a scheduler assigns a Pod to a node. It sets
 * spec.nodeName exactly once, with the PodScheduled condition.
 */
import { ApiError } from '../../../sdk/errors.js';
import type { Binding } from '../../../sdk/gen/wheelhouse/core/v1/binding.js';
import { type Pod, PodCondition, PodStatus } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { asyncUnary } from '../../../sdk/server/index.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { RequestContext } from '../../registry/strategy.js';
import { boundToCall } from '../../services/call-context.js';
import type { Subresources } from '../kind-definition.js';
import { podBindPodsMethods } from './bind-pods.js';

export async function bindPod(
  pods: GenericRegistry<Pod>,
  binding: Binding | undefined,
  ctx: RequestContext,
): Promise<Pod> {
  const name = binding?.metadata?.name ?? '';
  const namespace = binding?.metadata?.namespace ?? '';
  const node = binding?.target?.name ?? '';
  const targetKind = binding?.target?.kind ?? '';
  const causes = [];
  if (name === '')
    causes.push({
      field: 'metadata.name',
      reason: 'FieldValueRequired',
      message: 'Required value: the Pod to bind',
    });
  if (node === '')
    causes.push({
      field: 'target.name',
      reason: 'FieldValueRequired',
      message: 'Required value: the node to bind to',
    });
  if (targetKind !== '' && targetKind !== 'Node') {
    causes.push({
      field: 'target.kind',
      reason: 'FieldValueNotSupported',
      message: 'Unsupported value: must be "Node"',
    });
  }
  if (causes.length > 0) {
    throw ApiError.invalid(
      `Binding "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      causes,
    );
  }
  return pods.guaranteedUpdate(
    namespace,
    name,
    ctx,
    (pod) => {
      const spec = pod.spec;
      if (spec === undefined) throw ApiError.internal(`pod ${namespace}/${name} has no spec`);
      if (pod.metadata?.deletionTimestamp !== undefined) {
        throw ApiError.failedPrecondition(`pod ${name} is being deleted, cannot be assigned to a host`);
      }
      if (spec.nodeName !== '') {
        throw ApiError.failedPrecondition(
          `pod ${name} is already assigned to node "${spec.nodeName}"; a Pod is bound once — delete and recreate it to move it`,
        );
      }
      // The binding's own uid, when set, must be the pod's: it guards against binding a
      // pod of the same name that replaced the one the scheduler chose.
      if (pod.metadata?.uid && binding?.metadata?.uid && binding.metadata.uid !== pod.metadata.uid) {
        throw ApiError.conflict(
          `the binding names pod uid ${binding.metadata.uid}, but pod ${name} has uid ${pod.metadata.uid}`,
        );
      }
      spec.nodeName = node;
      pod.status ??= PodStatus.create();
      const conditions = pod.status.conditions.filter((c) => c.type !== 'PodScheduled');
      conditions.push(
        PodCondition.fromPartial({ type: 'PodScheduled', status: 'True', lastTransitionTime: ctx.now }),
      );
      pod.status.conditions = conditions;
      return pod;
    },
    undefined,
    { operation: 'CREATE', subresource: 'binding' },
  );
}

/**
 * PodService.BindPod: the `pods/binding` subresource, created by the scheduler; and
 * BindPods, the same binding many times over one stream (bind-pods.ts).
 */
export const podBindingMethods: Subresources<Pod> = (context) => ({
  ...podBindPodsMethods(context, bindPod),
  bindPod: asyncUnary<{ binding?: Binding; dryRun?: boolean }, unknown>(async (req, call) => {
    const namespace = req.binding?.metadata?.namespace || 'default';
    const name = req.binding?.metadata?.name ?? '';
    const ctx = await context.gate.admit(
      call.metadata,
      { verb: 'create', info: context.registry.info, subresource: 'binding', namespace, name },
      req.dryRun,
    );
    const binding = req.binding && {
      ...req.binding,
      metadata: req.binding.metadata && { ...req.binding.metadata, namespace },
    };
    return { pod: await bindPod(context.registry, binding, boundToCall(ctx, call)) };
  }),
});
