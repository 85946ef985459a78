/**
 * JSON Merge Patch (RFC 7386): the patch is a partial object; its members replace the
 * target's, objects merge recursively, `null` removes a member, and anything that is not
 * an object (lists included) replaces the target whole. Kubernetes accepts it as
 * `application/merge-patch+json`; here it is PatchType MERGE.
 */

import type { Json, JsonObject } from '../manifest/decode.js';
import { jsonEqual } from './json-patch.js';

/** Applies `patch` to `target` and returns the result; neither argument is changed. */
export function applyMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = applyMergePatch(result[name], value);
  }
  return result;
}

/**
 * The merge patch that turns `from` into `to`: changed members with their new values,
 * removed members as `null`, unchanged members left out (`{}` when nothing changed).
 * A `null` value in `to` cannot be said in a merge patch: such a member is removed.
 */
export function createMergePatch(from: Json, to: Json): Json {
  if (!isObject(from) || !isObject(to)) return structuredClone(to);
  const patch: JsonObject = {};
  for (const name of Object.keys(from)) {
    if (!Object.hasOwn(to, name)) patch[name] = null;
  }
  for (const [name, value] of Object.entries(to)) {
    const old = from[name];
    if (Object.hasOwn(from, name) && jsonEqual(old, value)) continue;
    patch[name] = isObject(old) && isObject(value) ? createMergePatch(old, value) : structuredClone(value);
  }
  return patch;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
