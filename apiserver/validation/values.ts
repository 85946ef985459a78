/** Validators for numbers, IntOrString values and resource quantities. */
import type { IntOrString } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { isValidPercent } from '../../sdk/labels/validation.js';
import { Quantity } from '../../sdk/quantity.js';
import { type ErrorList, invalid } from './field-error.js';
import type { FieldPath } from './field-path.js';

export const isNegativeErrorMsg = 'must be greater than or equal to 0';
export const isNotPositiveErrorMsg = 'must be greater than zero';

/** int64 fields arrive as decimal strings (the generated code keeps them exact); accept every form. */
type Integer = number | bigint | string;

function toBigInt(value: Integer): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  return /^[+-]?[0-9]+$/.test(value.trim()) ? BigInt(value.trim()) : undefined;
}

function checkInteger(value: Integer, path: FieldPath, ok: (n: bigint) => boolean, msg: string): ErrorList {
  const n = toBigInt(value);
  if (n === undefined) return [invalid(path, value, 'must be an integer')];
  return ok(n) ? [] : [invalid(path, n, msg)];
}

export function validateNonNegative(value: Integer, path: FieldPath): ErrorList {
  return checkInteger(value, path, (n) => n >= 0n, isNegativeErrorMsg);
}

export function validatePositive(value: Integer, path: FieldPath): ErrorList {
  return checkInteger(value, path, (n) => n > 0n, isNotPositiveErrorMsg);
}

/** An IntOrString that must be a non-negative integer or a percentage such as `25%` (maxSurge, maxUnavailable). */
export function validateIntOrPercent(value: IntOrString | undefined, path: FieldPath): ErrorList {
  const v = value?.value;
  if (v === undefined) return [invalid(path, undefined, "must be an integer or percentage (e.g '5%')")];
  if (v.$case === 'strVal') return isValidPercent(v.value).map((msg) => invalid(path, v.value, msg));
  return validateNonNegative(v.value, path);
}

/** A percentage, if the IntOrString is one, may not exceed 100%. */
export function validateNotMoreThan100Percent(value: IntOrString | undefined, path: FieldPath): ErrorList {
  const v = value?.value;
  if (v?.$case !== 'strVal' || isValidPercent(v.value).length > 0) return [];
  return Number.parseInt(v.value, 10) > 100 ? [invalid(path, v.value, 'should not be more than 100%')] : [];
}

/** A quantity string that must parse; returns the parsed quantity alongside the errors. */
export function validateQuantity(value: string, path: FieldPath): { errors: ErrorList; quantity?: Quantity } {
  const result = Quantity.tryParse(value);
  if (!result.ok) return { errors: [invalid(path, value, result.reason)] };
  return { errors: [], quantity: result.quantity };
}

/** A quantity that must parse and not be negative (resource requests, limits, capacities). */
export function validateNonNegativeQuantity(
  value: string,
  path: FieldPath,
): { errors: ErrorList; quantity?: Quantity } {
  const parsed = validateQuantity(value, path);
  if (parsed.quantity !== undefined && parsed.quantity.sign() < 0) {
    return { errors: [invalid(path, value, isNegativeErrorMsg)] };
  }
  return parsed;
}

export interface ResourceLists {
  readonly limits?: Readonly<Record<string, string>>;
  readonly requests?: Readonly<Record<string, string>>;
}

/**
 * A container's resources: every quantity valid and non-negative, and every
 * request at most its limit (`resources.requests[cpu]: Invalid value: "2":
 * must be less than or equal to cpu limit of 1`).
 */
export function validateResourceRequirements(
  resources: ResourceLists | undefined,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  const limits = new Map<string, Quantity>();
  for (const [name, value] of Object.entries(resources?.limits ?? {}).sort()) {
    const { errors, quantity } = validateNonNegativeQuantity(value, path.child('limits').key(name));
    errs.push(...errors);
    if (quantity !== undefined) limits.set(name, quantity);
  }
  for (const [name, value] of Object.entries(resources?.requests ?? {}).sort()) {
    const requestPath = path.child('requests').key(name);
    const { errors, quantity } = validateNonNegativeQuantity(value, requestPath);
    errs.push(...errors);
    const limit = limits.get(name);
    if (quantity !== undefined && limit !== undefined && quantity.cmp(limit) > 0) {
      errs.push(
        invalid(
          requestPath,
          quantity.toString(),
          `must be less than or equal to ${name} limit of ${limit.toString()}`,
        ),
      );
    }
  }
  return errs;
}
