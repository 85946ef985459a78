/**
 * The apiserver's own watch cache as an SDK informer's source: the loops inside the
 * apiserver that follow a resource (RBAC policy, the node authorizer's graph, default
 * service accounts) are informers like any component's, reading from memory instead of
 * over gRPC.
 */
import type { InformerWatchEvent, ListerWatcher } from '../../sdk/informers/types.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { WatchCache } from './watch-cache.js';

export function cacheListerWatcher<T extends KindObject>(cache: WatchCache<T>): ListerWatcher<T> {
  const prefix = `/registry/${cache.resource}/`;
  return {
    async list() {
      const { items, revision } = cache.list(prefix);
      return { items, resourceVersion: String(revision), continue: '' };
    },
    async *watch({ resourceVersion }, signal) {
      const events = cache.watch({
        prefix,
        fromRevision: Number(resourceVersion),
        sendInitialEvents: false,
        allowBookmarks: true,
        signal,
      });
      for await (const event of events) yield [event as InformerWatchEvent<T>];
    },
  };
}
