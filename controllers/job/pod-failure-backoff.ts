/**
 * The delay before a Job replaces failed Pods (Kubernetes' backoff record): after the
 * n-th failure since the last success, new Pods wait `base · 2^(n-1)` (capped at `max`)
 * counted from the last failure. A success resets the count. Kept in memory per Job, as
 * Kubernetes does: a restarted controller manager starts every Job afresh.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';

export interface BackoffRecord {
  readonly failuresAfterLastSuccess: number;
  /** When the last counted failure happened (ms since the epoch). */
  readonly lastFailureTime: number | undefined;
}

export const noBackoff: BackoffRecord = { failuresAfterLastSuccess: 0, lastFailureTime: undefined };

/**
 * When a Pod finished: its containers' last termination, else when it stopped being
 * Ready, else when it was deleted, else now.
 */
export function finishedTime(pod: Pod, now: number): number {
  let latest: number | undefined;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const s of statuses) {
    const t = s.state?.terminated?.finishedAt?.getTime();
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  if (latest !== undefined) return latest;
  const ready = pod.status?.conditions.find((c) => c.type === 'Ready');
  if (ready?.status === 'False' && ready.lastTransitionTime) return ready.lastTransitionTime.getTime();
  return pod.metadata?.deletionTimestamp?.getTime() ?? now;
}

/** The record after these Pods, finished since it was last updated, have been counted. */
export function nextBackoffRecord(
  record: BackoffRecord,
  newSucceeded: readonly Pod[],
  newFailed: readonly Pod[],
  now: number,
): BackoffRecord {
  const failedTimes = newFailed.map((p) => finishedTime(p, now)).sort((a, b) => a - b);
  if (newSucceeded.length === 0) {
    if (failedTimes.length === 0) return record;
    return {
      failuresAfterLastSuccess: record.failuresAfterLastSuccess + failedTimes.length,
      lastFailureTime: failedTimes[failedTimes.length - 1],
    };
  }
  const lastSuccess = Math.max(...newSucceeded.map((p) => finishedTime(p, now)));
  const after = failedTimes.filter((t) => t > lastSuccess);
  return {
    failuresAfterLastSuccess: after.length,
    lastFailureTime: after.length > 0 ? after[after.length - 1] : undefined,
  };
}

/** How long new Pods must still wait (ms); 0 when they may be created now. */
export function remainingBackoff(record: BackoffRecord, now: number, baseMs: number, maxMs: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTime === undefined) return 0;
  let delay = baseMs;
  for (let i = 1; i < record.failuresAfterLastSuccess && delay < maxMs; i++) delay *= 2;
  delay = Math.min(delay, maxMs);
  const elapsed = now - record.lastFailureTime;
  return elapsed >= delay ? 0 : delay - elapsed;
}
