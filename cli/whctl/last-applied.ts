/**
 * The `kubectl.kubernetes.io/last-applied-configuration` annotation: the manifest
 * as it was last applied, compact JSON, without the annotation itself. It is the
 * "original" of apply's three-way merge: a field in it that the new manifest no
 * longer has is one the user removed, and is removed from the object; a field
 * that only the live object has was set by another writer, and stays.
 * kubectl's name is kept so that objects move between kubectl and whctl.
 */
import type { JsonObject } from '../../sdk/manifest/decode.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The configuration recorded on an object (manifest form), or undefined when it
 * has none. A record that is not a JSON object is an error: apply would otherwise
 * compute removals from garbage.
 */
export function lastAppliedOf(object: JsonObject): JsonObject | undefined {
  const metadata = object.metadata;
  const annotations = isRecord(metadata) ? metadata.annotations : undefined;
  const text = isRecord(annotations) ? annotations[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string' || text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `the ${LAST_APPLIED_ANNOTATION} annotation is not valid JSON (${(err as Error).message}); ` +
        'remove it with "whctl annotate" and apply again',
    );
  }
  if (!isRecord(parsed)) {
    throw new Error(
      `the ${LAST_APPLIED_ANNOTATION} annotation is not a JSON object; remove it and apply again`,
    );
  }
  return parsed;
}

/** The manifest without its own last-applied record; the input is not changed. */
export function withoutLastApplied(manifest: JsonObject): JsonObject {
  const out = structuredClone(manifest);
  const metadata = out.metadata;
  if (!isRecord(metadata) || !isRecord(metadata.annotations)) return out;
  delete metadata.annotations[LAST_APPLIED_ANNOTATION];
  if (Object.keys(metadata.annotations).length === 0) delete metadata.annotations;
  return out;
}

/**
 * The manifest with its last-applied record set to itself (compact JSON, the
 * record left out), as apply creates and patches it. The input is not changed.
 */
export function withLastApplied(manifest: JsonObject): JsonObject {
  const configuration = withoutLastApplied(manifest);
  return withRecord(configuration, configuration);
}

/** The object with `configuration` as its last-applied record; the inputs are not changed. */
export function withRecord(object: JsonObject, configuration: JsonObject): JsonObject {
  const out = structuredClone(object);
  const record = JSON.stringify(withoutLastApplied(configuration));
  const metadata: JsonObject = isRecord(out.metadata) ? out.metadata : {};
  out.metadata = metadata;
  const annotations: JsonObject = isRecord(metadata.annotations) ? metadata.annotations : {};
  metadata.annotations = annotations;
  annotations[LAST_APPLIED_ANNOTATION] = record;
  return out;
}

/** Whether the object carries a last-applied record, even an empty one. */
export function hasLastApplied(object: JsonObject): boolean {
  const metadata = object.metadata;
  return (
    isRecord(metadata) && isRecord(metadata.annotations) && LAST_APPLIED_ANNOTATION in metadata.annotations
  );
}
