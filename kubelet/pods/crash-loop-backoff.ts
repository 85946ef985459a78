/**
 * CrashLoopBackOff, as the kubelet counts it: per container of a pod, the first exit
 * restarts at once, the next waits 10 s, and each one after doubles the wait up to 5 min;
 * a container that ran 10 min (twice the cap) before it exited starts over. Time comes from `now`, so tests need no sleep.
 */
export interface CrashLoopBackoffOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
  readonly now?: () => number;
}

export interface CrashLoopBackoff {
  /**
   * Called when a container that exited should restart. Returns how long it must still
   * wait (0: restart now); each exit after its wait is over doubles the next one.
   * `finishedAt`/`startedAt` are the exited instance's times (ms since the epoch).
   */
  remaining(key: string, startedAtMs: number, finishedAtMs: number): number;
  /** Forgets a pod's containers (the pod is gone). */
  forget(keyPrefix: string): void;
}

interface Entry {
  /** The wait that applies to the exit recorded at `exitAt`. */
  delayMs: number;
  exitAt: number;
}

export function createCrashLoopBackoff(opts: CrashLoopBackoffOptions = {}): CrashLoopBackoff {
  const initialMs = opts.initialMs ?? 10_000;
  const maxMs = opts.maxMs ?? 300_000;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>();
  return {
    remaining(key, startedAtMs, finishedAtMs) {
      let entry = entries.get(key);
      const ranMs = finishedAtMs - startedAtMs;
      if (entry && ranMs >= 2 * maxMs) entry = undefined; // a long healthy run resets it
      if (!entry) {
        entry = { delayMs: 0, exitAt: finishedAtMs };
        entries.set(key, entry);
      } else if (finishedAtMs > entry.exitAt) {
        // A new exit since the one last waited for.
        entry.delayMs = entry.delayMs === 0 ? initialMs : Math.min(maxMs, entry.delayMs * 2);
        entry.exitAt = finishedAtMs;
      }
      return Math.max(0, entry.exitAt + entry.delayMs - now());
    },
    forget(keyPrefix) {
      for (const key of entries.keys()) if (key.startsWith(keyPrefix)) entries.delete(key);
    },
  };
}
