/**
 * Small field rules that many kinds share: enumerations, number ranges, ports
 * and the other string formats Kubernetes checks in pkg/apis/core/validation,
 * with its wording. Each returns an ErrorList, empty when the value is valid.
 */

import { isValidPortName } from '../../../sdk/labels/validation.js';
import { type ErrorList, invalid, notSupported, required } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';

/** A string from a fixed set; empty is `Required value` unless `optional`. */
export function validateEnum(
  value: string,
  allowed: readonly string[],
  path: FieldPath,
  opts: { optional?: boolean } = {},
): ErrorList {
  if (value === '') return opts.optional ? [] : [required(path, '')];
  return allowed.includes(value) ? [] : [notSupported(path, value, allowed)];
}

/** Kubernetes prints inclusive ranges as `must be between 1 and 65535, inclusive`. */
export function validateInRange(
  value: number | bigint,
  min: number,
  max: number,
  path: FieldPath,
): ErrorList {
  return value < min || value > max
    ? [invalid(path, value, `must be between ${min} and ${max}, inclusive`)]
    : [];
}

export function validatePortNumber(port: number, path: FieldPath): ErrorList {
  return validateInRange(port, 1, 65535, path);
}

/** int64 fields travel as decimal strings; anything else is a malformed request. */
export function parseInt64(value: string, path: FieldPath): { value?: bigint; errors: ErrorList } {
  if (!/^-?[0-9]+$/.test(value)) return { errors: [invalid(path, value, 'must be an integer')] };
  return { value: BigInt(value), errors: [] };
}

export { isValidPortName };

export function validatePortName(name: string, path: FieldPath): ErrorList {
  return isValidPortName(name).map((msg) => invalid(path, name, msg));
}

/**
 * A relative path that stays inside its root: volume item paths and subPaths.
 * `'..'` as a path element is refused; so is an absolute path.
 */
export function validateLocalDescendingPath(value: string, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (value.startsWith('/')) errs.push(invalid(path, value, 'must be a relative path'));
  if (value.split('/').includes('..')) errs.push(invalid(path, value, "must not contain '..'"));
  return errs;
}

/** The C identifier Kubernetes requires of environment variable names (with '-' and '.' allowed). */
const envVarNameRegexp = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

export function validateEnvVarName(name: string, path: FieldPath): ErrorList {
  if (name === '') return [required(path, '')];
  return envVarNameRegexp.test(name)
    ? []
    : [
        invalid(
          path,
          name,
          "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
        ),
      ];
}

/** Keys of ConfigMaps and Secrets, which become file names: `[-._a-zA-Z0-9]+`, not `.` or `..`. */
export function validateConfigKey(key: string, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (key === '') return [required(path, '')];
  if (Buffer.byteLength(key, 'utf8') > 253)
    errs.push(invalid(path, key, 'must be no more than 253 characters'));
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    errs.push(
      invalid(
        path,
        key,
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      ),
    );
  }
  if (key === '.') errs.push(invalid(path, key, "must not be '.'"));
  else if (key === '..') errs.push(invalid(path, key, "must not be '..'"));
  else if (key.startsWith('..')) errs.push(invalid(path, key, "must not start with '..'"));
  return errs;
}

/** The indexes of values that appeared before, for `Duplicate value` errors. */
export function duplicateIndexes<T>(items: readonly T[], keyOf: (item: T) => string): number[] {
  const seen = new Set<string>();
  const dups: number[] = [];
  items.forEach((item, i) => {
    const key = keyOf(item);
    if (seen.has(key)) dups.push(i);
    seen.add(key);
  });
  return dups;
}
