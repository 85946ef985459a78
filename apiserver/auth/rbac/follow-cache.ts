/**
 * Keeps something in memory in step with one resource of the apiserver's watch cache,
 * through an SDK informer: the current objects first, then every change, for as long as
 * the signal lives; a watch that ends is resumed, and one that cannot be is replaced by
 * a fresh list whose differences are applied, so no change is lost.
 */

import { SharedInformer } from '../../../sdk/informers/shared-informer.js';
import { DeletedFinalStateUnknown } from '../../../sdk/informers/types.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { Logger } from '../../../sdk/logger.js';
import { cacheListerWatcher } from '../../watch-cache/cache-lister-watcher.js';
import type { WatchCache } from '../../watch-cache/index.js';

export interface ObjectHandler<T> {
  set(obj: T): unknown;
  remove(obj: T): unknown;
}

/** Resolves once the initial objects are handed to `handler`; follows changes in the background until `signal` aborts. */
export async function followCache<T extends KindObject>(
  cache: WatchCache<T>,
  resource: string,
  handler: ObjectHandler<T>,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const informer = new SharedInformer<T>(cacheListerWatcher(cache), { name: resource, logger });
  // Handlers may answer with a promise (the RBAC policy applies changes in order, in
  // its own queue): a failure is logged, never left unhandled.
  const apply = (what: unknown) =>
    void Promise.resolve(what).catch((err: unknown) =>
      logger.error({ err, resource }, 'applying a change failed'),
    );
  informer.addEventHandler({
    onAdd: (obj) => apply(handler.set(obj)),
    onUpdate: (_old, obj) => apply(handler.set(obj)),
    onDelete: (obj) => apply(handler.remove(obj instanceof DeletedFinalStateUnknown ? obj.object : obj)),
  });
  void informer
    .run(signal)
    .catch((err: unknown) => logger.error({ err, resource }, 'following the watch cache stopped'));
  await informer.waitForSync(signal);
}
