/**
 * The time source of a work queue: a monotonic clock and one-shot timers. The real one
 * is the default; tests pass a fake one (`createFakeClock`) to make delays exact.
 */

export interface Clock {
  /** Milliseconds on a monotonic scale; only differences between two readings mean anything. */
  now(): number;
  /**
   * Calls `fn` once, no sooner than `ms` from now (by `now()`), unless the returned
   * function is called first. Calling it after `fn` has run does nothing.
   */
  setTimer(fn: () => void, ms: number): () => void;
}

/** The longest delay a Node timer takes; longer ones fire early and must be re-armed. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * `performance.now()` and Node timers. A timer may fire up to a millisecond before its
 * deadline by `now()` (timers count in whole milliseconds): callers check the time.
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, Math.min(Math.max(0, Math.ceil(ms)), maxTimerMs));
    return () => clearTimeout(timer);
  },
};
