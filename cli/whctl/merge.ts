/**
 * What `apply` does to an object that exists: the manifest is merged onto the
 * live object as a JSON merge patch (RFC 7386: mappings merge key by key, lists
 * and values replace, `null` removes), so that fields the manifest leaves out —
 * the scheduler's nodeName, a controller's annotations, server defaults — stay
 * as they are. Both sides are in manifest form (sdk/manifest).
 *
 * Without a record of the last applied manifest, a field removed from the
 * manifest is not removed from the object: set it to null to remove it.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonRecord = { [key: string]: JsonValue };

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The live object with the manifest merged onto it. Neither input is changed. */
export function mergeManifest(live: unknown, manifest: unknown): JsonValue {
  if (!isRecord(manifest)) return structuredClone(manifest as JsonValue);
  const out: JsonRecord = isRecord(live) ? structuredClone(live) : {};
  for (const [key, value] of Object.entries(manifest)) {
    if (value === null) delete out[key];
    else out[key] = mergeManifest(out[key], value);
  }
  return out;
}

/**
 * Whether applying the manifest would change nothing: every value it sets is
 * already the live one. A value the live object omits counts as its zero value
 * (the server's encoding leaves zero values out), and scalars compare as text
 * (`cpu: 1` in a manifest is `"1"` once stored).
 */
export function isApplied(live: unknown, manifest: unknown): boolean {
  if (manifest === null) return live === undefined || live === null || isZero(live);
  if (live === undefined || live === null) return isZero(manifest);
  if (Array.isArray(manifest)) {
    // Lists replace: the live list must hold exactly these elements.
    return (
      Array.isArray(live) &&
      live.length === manifest.length &&
      manifest.every((m, i) => isApplied(live[i], m))
    );
  }
  if (isRecord(manifest)) {
    return isRecord(live) && Object.entries(manifest).every(([k, v]) => isApplied(live[k], v));
  }
  return !isRecord(live) && !Array.isArray(live) && String(live) === String(manifest);
}

function isZero(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isRecord(value)) return Object.values(value).every(isZero);
  return false;
}
