/**
 * Wall-clock time in an IANA zone, from the zone data the JavaScript runtime carries
 * (Intl), with Go's `time.Date` rules for local times that a transition skips or
 * repeats: a skipped time moves forward by the gap (02:30 on a spring-forward night is
 * 03:30), a repeated one is read in the offset after the transition (its second
 * occurrence). A zone of `undefined` is the process's local zone.
 */

export interface WallClock {
  readonly year: number;
  /** 1 to 12. */
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 is Sunday. */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Milliseconds to add to the UTC instant `ms` to read the wall clock of `timeZone`. */
export function zoneOffset(ms: number, timeZone: string | undefined): number {
  if (timeZone === undefined) return -new Date(ms).getTimezoneOffset() * 60_000;
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  const fields: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(ms)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const local = Date.UTC(
    fields.year ?? 1970,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );
  return local - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The wall clock of `timeZone` at the instant `ms`. */
export function wallClockOf(ms: number, timeZone: string | undefined): WallClock {
  const d = new Date(ms + zoneOffset(ms, timeZone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

/**
 * The instant of a wall-clock time in `timeZone`, as Go's `time.Date`: fields out of
 * range carry over (month 13 is January of the next year, day 0 the last of the month
 * before), and times skipped or repeated by a transition resolve as the module says.
 */
export function instantOf(
  timeZone: string | undefined,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): number {
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const guess = zoneOffset(local, timeZone);
  const utc = local - guess;
  const actual = zoneOffset(utc, timeZone);
  return actual === guess ? utc : local - actual;
}
