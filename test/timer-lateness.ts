/**
 * How late this process's timers fire, as a probe timer every few ms sees it. A bound
 * that is a sum of timers' due times holds on a loaded machine only with, per timer on
 * its path, as much more as a timer fired late meanwhile: the process waited that long for
 * a CPU. On a quiet machine the allowance is next to nothing, so the bound stays tight.
 */
const periodMs = 5;

export interface TimerLateness {
  /** The longest a timer has waited past its time since the start or the last reset, in ms (plus the probe's period). */
  max(): number;
  reset(): void;
}

/** Starts the probe; it does not keep the process alive. */
export function timerLateness(): TimerLateness {
  let max = 0;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    max = Math.max(max, now - last - periodMs);
    last = now;
  }, periodMs).unref();
  return {
    // A timer due just before the probe's next turn can have waited up to a period longer than it.
    max: () => max + periodMs,
    reset: () => {
      max = 0;
    },
  };
}
