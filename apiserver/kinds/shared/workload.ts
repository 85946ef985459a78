/**
 * Rules the workload kinds (DaemonSet, StatefulSet, Job, ...) share beyond their Pod
 * template: the counts of their status, rolling-update bounds written as a count or a
 * percentage, and defaults of IntOrString bounds.
 */
import type { IntOrString } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type ErrorList, invalid } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import {
  validateIntOrPercent,
  validateNonNegative,
  validateNotMoreThan100Percent,
} from '../../validation/values.js';

export const intValue = (value: number): IntOrString => ({ value: { $case: 'intVal', value } });

/** A count or a percentage, at most 100%; nothing when unset. */
export function validateOptionalIntOrPercent(value: IntOrString | undefined, path: FieldPath): ErrorList {
  if (value?.value === undefined) return [];
  const errs = validateIntOrPercent(value, path);
  return errs.length > 0 ? errs : validateNotMoreThan100Percent(value, path);
}

/** Whether a bound is zero (`0` or `0%`): the rolling-update rules test for it. */
export function isZero(value: IntOrString | undefined): boolean {
  const v = value?.value;
  if (v === undefined) return true;
  return v.$case === 'intVal' ? v.value === 0 : Number.parseInt(v.value, 10) === 0;
}

/** Every named count is ≥ 0. */
export function validateCounts<T extends object>(
  status: T,
  fields: readonly (keyof T & string)[],
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  for (const field of fields) {
    const v = status[field];
    if (typeof v === 'number' || typeof v === 'string')
      errs.push(...validateNonNegative(v, path.child(field)));
  }
  return errs;
}

/** Subset counts never exceed the whole: `readyReplicas` ≤ `replicas`. */
export function validateNotGreater<T extends object>(
  status: T,
  fields: readonly (keyof T & string)[],
  whole: keyof T & string,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  const max = Number(status[whole] ?? 0);
  for (const field of fields) {
    const v = Number(status[field] ?? 0);
    if (v > max) errs.push(invalid(path.child(field), v, `cannot be greater than status.${whole}`));
  }
  return errs;
}
