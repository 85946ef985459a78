/** Durations as flags write them: 250ms, 90s, 30m, 1h; a bare number is seconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m?.[1]) throw new Error(`invalid duration "${text}": use e.g. 250ms, 90s, 30m or 1h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000;
  return Number(m[1]) * unit;
}
