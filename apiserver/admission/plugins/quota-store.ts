/**
 * What the ResourceQuota plugin needs of the apiserver, behind one small interface so
 * that its tests can use an in-memory double: the quotas, a compare-and-swap update of
 * one quota, the objects the watch caches hold now, and their changes.
 */

import { ApiError, Code } from '../../../sdk/errors.js';
import type { ResourceQuota } from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { systemContext } from '../../registry/context.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { AdmissionDeps } from '../deps.js';

export type QuotaEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KindObject }
  /** Events may have been missed (the watch fell behind and restarted): recount everything. */
  | { type: 'RESYNC' };

export interface QuotaStore {
  /** The quotas of a namespace ('' for every namespace), as the cache has them. */
  quotas(namespace: string): Promise<ResourceQuota[]>;
  /**
   * Reads the quota from the store, applies `mutate` to a private copy and writes it back
   * if its revision is unchanged, retrying otherwise; `mutate` may throw to refuse.
   */
  update(
    namespace: string,
    name: string,
    mutate: (quota: ResourceQuota) => ResourceQuota,
    dryRun: boolean,
  ): Promise<ResourceQuota>;
  /** The objects of a kind in a namespace as the watch cache holds them at this moment. */
  objects(info: KindInfo, namespace: string): readonly KindObject[];
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
      registryOf(deps, 'ResourceQuota').guaranteedUpdate(namespace, name, quotaContext(dryRun), (q) =>
        mutate(q as ResourceQuota),
      ) as Promise<ResourceQuota>,
    objects(info, namespace) {
      const registry = registryOf(deps, info.kind);
      return registry.cache?.list(registry.store.prefix(namespace)).items ?? [];
    },
    watch(info, opts, onEvent, onEnd) {
      const registry = registryOf(deps, info.kind);
      const cache = registry.cache;
      if (!cache) {
        onEnd();
        return;
      }
      void (async () => {
        let initial = opts.initial;
        while (!opts.signal.aborted) {
          try {
            const events = cache.watch({
              prefix: registry.store.prefix(''),
              sendInitialEvents: initial,
              allowBookmarks: false,
              signal: opts.signal,
            });
            initial = false;
            for await (const e of events) {
              if (e.type !== 'BOOKMARK') onEvent({ type: e.type, object: e.object });
            }
            if (opts.signal.aborted) break;
          } catch (err) {
            // Fell behind: start again from now, and have everything recounted.
            if (err instanceof ApiError && err.code === Code.RESOURCE_EXHAUSTED && !opts.signal.aborted) {
              onEvent({ type: 'RESYNC' });
              continue;
            }
            if (!(err instanceof ApiError && err.code === Code.UNAVAILABLE)) {
              deps.logger.error({ err, resource: info.resource }, 'quota watch failed');
            }
          }
          break;
        }
        onEnd();
      })();
    },
  };
}
