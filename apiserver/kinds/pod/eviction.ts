/**
 * The eviction subresource: a Pod deleted only if the PodDisruptionBudget that covers
 * it allows one more disruption (Kubernetes' pkg/registry/core/pod/storage/eviction.go).
 * The budget's disruptionsAllowed is decremented, and the Pod recorded in its
 * disruptedPods, in one compare-and-swap write before the Pod is deleted, so two
 * evictions racing for the last allowed disruption cannot both win. The disruption
 * controller recomputes the budget from the Pods it sees.
 */
import { ApiError } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { DeleteOptions } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { Eviction } from '../../../sdk/gen/wheelhouse/policy/v1/eviction.js';
import type { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { fromLabelSelector, matches } from '../../../sdk/labels/index.js';
import { asyncUnary } from '../../../sdk/server/index.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { RequestContext } from '../../registry/strategy.js';
import { boundToCall } from '../../services/call-context.js';
import type { Subresources } from '../kind-definition.js';

export const evictionRefusedMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

/** Evictions the disruption controller has not yet confirmed, past which a budget refuses more. */
export const maxDisruptedPods = 2000;

/** Pods that are finished, not yet running or already going cost the budget nothing. */
function canIgnoreBudget(pod: Pod): boolean {
  const phase = pod.status?.phase ?? '';
  return (
    phase === 'Succeeded' ||
    phase === 'Failed' ||
    phase === 'Pending' ||
    pod.metadata?.deletionTimestamp !== undefined
  );
}

function isReady(pod: Pod): boolean {
  return pod.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** An unset selector selects nothing; an empty one every Pod of the namespace (policy/v1). */
function covers(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const selector = pdb.spec?.selector;
  if (!selector) return false;
  return matches(fromLabelSelector(selector), pod.metadata?.labels ?? {});
}

function tooManyRequests(cause: string): ApiError {
  return ApiError.exhausted(evictionRefusedMessage, {
    causes: [{ reason: 'DisruptionBudget', message: cause, field: '' }],
  });
}

/** Takes one disruption from the budget for the Pod, or refuses as Kubernetes does. */
function checkAndDecrement(pdb: PodDisruptionBudget, podName: string, now: Date): PodDisruptionBudget {
  const name = pdb.metadata?.name ?? '';
  const status = pdb.status;
  if (!status || Number(status.observedGeneration) < Number(pdb.metadata?.generation ?? '0')) {
    throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
  }
  if (status.disruptionsAllowed < 0) {
    throw ApiError.forbidden(
      `pdb disruptions allowed is negative; the disruption budget ${name} needs repair`,
    );
  }
  if (Object.keys(status.disruptedPods).length > maxDisruptedPods) {
    throw ApiError.forbidden(
      'DisruptedPods map too big - too many evictions not confirmed by PDB controller',
    );
  }
  if (status.disruptionsAllowed === 0) {
    throw tooManyRequests(
      `The disruption budget ${name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
    );
  }
  status.disruptionsAllowed -= 1;
  status.disruptedPods[podName] = now;
  const allowed = status.disruptionsAllowed > 0;
  const condition = {
    type: 'DisruptionAllowed',
    status: allowed ? 'True' : 'False',
    observedGeneration: status.observedGeneration,
    lastTransitionTime: now,
    reason: allowed ? 'SufficientPods' : 'InsufficientPods',
    message: '',
  };
  const previous = status.conditions.find((c) => c.type === 'DisruptionAllowed');
  if (previous?.status === condition.status)
    condition.lastTransitionTime = previous.lastTransitionTime ?? now;
  status.conditions = [...status.conditions.filter((c) => c.type !== 'DisruptionAllowed'), condition];
  return pdb;
}

export async function evictPod(
  pods: GenericRegistry<Pod>,
  budgets: GenericRegistry<PodDisruptionBudget>,
  eviction: Eviction | undefined,
  ctx: RequestContext,
): Promise<Pod> {
  const namespace = eviction?.metadata?.namespace || 'default';
  const name = eviction?.metadata?.name ?? '';
  if (name === '') {
    throw ApiError.invalid('Eviction is invalid: metadata.name: Required value: the Pod to evict', [
      { field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: the Pod to evict' },
    ]);
  }
  const pod = await pods.get(namespace, name);
  const uid = pod.metadata?.uid ?? '';
  const options: DeleteOptions = {
    propagationPolicy: '',
    dryRun: ctx.dryRun,
    ...eviction?.deleteOptions,
    // The Pod checked against the budget is the one deleted, not a namesake created since.
    preconditions: { resourceVersion: '', ...eviction?.deleteOptions?.preconditions, uid },
  };
  if (!canIgnoreBudget(pod)) {
    const covering = (await budgets.list(namespace, undefined)).items.filter((pdb) => covers(pdb, pod));
    if (covering.length > 1) {
      throw ApiError.failedPrecondition(
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    }
    const pdb = covering[0];
    if (pdb) {
      const status = pdb.status;
      // An unready Pod is no loss to a budget that is met, nor to one that allows it.
      const unhealthyMayGo =
        !isReady(pod) &&
        (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' ||
          (status !== undefined &&
            status.currentHealthy >= status.desiredHealthy &&
            status.desiredHealthy > 0));
      if (!unhealthyMayGo) {
        await budgets.guaranteedUpdate(
          pdb.metadata?.namespace ?? namespace,
          pdb.metadata?.name ?? '',
          ctx,
          (current) => checkAndDecrement(current, name, ctx.now),
        );
      }
    }
  }
  return pods.delete(namespace, name, options, ctx);
}

/** PodService.EvictPod: the `pods/eviction` subresource, used by drains and controllers. */
export const podEvictionMethods: Subresources<Pod> = ({ registry, gate, options }) => ({
  evictPod: asyncUnary<{ eviction?: Eviction; dryRun?: boolean }, unknown>(async (req, call) => {
    const namespace = req.eviction?.metadata?.namespace || 'default';
    const name = req.eviction?.metadata?.name ?? '';
    const ctx = await gate.admit(
      call.metadata,
      { verb: 'create', info: registry.info, subresource: 'eviction', namespace, name },
      req.dryRun || req.eviction?.deleteOptions?.dryRun,
    );
    const budgets = options.registryOf?.('PodDisruptionBudget') as GenericRegistry<KindObject> | undefined;
    if (!budgets)
      throw ApiError.unimplemented('the eviction subresource needs the PodDisruptionBudget registry');
    const eviction = req.eviction && {
      ...req.eviction,
      metadata: req.eviction.metadata && { ...req.eviction.metadata, namespace },
    };
    return {
      pod: await evictPod(
        registry,
        budgets as unknown as GenericRegistry<PodDisruptionBudget>,
        eviction,
        boundToCall(ctx, call),
      ),
    };
  }),
});
