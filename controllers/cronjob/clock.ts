/**
 * The CronJob controller's clock. Production reads the system clock; tests may run it
 * faster than real time (`--cronjob-test-time-scale`), so that a schedule of one Job a
 * minute starts one a second. Delays the controller asks for are in clock time and are
 * turned into real time by `realDelay`.
 */
export interface Clock {
  /** Now, in epoch milliseconds of this clock. */
  now(): number;
  /** Real milliseconds until this clock has advanced by `ms`. */
  realDelay(ms: number): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  realDelay: (ms) => Math.max(0, ms),
};

/**
 * A clock that agrees with the system clock at `start` and then runs `rate` times as
 * fast: a test aid, never for production (Jobs' names and annotations would be in
 * the future).
 */
export function scaledClock(rate: number, start = Date.now()): Clock {
  if (!(rate > 0) || !Number.isFinite(rate))
    throw new Error(`a clock rate must be a positive number, got ${rate}`);
  if (rate === 1) return systemClock;
  return {
    now: () => start + (Date.now() - start) * rate,
    realDelay: (ms) => Math.max(0, Math.ceil(ms / rate)),
  };
}
