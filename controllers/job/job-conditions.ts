/**
 * A Job's conditions as Kubernetes 1.32 writes them. A Job that is done first gets an
 * interim condition — `SuccessCriteriaMet` or `FailureTarget` — while its Pods are
 * terminated and counted, then the terminal one — `Complete` or `Failed` — with the same
 * reason and message once no Pod is left running or uncounted. Only a terminal condition
 * makes the Job finished (for the TTL controller, CronJobs and users).
 */
import type { Job, JobCondition } from '../../sdk/gen/wheelhouse/batch/v1/job.js';

export const JobComplete = 'Complete';
export const JobFailed = 'Failed';
export const JobSuspended = 'Suspended';
export const JobFailureTarget = 'FailureTarget';
export const JobSuccessCriteriaMet = 'SuccessCriteriaMet';

export const reasonBackoffLimitExceeded = 'BackoffLimitExceeded';
export const reasonDeadlineExceeded = 'DeadlineExceeded';
export const reasonCompletionsReached = 'CompletionsReached';
export const reasonPodFailurePolicy = 'PodFailurePolicy';

export const messageBackoffLimitExceeded = 'Job has reached the specified backoff limit';
export const messageDeadlineExceeded = 'Job was active longer than specified deadline';
export const messageCompletionsReached = 'Reached expected number of succeeded pods';

export function newCondition(
  type: string,
  status: string,
  reason: string,
  message: string,
  now: Date,
): JobCondition {
  return { type, status, reason, message, lastProbeTime: now, lastTransitionTime: now };
}

export function findCondition(conditions: readonly JobCondition[], type: string): JobCondition | undefined {
  return conditions.find((c) => c.type === type);
}

/** The Job's `Complete` or `Failed` condition that is True, if it has finished. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions.find(
    (c) => (c.type === JobComplete || c.type === JobFailed) && c.status === 'True',
  );
}

export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}

/**
 * Sets the condition of `type` to `status`, reason and message; returns whether anything
 * changed. A condition that does not exist is not added as False (meaningless), as
 * Kubernetes' ensureJobConditionStatus.
 */
export function ensureCondition(
  conditions: JobCondition[],
  type: string,
  status: string,
  reason: string,
  message: string,
  now: Date,
): boolean {
  const i = conditions.findIndex((c) => c.type === type);
  const existing = conditions[i];
  if (existing) {
    if (existing.status === status && existing.reason === reason && existing.message === message)
      return false;
    conditions[i] = newCondition(type, status, reason, message, now);
    return true;
  }
  if (status === 'False') return false;
  conditions.push(newCondition(type, status, reason, message, now));
  return true;
}
