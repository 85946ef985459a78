import { ErrInvalidArgument, ErrInvalidKey, ErrTooLarge, MAX_KEY_BYTES, MAX_VALUE_BYTES } from './types.js';

/**
 * Keys are printable ASCII without spaces: that is every Kubernetes storage key, and it
 * lets drivers use byte order, string order and `\x00`/`\x7f` as separators and range
 * ends without escaping.
 */
const KEY_CHARS = /^[\x21-\x7e]*$/;

export function validateKey(key: string): void {
  if (key.length === 0) throw ErrInvalidKey(key, 'must not be empty');
  if (!key.startsWith('/')) throw ErrInvalidKey(key, "must start with '/'");
  validatePrefix(key);
}

/** A prefix may be empty (every key); otherwise it obeys the key rules. */
export function validatePrefix(prefix: string): void {
  if (prefix.length > MAX_KEY_BYTES) throw ErrInvalidKey(prefix, `longer than ${MAX_KEY_BYTES} bytes`);
  if (!KEY_CHARS.test(prefix)) throw ErrInvalidKey(prefix, 'only printable ASCII without spaces is allowed');
}

export function validateValue(value: Buffer): void {
  if (value.length > MAX_VALUE_BYTES) throw ErrTooLarge(value.length);
}

/** Revisions, limits and TTLs arrive as int64 strings or numbers; negative or huge ones are refused. */
export function toCount(name: string, value: string | number | undefined): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  if (!Number.isSafeInteger(n) || n < 0) throw ErrInvalidArgument(`${name} must be a non-negative integer`);
  return n;
}
