/**
 * What the ResourceQuota plugin needs of the apiserver, behind one small interface so
 * that its tests can use an in-memory double: the quotas, a compare-and-swap update of
 * one quota, the objects the watch caches hold now, and their changes.
 */

import type { ResourceQuota } from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { ListOptions } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { SharedInformer } from '../../../sdk/informers/shared-informer.js';
import {
  DeletedFinalStateUnknown,
  type InformerWatchEvent,
  type ListerWatcher,
} from '../../../sdk/informers/types.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { systemContext } from '../../registry/context.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import { cacheListerWatcher } from '../../watch-cache/cache-lister-watcher.js';
import type { AdmissionDeps } from '../deps.js';

export interface QuotaEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KindObject;
}

export interface QuotaStore {
  /** The quotas of a namespace ('' for every namespace), as the cache has them. */
  quotas(namespace: string): Promise<ResourceQuota[]>;
  /**
   * Reads the quota from the store, applies `mutate` to a private copy (with the revision
   * it was read at) and writes it back if its revision is unchanged, retrying otherwise;
   * `mutate` may throw to refuse.
   */
  update(
    namespace: string,
    name: string,
    mutate: (quota: ResourceQuota, revision: number) => ResourceQuota | Promise<ResourceQuota>,
    dryRun: boolean,
  ): Promise<ResourceQuota>;
  /**
   * The objects of a kind in a namespace as the watch cache holds them, once the cache
   * has caught up with `atLeast` (a store revision).
   */
  objects(info: KindInfo, namespace: string, atLeast: number): Promise<readonly KindObject[]>;
  /**
   * Calls `onEvent` for every change of a kind from now on (with the current objects
   * first when `initial`), until `signal` aborts or the cache stops (then `onEnd`).
   */
  watch(
    info: KindInfo,
    opts: { initial: boolean; signal: AbortSignal },
    onEvent: (event: QuotaEvent) => void,
    onEnd: () => void,
  ): void;
}

const quotaContext = (dryRun: boolean) => systemContext(dryRun);

function registryOf(deps: AdmissionDeps, kind: string): GenericRegistry<KindObject> {
  const registry = deps.registries.get(kind);
  if (!registry) throw new Error(`no registry for kind ${kind}`);
  return registry;
}

/** The QuotaStore of a running apiserver: its registries and watch caches. */
export function registryQuotaStore(deps: AdmissionDeps): QuotaStore {
  return {
    quotas: (namespace) => deps.reader.list<ResourceQuota>('ResourceQuota', namespace),
    update: (namespace, name, mutate, dryRun) =>
      registryOf(deps, 'ResourceQuota').guaranteedUpdate(
        namespace,
        name,
        quotaContext(dryRun),
        (q, current) => mutate(q as ResourceQuota, current.revision),
      ) as Promise<ResourceQuota>,
    async objects(info, namespace, atLeast) {
      const registry = registryOf(deps, info.kind);
      const cache = registry.cache;
      // A kind served without a watch cache (Events): a consistent list from the store,
      // read after the call, so at a revision at least `atLeast`.
      if (!cache) return (await registry.list(namespace, undefined)).items;
      // An idle kind's cache moves on only when the store reports progress: ask for it.
      if (cache.revision < atLeast) await registry.store.consistentRevision();
      await cache.waitForRevision(atLeast);
      return cache.list(registry.store.prefix(namespace)).items;
    },
    watch(info, opts, onEvent, onEnd) {
      const registry = registryOf(deps, info.kind);
      const cache = registry.cache;
      // An informer over the watch cache (or, for a kind served without one, over the
      // registry's own store watch): a watch that falls behind resumes, or lists again and
      // hands over the differences, so nothing is missed and no recount is needed.
      const informer = new SharedInformer<KindObject>(
        cache ? cacheListerWatcher(cache) : registryListerWatcher(registry),
        { name: `quota ${info.resource}`, logger: deps.logger },
      );
      // It ends with the plugin, or with the cache (the apiserver stopping).
      const signal = cache?.lifetime ? AbortSignal.any([opts.signal, cache.lifetime]) : opts.signal;
      let live = opts.initial;
      informer.addEventHandler({
        onAdd: (object) => live && onEvent({ type: 'ADDED', object }),
        onUpdate: (_old, object) => onEvent({ type: 'MODIFIED', object }),
        onDelete: (object) =>
          onEvent({
            type: 'DELETED',
            object: object instanceof DeletedFinalStateUnknown ? object.object : object,
          }),
      });
      void informer.waitForSync(signal).then(() => {
        live = true;
      });
      void informer
        .run(signal)
        .catch((err: unknown) => deps.logger.error({ err, resource: info.resource }, 'quota watch failed'))
        .finally(onEnd);
    },
  };
}

/** A kind served without a watch cache, as an informer's source: lists and watches through its registry. */
function registryListerWatcher(registry: GenericRegistry<KindObject>): ListerWatcher<KindObject> {
  return {
    async list() {
      const { items, metadata } = await registry.list('', undefined);
      return { items, resourceVersion: metadata?.resourceVersion ?? '', continue: '' };
    },
    async *watch({ resourceVersion }, signal) {
      const events = await registry.watch(
        '',
        { resourceVersion, allowWatchBookmarks: true } as ListOptions,
        signal,
      );
      for await (const event of events) yield [event as InformerWatchEvent<KindObject>];
    },
  };
}
