/**
 * The split between the main endpoint and the status subresource, as
 * Kubernetes' strategies make it: the main endpoint ignores status changes
 * (and clears status on create), the status endpoint ignores everything else.
 */
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { RequestContext, StatusStrategy } from '../../registry/strategy.js';
import type { ErrorList } from '../../validation/field-error.js';

/** A kind with a status subresource. */
export type WithStatus<S> = KindObject & { status?: S | undefined };

/** For prepareForUpdate of the main endpoint: the status stays as stored. */
export function keepStatus<S>(obj: WithStatus<S>, old: WithStatus<S>): void {
  obj.status = old.status;
}

/**
 * Copies every field but status from `old` into `obj`. Metadata is copied into
 * the object's own metadata record, which the registry holds on to.
 */
export function keepAllButStatus<T extends KindObject>(obj: T, old: T): void {
  const target = obj as unknown as Record<string, unknown>;
  const source = old as unknown as Record<string, unknown>;
  for (const key of new Set([...Object.keys(target), ...Object.keys(source)])) {
    if (key === 'status' || key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
    target[key] = source[key];
  }
  if (obj.metadata && old.metadata) {
    const resourceVersion = obj.metadata.resourceVersion;
    Object.assign(obj.metadata, old.metadata, { resourceVersion });
  } else {
    obj.metadata = old.metadata;
  }
}

/** The status subresource of a kind: `validate` checks the new status against the stored object. */
export function statusStrategy<T extends KindObject>(
  validate: (obj: T, old: T, ctx: RequestContext) => ErrorList = () => [],
): StatusStrategy<T> {
  return {
    prepareForUpdate: (obj, old) => keepAllButStatus(obj, old),
    validateUpdate: validate,
  };
}
