/**
 * The scale subresource of Deployments and ReplicaSets: a view of spec.replicas,
 * status.replicas and the selector, and the one way autoscalers change replicas.
 */

import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { ApiError } from '../../../sdk/errors.js';
import { Scale } from '../../../sdk/gen/wheelhouse/apps/v1/scale.js';
import type { LabelSelector } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { fromLabelSelector, selectorToString } from '../../../sdk/labels/index.js';
import { asyncUnary } from '../../../sdk/server/index.js';
import { parseResourceVersion } from '../../registry/context.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { RequestContext } from '../../registry/strategy.js';
import { boundToCall, managedBy } from '../../services/call-context.js';
import type { SubresourceContext } from '../kind-definition.js';

/** What a scalable kind looks like: Deployment and ReplicaSet both do. */
export interface Scalable extends KindObject {
  spec?: { replicas?: number | undefined; selector?: LabelSelector | undefined } | undefined;
  status?: { replicas: number } | undefined;
}

export function scaleOf<T extends Scalable>(obj: T): Scale {
  return Scale.fromPartial({
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: obj.metadata?.name ?? '',
      namespace: obj.metadata?.namespace ?? '',
      uid: obj.metadata?.uid ?? '',
      resourceVersion: obj.metadata?.resourceVersion ?? '',
      creationTimestamp: obj.metadata?.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      selector: selectorToString(fromLabelSelector(obj.spec?.selector)),
    },
  });
}

export async function getScale<T extends Scalable>(
  registry: GenericRegistry<T>,
  namespace: string,
  name: string,
): Promise<Scale> {
  return scaleOf(await registry.get(namespace, name));
}

export async function updateScale<T extends Scalable>(
  registry: GenericRegistry<T>,
  scale: Scale | undefined,
  ctx: RequestContext,
): Promise<Scale> {
  const name = scale?.metadata?.name ?? '';
  const replicas = scale?.spec?.replicas ?? 0;
  if (replicas < 0) {
    throw ApiError.invalid(
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${replicas}: must be greater than or equal to 0`,
      [
        {
          field: 'spec.replicas',
          reason: 'FieldValueInvalid',
          message: 'must be greater than or equal to 0',
        },
      ],
    );
  }
  const expected = parseResourceVersion(scale?.metadata?.resourceVersion ?? '', 'metadata.resourceVersion');
  const updated = await registry.guaranteedUpdate(
    scale?.metadata?.namespace ?? '',
    name,
    ctx,
    (obj) => {
      obj.spec ??= {};
      if (obj.spec.replicas !== replicas) {
        obj.spec.replicas = replicas;
        if (obj.metadata) obj.metadata.generation = String(Number(obj.metadata.generation) + 1);
      }
      return obj;
    },
    expected,
    { operation: 'UPDATE', subresource: 'scale' },
  );
  return scaleOf(updated);
}

/** Get<Kind>Scale and Update<Kind>Scale: the `<resource>/scale` subresource. */
export function scaleMethods<T extends Scalable>({
  registry,
  gate,
}: SubresourceContext<T>): UntypedServiceImplementation {
  const info = registry.info;
  return {
    [`get${info.kind}Scale`]: asyncUnary<{ namespace?: string; name: string }, unknown>(async (req, call) => {
      const namespace = req.namespace ?? '';
      await gate.admit(call.metadata, { verb: 'get', info, subresource: 'scale', namespace, name: req.name });
      return { scale: await getScale(registry, namespace, req.name) };
    }),
    [`update${info.kind}Scale`]: asyncUnary<{ scale?: Scale; dryRun?: boolean }, unknown>(
      async (req, call) => {
        const namespace = req.scale?.metadata?.namespace || 'default';
        const name = req.scale?.metadata?.name ?? '';
        const ctx = await gate.admit(
          call.metadata,
          { verb: 'update', info, subresource: 'scale', namespace, name },
          req.dryRun,
        );
        return {
          scale: await updateScale(
            registry,
            req.scale && {
              ...req.scale,
              metadata: req.scale.metadata && { ...req.scale.metadata, namespace },
            },
            boundToCall(managedBy(ctx, call.metadata), call),
          ),
        };
      },
    ),
  };
}
