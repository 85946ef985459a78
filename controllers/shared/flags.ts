/** Reading controller flags: a bad value is a start-up error that names the flag. */
import { parseDurationMs } from '../../sdk/duration.js';

type Flags = Readonly<Record<string, string | boolean | undefined>>;

export function positiveIntFlag(flags: Flags, name: string): number {
  const raw = flags[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`--${name} must be a positive integer, got "${String(raw)}"`);
  }
  return n;
}

/** A duration flag (`10s`, `500ms`, a bare number of seconds), in milliseconds. */
export function durationFlag(flags: Flags, name: string): number {
  try {
    return parseDurationMs(String(flags[name]));
  } catch {
    throw new Error(`--${name} must be a duration such as 10s or 500ms, not "${String(flags[name])}"`);
  }
}
