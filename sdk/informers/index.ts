export {
  CONTROLLER_INDEX,
  controlledOrOrphaned,
  ensureControllerIndex,
  indexByController,
  orphanValue,
} from './controller-index.js';
export {
  Indexer,
  type IndexFunc,
  indexByNamespace,
  indexByNodeName,
  NAMESPACE_INDEX,
  NODE_NAME_INDEX,
} from './indexer.js';
export { InformerFactory, type InformerFactoryOptions } from './informer-factory.js';
export { listWatchOf, type Selection } from './list-watch.js';
export { type InformerMetrics, informerMetrics } from './metrics.js';
export { MutationCache, recordWrites } from './mutation-cache.js';
export { type InformerOptions, SharedInformer } from './shared-informer.js';
export {
  DeletedFinalStateUnknown,
  type EventHandler,
  type InformerWatchEvent,
  keyOf,
  type ListerWatcher,
  type ListPage,
  splitKey,
  type WatchEventType,
} from './types.js';
