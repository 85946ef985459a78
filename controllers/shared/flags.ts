/** Reading controller flags: a bad value is a start-up error that names the flag. */
export function positiveIntFlag(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  name: string,
): number {
  const raw = flags[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`--${name} must be a positive integer, got "${String(raw)}"`);
  }
  return n;
}
