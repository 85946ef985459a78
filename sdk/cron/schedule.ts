/**
 * Cron schedules as Kubernetes' CronJob controller reads them (robfig/cron's standard
 * parser): five fields — minute, hour, day of month, month, day of week — each `*`, `?`,
 * a value, a range `a-b`, a step `*\/n` or `a-b/n`, or a list of those; month and weekday
 * names (`JAN`, `MON`); and the macros `@yearly`, `@annually`, `@monthly`, `@weekly`,
 * `@daily`, `@midnight`, `@hourly` and `@every <duration>`, optionally after a
 * `TZ=<zone> ` or `CRON_TZ=<zone> ` prefix naming the IANA zone the fields are read in.
 * Parsing yields the allowed values of each field, so a controller can compute the next
 * run from it (`next-time.ts`).
 */

interface ZonedSchedule {
  /** From a `TZ=`/`CRON_TZ=` prefix; unset means the process's local zone. */
  readonly timeZone?: string;
}

export interface CronSchedule extends ZonedSchedule {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 is Sunday. */
  readonly daysOfWeek: ReadonlySet<number>;
  /** Day of month or of week was `*` or `?`: cron matches days by the other field alone. */
  readonly anyDayOfMonth: boolean;
  readonly anyDayOfWeek: boolean;
}

/** `@every 1h30m`: a fixed interval instead of calendar fields. */
export interface IntervalSchedule extends ZonedSchedule {
  /** Whole seconds, at least one. */
  readonly everyMs: number;
}

export type ParsedSchedule = CronSchedule | IntervalSchedule;

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const minute: Bounds = { min: 0, max: 59 };
const hour: Bounds = { min: 0, max: 23 };
const dayOfMonth: Bounds = { min: 1, max: 31 };
const month: Bounds = {
  min: 1,
  max: 12,
  names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
};
const dayOfWeek: Bounds = { min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] };

const macros: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export class CronSyntaxError extends Error {
  override readonly name = 'CronSyntaxError';
}

function number(text: string, bounds: Bounds): number {
  const named = bounds.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + bounds.min;
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(`failed to parse int from ${text}`);
  return Number(text);
}

function parseField(field: string, bounds: Bounds): { values: Set<number>; any: boolean } {
  const values = new Set<number>();
  let any = false;
  for (const part of field.split(',')) {
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronSyntaxError(`too many slashes: ${part}`);
    let start: number;
    let end: number;
    let star = false;
    if (range === '*' || range === '?') {
      start = bounds.min;
      end = bounds.max;
      star = true;
    } else {
      const [low = '', high, more] = range.split('-');
      if (more !== undefined) throw new CronSyntaxError(`too many hyphens: ${range}`);
      start = number(low, bounds);
      end = high === undefined ? start : number(high, bounds);
      // `5/10` means from 5 to the end, every 10.
      if (high === undefined && stepText !== undefined) end = bounds.max;
    }
    let step = 1;
    if (stepText !== undefined) {
      step = number(stepText, { min: 0, max: 0 });
      if (step === 0) throw new CronSyntaxError(`step of range should be a positive number: ${part}`);
    }
    // `*` and `*/1` leave the day unconstrained; `*/2` constrains it.
    if (star && step === 1) any = true;
    if (start < bounds.min)
      throw new CronSyntaxError(`beginning of range (${start}) below minimum (${bounds.min}): ${part}`);
    if (end > bounds.max)
      throw new CronSyntaxError(`end of range (${end}) above maximum (${bounds.max}): ${part}`);
    if (start > end)
      throw new CronSyntaxError(`beginning of range (${start}) beyond end of range (${end}): ${part}`);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return { values, any };
}

const durationUnits: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`1h30m`, `90s`, `1.5h`), in milliseconds. */
export function parseGoDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * (durationUnits[m[2] ?? ''] ?? 0);
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length) throw new CronSyntaxError(`failed to parse duration ${text}`);
  return total;
}

/** Whether this process knows `timeZone` as an IANA zone name. */
export function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone === '' || timeZone === 'Local') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Parses a schedule; throws a CronSyntaxError that says what is wrong. */
export function parseSchedule(spec: string): ParsedSchedule {
  let text = spec.trim();
  if (text === '') throw new CronSyntaxError('empty spec string');
  let zone: ZonedSchedule = {};
  if (text.startsWith('TZ=') || text.startsWith('CRON_TZ=')) {
    const space = text.search(/\s/);
    const timeZone = text.slice(text.indexOf('=') + 1, space < 0 ? undefined : space);
    if (!isKnownTimeZone(timeZone)) {
      throw new CronSyntaxError(`provided bad location ${timeZone}: unknown time zone ${timeZone}`);
    }
    zone = { timeZone };
    text = space < 0 ? '' : text.slice(space).trim();
    if (text === '') throw new CronSyntaxError('empty spec string');
  }
  if (text.startsWith('@every ')) {
    const everyMs = parseGoDuration(text.slice('@every '.length).trim());
    // robfig/cron keeps whole seconds, and at least one.
    return { ...zone, everyMs: Math.max(everyMs - (everyMs % 1000), 1000) };
  }
  const expanded = text.startsWith('@') ? macros[text] : text;
  if (expanded === undefined) throw new CronSyntaxError(`unrecognized descriptor: ${text}`);
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5) {
    throw new CronSyntaxError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  const [m = '', h = '', dom = '', mon = '', dow = ''] = fields;
  const days = parseField(dom, dayOfMonth);
  // 7 is Sunday too in many crons; robfig's standard parser does not accept it, nor do we.
  const weekdays = parseField(dow, dayOfWeek);
  return {
    ...zone,
    minutes: parseField(m, minute).values,
    hours: parseField(h, hour).values,
    daysOfMonth: days.values,
    months: parseField(mon, month).values,
    daysOfWeek: weekdays.values,
    anyDayOfMonth: days.any,
    anyDayOfWeek: weekdays.any,
  };
}
