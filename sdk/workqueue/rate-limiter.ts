/**
 * Rate limiters for retries (client-go's workqueue rate limiters): how long an item
 * waits before it is tried again.
 */
import { type Clock, realClock } from './clock.js';

export interface RateLimiter<T> {
  /** How many ms `item` should wait before its next try; each call counts as one failure of it. */
  when(item: T): number;
  /** Forgets `item`'s failures: its next `when` is as for an item that never failed. */
  forget(item: T): void;
  /** How many failures of `item` are counted since it was last forgotten. */
  numRequeues(item: T): number;
}

/**
 * Per-item exponential backoff: the n-th failure of an item since it was forgotten waits
 * `baseDelayMs * 2^(n-1)`, at most `maxDelayMs`.
 */
export function createItemExponentialFailureRateLimiter<T>(
  baseDelayMs: number,
  maxDelayMs: number,
): RateLimiter<T> {
  const failures = new Map<T, number>();
  return {
    when(item) {
      const n = failures.get(item) ?? 0;
      failures.set(item, n + 1);
      return Math.min(baseDelayMs * 2 ** n, maxDelayMs);
    },
    forget(item) {
      failures.delete(item);
    },
    numRequeues: (item) => failures.get(item) ?? 0,
  };
}

export interface BucketOptions {
  /** Tokens added per second. */
  qps: number;
  /** How many tokens the bucket holds; it starts full. */
  burst: number;
  clock?: Clock;
}

/**
 * An overall token bucket, shared by all items (golang.org/x/time/rate's Reserve): each
 * `when` takes a token, and waits, when none is left, until the token it took will
 * have been added. Up to `burst` calls wait nothing; after that they are spaced
 * `1000 / qps` ms apart. Counts no failures.
 */
export function createBucketRateLimiter<T>({ qps, burst, clock = realClock }: BucketOptions): RateLimiter<T> {
  if (!(qps > 0) || !(burst >= 1)) throw new RangeError('a token bucket needs qps > 0 and burst >= 1');
  let tokens = burst;
  let last = clock.now();
  return {
    when() {
      const now = clock.now();
      if (now > last) {
        tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
        last = now;
      }
      tokens -= 1;
      return tokens >= 0 ? 0 : (-tokens * 1000) / qps;
    },
    forget() {},
    numRequeues: () => 0,
  };
}

/**
 * Several limiters at once: an item waits as long as the strictest of them says. Every
 * limiter counts every failure; `numRequeues` is the largest count.
 */
export function createMaxOfRateLimiter<T>(...limiters: RateLimiter<T>[]): RateLimiter<T> {
  return {
    when(item) {
      let ms = 0;
      for (const limiter of limiters) ms = Math.max(ms, limiter.when(item));
      return ms;
    },
    forget(item) {
      for (const limiter of limiters) limiter.forget(item);
    },
    numRequeues(item) {
      let n = 0;
      for (const limiter of limiters) n = Math.max(n, limiter.numRequeues(item));
      return n;
    },
  };
}

/**
 * What controllers use unless they have a reason not to (client-go's
 * DefaultControllerRateLimiter): per-item backoff from 5 ms doubling to 1000 s,
 * and 10 retries a second overall after a burst of 100.
 */
export function createDefaultControllerRateLimiter<T>(clock: Clock = realClock): RateLimiter<T> {
  return createMaxOfRateLimiter<T>(
    createItemExponentialFailureRateLimiter<T>(5, 1_000_000),
    createBucketRateLimiter<T>({ qps: 10, burst: 100, clock }),
  );
}
