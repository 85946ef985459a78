/**
 * A work queue with rate-limited retries (client-go's RateLimitingInterface): what a
 * controller's workers use to retry an item that failed.
 */
import { BasicDelayingQueue, type DelayingQueue } from './delaying-queue.js';
import type { QueueOptions } from './queue.js';
import { createDefaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

export interface RateLimitingQueue<T> extends DelayingQueue<T> {
  /** Adds `item` after the delay the rate limiter gives it, counting one more failure of it. */
  addRateLimited(item: T): void;
  /** Resets `item`'s failures (call it when the item was processed successfully). */
  forget(item: T): void;
  /** How many times `item` was added rate-limited since it was last forgotten. */
  numRequeues(item: T): number;
}

export interface RateLimitingQueueOptions<T> extends QueueOptions {
  /** The default is `createDefaultControllerRateLimiter` on the queue's clock. */
  rateLimiter?: RateLimiter<T>;
}

export function createRateLimitingQueue<T extends NonNullable<unknown> = string>(
  options: RateLimitingQueueOptions<T> = {},
): RateLimitingQueue<T> {
  return new BasicRateLimitingQueue<T>(options);
}

class BasicRateLimitingQueue<T> extends BasicDelayingQueue<T> implements RateLimitingQueue<T> {
  private readonly rateLimiter: RateLimiter<T>;

  constructor(options: RateLimitingQueueOptions<T>) {
    super(options);
    this.rateLimiter = options.rateLimiter ?? createDefaultControllerRateLimiter<T>(this.clock);
  }

  addRateLimited(item: T): void {
    // A refused add is not a failure to count.
    if (this.shuttingDown) return;
    this.addAfter(item, this.rateLimiter.when(item));
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}
