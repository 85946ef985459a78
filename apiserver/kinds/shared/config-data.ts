/**
 * What ConfigMaps and Secrets share: keys that can be file names, a size
 * limit (they travel whole to every node that mounts them), and `immutable`.
 */
import { type ErrorList, forbidden, tooLong } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { deepEqual } from './compare.js';
import { validateConfigKey } from './rules.js';

/** 1 MiB: the most a ConfigMap's or Secret's data may hold, as in Kubernetes. */
export const maxDataBytes = 1024 * 1024;

export function validateDataKeys(keys: readonly string[], path: FieldPath): ErrorList {
  return [...keys].sort().flatMap((key) => validateConfigKey(key, path.key(key)));
}

export function validateDataSize(totalBytes: number): ErrorList {
  return totalBytes > maxDataBytes ? [tooLong(FieldPath.root(), maxDataBytes)] : [];
}

/** Once immutable, the data is fixed and so is the flag: the object can only be deleted. */
export function validateImmutableData(
  next: { immutable?: boolean | undefined; data: unknown },
  old: { immutable?: boolean | undefined; data: unknown },
  dataFields: readonly string[],
): ErrorList {
  if (old.immutable !== true) return [];
  const errs: ErrorList = [];
  if (next.immutable !== true) {
    errs.push(forbidden(FieldPath.of('immutable'), 'field is immutable when `immutable` is set'));
  }
  const n = next as Record<string, unknown>;
  const o = old as Record<string, unknown>;
  for (const field of dataFields) {
    if (!deepEqual(n[field], o[field])) {
      errs.push(forbidden(FieldPath.of(field), 'field is immutable when `immutable` is set'));
    }
  }
  return errs;
}
