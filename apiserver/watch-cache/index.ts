export type { CacheWatcher } from './cache-watcher.js';
export { createDecoder } from './decoder.js';
export {
  DEFAULT_WATCH_CACHE_MAX_BYTES,
  DEFAULT_WATCH_MAX_PENDING_BYTES,
  parseByteSize,
  parseWatchCacheMaxBytes,
  type WatchCacheMaxBytes,
} from './memory.js';
export { registerWatchCacheMetrics } from './metrics.js';
export {
  type CacheEvent,
  type CacheEventType,
  INITIAL_EVENTS_END_ANNOTATION,
  type WatchRequest,
} from './types.js';
export { type UncachedWatchOptions, UncachedWatchSource } from './uncached-watch.js';
export { WatchCache, type WatchCacheOptions } from './watch-cache.js';
