/**
 * The JSON Patch a mutating webhook returns, read from the bytes it sent and applied as
 * every other JSON Patch in the apiserver is (`sdk/patch/json-patch.ts`, RFC 6902): as a
 * whole or not at all, the document given never modified, a failing operation (a failed
 * `test` too) a JsonPatchError naming it.
 */
import type { Json } from '../../../sdk/manifest/index.js';
import {
  applyJsonPatch as applyOperations,
  JsonPatchError,
  type JsonPatchOperation,
  parseJsonPatch as parseOperations,
  parsePointer,
} from '../../../sdk/patch/json-patch.js';

export { JsonPatchError, type JsonPatchOperation, parsePointer };

/** Parses a patch document (the bytes a webhook sent) and checks the shape of each operation. */
export function parseJsonPatch(text: string): JsonPatchOperation[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new JsonPatchError(`the patch is not JSON: ${(err as Error).message}`, '');
  }
  return parseOperations(doc);
}

/** Applies `patch` to `doc` and returns the result; `doc` is not changed. */
export function applyJsonPatch(doc: Json, patch: readonly JsonPatchOperation[]): Json {
  return applyOperations(doc, patch);
}
