export { type Clock, realClock } from './clock.js';
export { createDelayingQueue, type DelayingQueue } from './delaying-queue.js';
export { createFakeClock, type FakeClock } from './fake-clock.js';
export { createQueue, type Queue, type QueueOptions } from './queue.js';
export {
  type BucketOptions,
  createBucketRateLimiter,
  createDefaultControllerRateLimiter,
  createItemExponentialFailureRateLimiter,
  createMaxOfRateLimiter,
  type RateLimiter,
} from './rate-limiter.js';
export {
  createRateLimitingQueue,
  type RateLimitingQueue,
  type RateLimitingQueueOptions,
} from './rate-limiting-queue.js';
