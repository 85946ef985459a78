/**
 * A clock for tests: time stands still until `advance` moves it, and timers fire in
 * deadline order, each with `now()` at its deadline.
 */
import type { Clock } from './clock.js';

export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, running every timer whose deadline falls within, in
   * deadline order (then in the order they were set), including timers set by them.
   */
  advance(ms: number): void;
  /** How many timers are set and have not fired or been cancelled. */
  readonly pendingTimers: number;
}

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

export function createFakeClock(start = 0): FakeClock {
  let now = start;
  let seq = 0;
  const timers = new Set<FakeTimer>();

  const nextDue = (until: number): FakeTimer | undefined => {
    let next: FakeTimer | undefined;
    for (const t of timers) {
      if (t.at <= until && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) {
        next = t;
      }
    }
    return next;
  };

  return {
    now: () => now,
    setTimer(fn, ms) {
      const timer: FakeTimer = { at: now + Math.max(0, ms), seq: seq++, fn };
      timers.add(timer);
      return () => {
        timers.delete(timer);
      };
    },
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`);
      const until = now + ms;
      for (let t = nextDue(until); t !== undefined; t = nextDue(until)) {
        timers.delete(t);
        now = Math.max(now, t.at);
        t.fn();
      }
      now = until;
    },
    get pendingTimers() {
      return timers.size;
    },
  };
}
