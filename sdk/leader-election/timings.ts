/**
 * The three durations of a leader election, client-go's defaults and the relations
 * between them that make it safe.
 */

/** How long others wait, from the last change of the Lease they saw, before they may take it over. */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
/** How long a leader keeps leading without a successful renewal. */
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
/** How often a leader renews and a candidate tries to acquire. */
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

/**
 * A candidate waits between retryPeriod and retryPeriod × (1 + JITTER_FACTOR) between
 * attempts, so that candidates started together spread out (client-go's JitterFactor).
 */
export const JITTER_FACTOR = 1.2;

export interface ElectionTimings {
  /**
   * How long others wait, from the last change of the Lease they saw, before taking it
   * over. The Lease records it in whole seconds, rounded up.
   */
  readonly leaseDurationMs: number;
  /** How long a leader keeps leading after sending its last successful renewal. */
  readonly renewDeadlineMs: number;
  /** How often a leader renews and (with jitter) a candidate tries to acquire. */
  readonly retryPeriodMs: number;
}

/**
 * The timings with the defaults filled in; throws a RangeError unless
 * leaseDuration > renewDeadline > retryPeriod × JITTER_FACTOR > 0.
 *
 * leaseDuration > renewDeadline is what makes the election safe: a leader gives up
 * renewDeadline after sending its last successful renewal, which others saw no earlier
 * than it was written, and they wait leaseDuration from then.
 */
export function electionTimings(given: Partial<ElectionTimings> = {}): ElectionTimings {
  const t: ElectionTimings = {
    leaseDurationMs: given.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS,
    renewDeadlineMs: given.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS,
    retryPeriodMs: given.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS,
  };
  for (const [field, value] of Object.entries(t)) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RangeError(`${field} must be greater than 0, not ${value}`);
  }
  if (t.leaseDurationMs <= t.renewDeadlineMs) {
    throw new RangeError(
      `leaseDurationMs (${t.leaseDurationMs}) must be greater than renewDeadlineMs (${t.renewDeadlineMs})`,
    );
  }
  if (t.renewDeadlineMs <= t.retryPeriodMs * JITTER_FACTOR) {
    throw new RangeError(
      `renewDeadlineMs (${t.renewDeadlineMs}) must be greater than retryPeriodMs × ${JITTER_FACTOR} (${t.retryPeriodMs * JITTER_FACTOR})`,
    );
  }
  return t;
}

/**
 * The whole seconds a Lease records: leaseDuration rounded up, so that others never
 * wait less than the holder promised.
 */
export function leaseDurationSeconds(leaseDurationMs: number): number {
  return Math.ceil(leaseDurationMs / 1000);
}
