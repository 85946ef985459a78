/**
 * How often a DaemonSet may replace a failed pod on one node (client-go's flowcontrol
 * Backoff as the daemon controller uses it): a kubelet that rejects the pod at once
 * would otherwise make the controller and the kubelet fight in a hot loop. The first
 * replacement is immediate; each one within the current delay of the previous waits,
 * the delay doubling from 1 s to 15 minutes. A key quiet for twice the maximum starts
 * over.
 */
export interface FailedPodsBackoff {
  /** How long until `key` may act again (0: now). */
  remaining(key: string, now: number): number;
  /** Records an action on `key` at `now` and lengthens its delay. */
  next(key: string, now: number): void;
  /** Forgets keys quiet for twice the maximum delay. */
  gc(now: number): void;
}

export function createFailedPodsBackoff(initialMs = 1_000, maxMs = 15 * 60_000): FailedPodsBackoff {
  const entries = new Map<string, { delay: number; at: number }>();
  const expired = (e: { at: number }, now: number) => now - e.at > 2 * maxMs;
  return {
    remaining(key, now) {
      const e = entries.get(key);
      if (!e || expired(e, now)) return 0;
      return Math.max(0, e.at + e.delay - now);
    },
    next(key, now) {
      const e = entries.get(key);
      if (!e || expired(e, now)) entries.set(key, { delay: initialMs, at: now });
      else entries.set(key, { delay: Math.min(e.delay * 2, maxMs), at: now });
    },
    gc(now) {
      for (const [key, e] of entries) if (expired(e, now)) entries.delete(key);
    },
  };
}
