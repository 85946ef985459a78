/**
 * Field errors, as Kubernetes reports invalid objects
 * (k8s.io/apimachinery/pkg/util/validation/field): each names the field by path,
 * what kind of problem it is, the offending value and a detail, and prints the
 * way Kubernetes prints it, so messages read the same:
 *
 *   spec.containers[0].image: Required value
 *   spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"
 *
 * Validators return an ErrorList (empty when valid) and never throw; the
 * registry turns a non-empty list into one ApiError (to-api-error.ts).
 *
 * A message never repeats a long value in full: strings print their first
 * characters, `metadata.name: Invalid value: "aaaa..."(truncated): must be no more
 * than 253 characters`, so that the message still names the field and its limit
 * however much the client sent.
 */
import { maxEchoedChars, quote, truncate, truncatedMark } from '../../sdk/truncate.js';
import type { FieldPath } from './field-path.js';

export type FieldErrorType =
  | 'NotFound'
  | 'Required'
  | 'Duplicate'
  | 'Invalid'
  | 'NotSupported'
  | 'Forbidden'
  | 'TooLong'
  | 'TooMany'
  | 'Internal';

export interface FieldError {
  readonly type: FieldErrorType;
  /** The printed field path, e.g. `spec.containers[0].image`. */
  readonly path: string;
  /** The offending value; undefined when the message should not repeat it. */
  readonly value?: unknown;
  readonly detail: string;
}

export type ErrorList = FieldError[];

/** The words each type prints as. */
const typeText: Readonly<Record<FieldErrorType, string>> = {
  NotFound: 'Not found',
  Required: 'Required value',
  Duplicate: 'Duplicate value',
  Invalid: 'Invalid value',
  NotSupported: 'Unsupported value',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  TooMany: 'Too many',
  Internal: 'Internal error',
};

/** The StatusCause reason of each type (Kubernetes' CauseType). */
const causeReasons: Readonly<Record<FieldErrorType, string>> = {
  NotFound: 'FieldValueNotFound',
  Required: 'FieldValueRequired',
  Duplicate: 'FieldValueDuplicate',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Internal: 'InternalError',
};

/** Types whose message never repeats the value (it may be large, secret or beside the point). */
const valueHidden: ReadonlySet<FieldErrorType> = new Set(['Required', 'Forbidden', 'TooLong', 'Internal']);

export function causeReason(type: FieldErrorType): string {
  return causeReasons[type];
}

/** The longest detail a message carries, in characters (details may quote what they refuse). */
const maxDetailChars = 1024;

/**
 * Strings quoted, numbers and booleans bare, anything else as JSON: as Kubernetes prints
 * values. Past `maxEchoedChars` characters only a prefix is printed, marked `(truncated)`.
 */
export function formatValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default: {
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const json =
        JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ??
        String(value);
      return truncate(json, maxEchoedChars + truncatedMark.length);
    }
  }
}

/** The message without the path: `Unsupported value: "x": supported values: "a", "b"`. */
export function errorBody(err: FieldError): string {
  let body = typeText[err.type];
  if (!valueHidden.has(err.type) && err.value !== undefined) body += `: ${formatValue(err.value)}`;
  if (err.detail !== '') body += `: ${truncate(err.detail, maxDetailChars)}`;
  return body;
}

/** The full message: `spec.containers[0].image: Required value`. */
export function errorMessage(err: FieldError): string {
  return err.path === '' ? errorBody(err) : `${err.path}: ${errorBody(err)}`;
}

function fieldError(type: FieldErrorType, path: FieldPath, value: unknown, detail: string): FieldError {
  return value === undefined
    ? { type, path: path.toString(), detail }
    : { type, path: path.toString(), value, detail };
}

/** A required field is missing or empty. */
export function required(path: FieldPath, detail = ''): FieldError {
  return fieldError('Required', path, undefined, detail);
}

/** A reference to something that does not exist. */
export function notFound(path: FieldPath, value: unknown): FieldError {
  return fieldError('NotFound', path, value, '');
}

/** A value that appears twice where it must be unique. */
export function duplicate(path: FieldPath, value: unknown): FieldError {
  return fieldError('Duplicate', path, value, '');
}

/** A malformed value; the detail says what a valid one looks like. */
export function invalid(path: FieldPath, value: unknown, detail: string): FieldError {
  return fieldError('Invalid', path, value, detail);
}

/** A value outside an enumeration; lists the values that are supported. */
export function notSupported(path: FieldPath, value: unknown, supported: readonly string[]): FieldError {
  const detail =
    supported.length > 0 ? `supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}` : '';
  return fieldError('NotSupported', path, value, detail);
}

/** A field that may not be set (or changed) here; the detail says why. */
export function forbidden(path: FieldPath, detail: string): FieldError {
  return fieldError('Forbidden', path, undefined, detail);
}

/** A value longer than allowed (maxLength in bytes; negative when unknown). */
export function tooLong(path: FieldPath, maxLength: number): FieldError {
  const detail =
    maxLength >= 0
      ? `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}`
      : 'value is too long';
  return fieldError('TooLong', path, undefined, detail);
}

/** A list with more items than allowed. */
export function tooMany(path: FieldPath, actual: number, max: number): FieldError {
  const detail = max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items';
  return fieldError('TooMany', path, actual >= 0 ? actual : undefined, detail);
}

/** A failure of the validator itself rather than of the object. */
export function internalError(path: FieldPath, err: unknown): FieldError {
  return fieldError('Internal', path, undefined, err instanceof Error ? err.message : String(err));
}
