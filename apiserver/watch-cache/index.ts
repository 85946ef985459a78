export type { CacheWatcher } from './cache-watcher.js';
export { createDecoder } from './decoder.js';
export {
  type CacheEvent,
  type CacheEventType,
  INITIAL_EVENTS_END_ANNOTATION,
  type WatchRequest,
} from './types.js';
export { WatchCache, type WatchCacheOptions } from './watch-cache.js';
