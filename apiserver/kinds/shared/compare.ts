/**
 * Structural comparison of decoded messages, for immutability rules: which
 * fields differ between an object and its previous version. Messages hold
 * plain objects, arrays, strings, numbers, booleans, Dates and Buffers.
 */

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !(v instanceof Uint8Array)
  );
}

/** Absent, empty and default mean the same in Protobuf: `undefined`, `''`, `0`, `false`, `[]`, `{}`. */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Uint8Array) return v.length === 0;
  return isPlainObject(v) && Object.keys(v).length === 0;
}

/**
 * The paths (`containers[0].ports`, `nodeSelector[disk]`) at which `a` and `b`
 * differ, in the order found; `prefix` starts every path.
 */
export function diffPaths(a: unknown, b: unknown, prefix = ''): string[] {
  if (a === b) return [];
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime() ? [] : [prefix];
  if (a instanceof Uint8Array && b instanceof Uint8Array)
    return Buffer.from(a).equals(Buffer.from(b)) ? [] : [prefix];
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [prefix];
    return a.flatMap((item, i) => diffPaths(item, b[i], `${prefix}[${i}]`));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    // Message fields are joined with '.', map entries are subscripted; a map's keys are not known here,
    // so every key is treated as a field: close enough for a message naming what changed.
    return keys.flatMap((k) => diffPaths(a[k], b[k], prefix === '' ? k : `${prefix}.${k}`));
  }
  if (isEmpty(a) && isEmpty(b)) return [];
  return [prefix];
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return diffPaths(a, b).length === 0;
}
