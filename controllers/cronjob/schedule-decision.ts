/**
 * What the CronJob controller does about a CronJob's schedule at a given time, as
 * Kubernetes' CronJob controller (v2) decides it — a pure function of the CronJob (its
 * status already brought up to date with its Jobs) and the clock:
 *
 * - the most recent scheduled time since `lastScheduleTime` (or the creation) that has
 *   passed is the one to start; earlier missed ones are skipped, and more than 100 of
 *   them are reported (TooManyMissedTimes);
 * - a time older than `startingDeadlineSeconds` is skipped, and reported (MissSchedule)
 *   when no later one is due;
 * - a time already started (its Job is active, or it is `lastScheduleTime`) is not
 *   started again;
 * - Forbid skips while a Job is active (JobAlreadyActive), Replace deletes the active
 *   Jobs first, Allow starts alongside;
 * - a suspended CronJob, one being deleted, or one whose schedule or time zone cannot
 *   be read starts nothing.
 *
 * Whenever it waits, it says how long until the next scheduled time (plus 100 ms), so
 * the controller looks again then instead of polling.
 */
import {
  CronSyntaxError,
  isKnownTimeZone,
  nextTime,
  type ParsedSchedule,
  parseSchedule,
} from '../../sdk/cron/index.js';
import type { CronJob } from '../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import type { ObjectReference } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type CronJobEvent, normal, warning } from './cron-job-events.js';
import { jobName } from './job-from-template.js';

/** Kubernetes looks again this long after the next scheduled time, to be past it. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

/** More missed times than this are reported: a clock is off, or the controller was down long. */
export const TOO_MANY_MISSED = 100;

export type MissedSchedules = 'none' | 'few' | 'many';

export interface UnmetSchedule {
  /** `lastScheduleTime`, or the creation, or the starting deadline, whichever is latest. */
  readonly earliest: number;
  /** The latest scheduled time in (earliest, now]; undefined when none has passed. */
  readonly mostRecent?: number;
  readonly missed: MissedSchedules;
}

export class InvalidScheduleError extends Error {
  override readonly name = 'InvalidScheduleError';
}

const time = (d: Date | undefined) => (d === undefined ? undefined : d.getTime());

/**
 * The schedule text the CronJob is read with: a `TZ=`/`CRON_TZ=` already in it wins
 * (kept from before `timeZone` existed), else `timeZone` becomes a `TZ=` prefix.
 */
export function formatSchedule(cj: CronJob): string {
  const spec = cj.spec;
  const schedule = spec?.schedule ?? '';
  if (schedule.includes('TZ')) return schedule;
  if (spec?.timeZone !== undefined && isKnownTimeZone(spec.timeZone)) {
    return `TZ=${spec.timeZone} ${schedule}`;
  }
  return schedule;
}

/**
 * The scheduled times that have passed and not been started: Kubernetes'
 * mostRecentScheduleTime. The count of missed times is estimated from the interval
 * between the first two, as Kubernetes does, so that a CronJob decades behind costs no
 * more than one that is a minute behind.
 */
export function unmetSchedule(
  cj: CronJob,
  now: number,
  schedule: ParsedSchedule,
  withStartingDeadline: boolean,
): UnmetSchedule {
  let earliest = time(cj.status?.lastScheduleTime) ?? time(cj.metadata?.creationTimestamp) ?? now;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (withStartingDeadline && deadline !== undefined) {
    // Nothing before this will be started anyway.
    earliest = Math.max(earliest, now - Number(deadline) * 1000);
  }
  const t1 = nextTime(schedule, earliest);
  const t2 = t1 === undefined ? undefined : nextTime(schedule, t1);
  if (t1 !== undefined && now < t1) return { earliest, missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = t1 === undefined || t2 === undefined ? 0 : Math.round((t2 - t1) / 1000);
  if (t1 === undefined || between < 1) {
    throw new InvalidScheduleError('time difference between two schedules is less than 1 second');
  }
  const elapsed = Math.trunc((now - t1) / 1000);
  const count = Math.floor(elapsed / between) + 1;
  // Start one interval early and let the schedule find its own times: irregular schedules
  // (`30 6-16/4 * * 1-5`) do not fire every `between`.
  const from = t1 + (count - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = nextTime(schedule, from); t !== undefined && t <= now; t = nextTime(schedule, t)) {
    mostRecent = t;
  }
  const missed: MissedSchedules = count > TOO_MANY_MISSED ? 'many' : count > 1 ? 'few' : 'none';
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent, missed };
}

