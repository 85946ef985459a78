/**
 * Applies what a mutating webhook sent back (a JSON Patch on the manifest form, or a
 * whole new object) to the object under admission, in place, since the registry
 * holds that object. Webhooks may change content, not identity: name and namespace
 * must stay, and the fields the server owns (uid, resourceVersion, timestamps,
 * generation) are carried over whatever the webhook sent.
 */
import { ApiError } from '../../../sdk/errors.js';
import { type KindObject, typesOf } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { decodeObject, encodeObject } from '../../../sdk/manifest/index.js';
import { applyJsonPatch, JsonPatchError, type JsonPatchOperation } from './json-patch.js';

export interface Mutation {
  readonly patch?: JsonPatchOperation[] | undefined;
  readonly object?: KindObject | undefined;
}

/** Changes `target` as the webhook asked; returns whether anything changed. */
export function applyMutation(
  info: KindInfo,
  webhook: string,
  target: KindObject,
  mutation: Mutation,
): boolean {
  const refuse = (why: string) => ApiError.internal(`admission webhook "${webhook}" ${why}`);
  let next: KindObject;
  if (mutation.patch) {
    let patched: unknown;
    try {
      patched = applyJsonPatch(encodeObject(info, target), mutation.patch);
    } catch (err) {
      if (err instanceof JsonPatchError) throw refuse(`returned a patch that does not apply: ${err.message}`);
      throw err;
    }
    try {
      next = decodeObject(info, patched);
    } catch (err) {
      throw refuse(`returned a patch that makes an invalid ${info.kind}: ${(err as Error).message}`);
    }
  } else if (mutation.object) {
    next = mutation.object;
  } else {
    return false;
  }

  const before = target.metadata;
  const after = next.metadata;
  if (before && !after) throw refuse('removed metadata');
  if (before && after) {
    if (after.name !== before.name)
      throw refuse(`may not change metadata.name ("${before.name}" → "${after.name}")`);
    if (after.namespace !== before.namespace) {
      throw refuse(`may not change metadata.namespace ("${before.namespace}" → "${after.namespace}")`);
    }
    after.uid = before.uid;
    after.resourceVersion = before.resourceVersion;
    after.generation = before.generation;
    after.creationTimestamp = before.creationTimestamp;
    after.deletionTimestamp = before.deletionTimestamp;
    after.deletionGracePeriodSeconds = before.deletionGracePeriodSeconds;
  }
  next.apiVersion = target.apiVersion;
  next.kind = target.kind;

  const message = typesOf(info).message;
  const changed = !Buffer.from(message.encode(next).finish()).equals(
    Buffer.from(message.encode(target).finish()),
  );
  if (changed) replaceContents(target, next);
  return changed;
}

/** Makes `target` hold exactly what `source` holds, keeping its identity. */
function replaceContents(target: KindObject, source: KindObject): void {
  const t = target as unknown as Record<string, unknown>;
  for (const key of Object.keys(t)) delete t[key];
  Object.assign(t, source);
}
