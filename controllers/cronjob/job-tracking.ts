/**
 * How a CronJob's status follows its Jobs (Kubernetes' CronJob controller v2), as pure
 * functions of the CronJob and the Jobs it controls:
 *
 * - an active Job that finished leaves `status.active` (SawCompletedJob);
 * - the latest `completionTime` of a succeeded Job is `lastSuccessfulTime`;
 * - an unfinished Job that is not in `status.active` is unexpected (created by hand, or
 *   the status was lost): reported once a fresh read of the CronJob confirms it, never
 *   adopted into `active`;
 * - an active reference whose Job is not in the cache must be confirmed gone by a live
 *   read before it is dropped (MissingJob);
 * - finished Jobs beyond `successfulJobsHistoryLimit` / `failedJobsHistoryLimit` are
 *   deleted, those that started first first.
 */
import type { CronJob, CronJobStatus } from '../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import type { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { ObjectReference } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type CronJobEvent, normal } from './cron-job-events.js';

/** `Complete` or `Failed` once the Job has finished (that condition is True), else undefined. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

export interface JobObservation {
  /** The status with finished Jobs out of `active` and `lastSuccessfulTime` brought forward. */
  readonly status: CronJobStatus;
  readonly events: readonly CronJobEvent[];
  /** Unfinished Jobs missing from `status.active`. */
  readonly unexpected: readonly Job[];
  /** Active references with no Job in the cache: to be confirmed by a live read. */
  readonly unconfirmed: readonly ObjectReference[];
}

/** Compares what a status write would change: active Jobs by uid, and the two times. */
export function statusChanged(a: CronJobStatus | undefined, b: CronJobStatus): boolean {
  const uids = (s: CronJobStatus | undefined) => (s?.active ?? []).map((r) => r.uid).join(',');
  const ms = (d: Date | undefined) => d?.getTime();
  return (
    uids(a) !== uids(b) ||
    ms(a?.lastScheduleTime) !== ms(b.lastScheduleTime) ||
    ms(a?.lastSuccessfulTime) !== ms(b.lastSuccessfulTime)
  );
}

/** `jobs` are the Jobs `cj` controls. */
export function observeJobs(cj: CronJob, jobs: readonly Job[]): JobObservation {
  const status: CronJobStatus = {
    active: [...(cj.status?.active ?? [])],
    ...(cj.status?.lastScheduleTime ? { lastScheduleTime: cj.status.lastScheduleTime } : {}),
    ...(cj.status?.lastSuccessfulTime ? { lastSuccessfulTime: cj.status.lastSuccessfulTime } : {}),
  };
  const events: CronJobEvent[] = [];
  const unexpected: Job[] = [];
  const seen = new Set<string>();
  for (const job of jobs) {
    const uid = job.metadata?.uid ?? '';
    seen.add(uid);
    const inActive = status.active.some((ref) => ref.uid === uid);
    const finished = finishedCondition(job);
    if (!inActive && finished === undefined) {
      unexpected.push(job);
      continue;
    }
    if (inActive && finished !== undefined) {
      status.active = status.active.filter((ref) => ref.uid !== uid);
      events.push(
        normal('SawCompletedJob', `Saw completed job: ${job.metadata?.name ?? ''}, condition: ${finished}`),
      );
    }
    const completed = job.status?.completionTime;
    if (finished === 'Complete' && completed !== undefined) {
      if (
        status.lastSuccessfulTime === undefined ||
        completed.getTime() > status.lastSuccessfulTime.getTime()
      ) {
        status.lastSuccessfulTime = completed;
      }
    }
  }
  const unconfirmed = status.active.filter((ref) => !seen.has(ref.uid));
  return { status, events, unexpected, unconfirmed };
}

/** Earliest `status.startTime` first, never-started last, then by name (Kubernetes' byJobStartTime). */
function byStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime?.getTime();
  const sb = b.status?.startTime?.getTime();
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) {
    const na = a.metadata?.name ?? '';
    const nb = b.metadata?.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  }
  return (sa ?? 0) - (sb ?? 0);
}

/**
 * The finished Jobs to delete so that at most the history limits remain of each kind,
 * oldest first. An unset limit keeps every Job of its kind; Jobs already being deleted
 * are not counted.
 */
export function jobsBeyondHistory(cj: CronJob, jobs: readonly Job[]): Job[] {
  const spec = cj.spec;
  const living = jobs.filter((j) => j.metadata?.deletionTimestamp === undefined);
  const out: Job[] = [];
  const prune = (kind: 'Complete' | 'Failed', limit: number | undefined) => {
    if (limit === undefined) return;
    const finished = living.filter((j) => finishedCondition(j) === kind).sort(byStartTime);
    out.push(...finished.slice(0, Math.max(0, finished.length - limit)));
  };
  prune('Complete', spec?.successfulJobsHistoryLimit);
  prune('Failed', spec?.failedJobsHistoryLimit);
  return out;
}