/** Milliseconds from `now` until the next scheduled time after the last one due, plus the delta. */
export function nextScheduleDelay(cj: CronJob, now: number, schedule: ParsedSchedule): number | undefined {
  let base = now;
  try {
    const unmet = unmetSchedule(cj, now, schedule, false);
    base = unmet.mostRecent ?? unmet.earliest;
  } catch (err) {
    if (!(err instanceof InvalidScheduleError)) throw err;
  }
  const next = nextTime(schedule, base);
  return next === undefined ? undefined : Math.max(0, next + NEXT_SCHEDULE_DELTA_MS - now);
}

export interface JobStart {
  /** The scheduled time the Job is for (epoch ms of the controller's clock). */
  readonly scheduledTime: number;
  readonly jobName: string;
  /** Active Jobs to delete first (concurrencyPolicy Replace). */
  readonly replace: readonly ObjectReference[];
}

export interface ScheduleDecision {
  readonly start?: JobStart;
  readonly events: readonly CronJobEvent[];
  /**
   * Look again after this many milliseconds of the controller's clock; undefined: not
   * until the CronJob or one of its Jobs changes. When a Job is started, counted from
   * its scheduled time becoming `lastScheduleTime`.
   */
  readonly requeueAfter?: number;
}

const formatRfc1123Z = (ms: number) => {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${days[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
};

/** Decides what to do about `cj`'s schedule at `now`; see the module comment. */
export function decideSchedule(cj: CronJob, now: number): ScheduleDecision {
  const spec = cj.spec;
  const events: CronJobEvent[] = [];
  if (cj.metadata?.deletionTimestamp !== undefined || !spec) return { events };
  if (spec.timeZone !== undefined && !isKnownTimeZone(spec.timeZone)) {
    events.push(
      warning('UnknownTimeZone', `invalid timeZone: "${spec.timeZone}": unknown time zone ${spec.timeZone}`),
    );
    return { events };
  }
  if (spec.suspend === true) return { events };
  const text = formatSchedule(cj);
  if (spec.schedule.includes('TZ')) {
    events.push(
      warning(
        'UnsupportedSchedule',
        `CRON_TZ or TZ used in schedule "${spec.schedule}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
      ),
    );
  }
  let schedule: ParsedSchedule;
  try {
    schedule = parseSchedule(text);
  } catch (err) {
    if (!(err instanceof CronSyntaxError)) throw err;
    events.push(warning('UnparseableSchedule', `unparseable schedule: "${spec.schedule}" : ${err.message}`));
    return { events };
  }
  let unmet: UnmetSchedule;
  try {
    unmet = unmetSchedule(cj, now, schedule, true);
  } catch (err) {
    if (!(err instanceof InvalidScheduleError)) throw err;
    events.push(warning('InvalidSchedule', `invalid schedule: ${spec.schedule} : ${err.message}`));
    return { events };
  }
  const wait = () => {
    const requeueAfter = nextScheduleDelay(cj, now, schedule);
    return requeueAfter === undefined ? { events } : { events, requeueAfter };
  };
  const scheduled = unmet.mostRecent;
  const deadline = spec.startingDeadlineSeconds;
  if (scheduled === undefined && deadline !== undefined) {
    // Nothing is due within the deadline: say so if a time before it went unstarted.
    const missed = unmetSchedule(cj, now, schedule, false).mostRecent;
    if (missed !== undefined && missed + Number(deadline) * 1000 < now) {
      events.push(warning('MissSchedule', `Missed scheduled time to start a job: ${formatRfc1123Z(missed)}`));
    }
  }
  if (scheduled === undefined || scheduled > now) return wait();
  if (unmet.missed === 'many') {
    events.push(
      warning(
        'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      ),
    );
  }
  if (deadline !== undefined && scheduled + Number(deadline) * 1000 < now) {
    events.push(
      warning('MissSchedule', `Missed scheduled time to start a job: ${formatRfc1123Z(scheduled)}`),
    );
    return wait();
  }
  const name = jobName(cj, scheduled);
  const active = cj.status?.active ?? [];
  if (active.some((ref) => ref.name === name) || time(cj.status?.lastScheduleTime) === scheduled) {
    return wait();
  }
  if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
    events.push(
      normal(
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      ),
    );
    return wait();
  }
  const replace = spec.concurrencyPolicy === 'Replace' ? [...active] : [];
  const started: CronJob = {
    ...cj,
    status: { ...cj.status, active: [...active], lastScheduleTime: new Date(scheduled) },
  };
  const requeueAfter = nextScheduleDelay(started, now, schedule);
  return {
    start: { scheduledTime: scheduled, jobName: name, replace },
    events,
    ...(requeueAfter === undefined ? {} : { requeueAfter }),
  };
}
