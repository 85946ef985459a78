/**
 * One shared informer per kind and selection in a process, however many controllers
 * ask for it: they share its watch, its cache and its memory.
 */
import type { Registry } from 'prom-client';
import type { ApiClient } from '../client/dynamic-client.js';
import type { KindObject } from '../kind-registry.js';
import { type KindInfo, kinds } from '../kinds.js';
import type { Logger } from '../logger.js';
import type { IndexFunc } from './indexer.js';
import { listWatchOf, type Selection } from './list-watch.js';
import { type InformerMetrics, informerMetrics } from './metrics.js';
import { SharedInformer } from './shared-informer.js';

export interface InformerFactoryOptions {
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** Default resync period of the informers it makes (0: none). */
  readonly resyncPeriodMs?: number;
  /**
   * false: its informers hold objects without metadata.managedFields, unless a selection
   * asks for them (Selection.managedFields). Default true.
   */
  readonly managedFields?: boolean;
}

export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<KindObject>>();
  private readonly started = new Set<string>();
  private readonly metrics: InformerMetrics | undefined;
  private signal: AbortSignal | undefined;

  constructor(
    private readonly client: ApiClient,
    private readonly opts: InformerFactoryOptions = {},
  ) {
    this.metrics = opts.registry ? informerMetrics(opts.registry) : undefined;
  }

  /**
   * The informer of `kind` (a kind name, `Pod`, or its KindInfo) and selection, made on
   * first use. Indexers are added to it (an index name may be asked for once). Whether
   * its objects carry managed fields is the selection's say, else the factory's.
   */
  informerFor<T extends KindObject>(
    kind: string | KindInfo,
    selection: Selection = {},
    indexers: Readonly<Record<string, IndexFunc<T>>> = {},
  ): SharedInformer<T> {
    const info = typeof kind === 'string' ? kinds.find((k) => k.kind === kind) : kind;
    if (!info) throw new Error(`unknown kind ${String(kind)}`);
    const parts = [info.resource, selection.namespace, selection.labelSelector, selection.fieldSelector];
    const managedFields = selection.managedFields ?? this.opts.managedFields ?? true;
    // The informer's name (its metrics label) is the same either way; the key is not.
    const name = parts.filter((p) => p !== undefined && p !== '').join(' ');
    const key = managedFields ? name : `${name}\0without managed fields`;
    let informer = this.informers.get(key) as SharedInformer<T> | undefined;
    if (!informer) {
      informer = new SharedInformer<T>(listWatchOf<T>(this.client, info, { ...selection, managedFields }), {
        name,
        ...(this.opts.logger ? { logger: this.opts.logger } : {}),
        ...(this.metrics ? { metrics: this.metrics } : {}),
        ...(this.opts.resyncPeriodMs ? { resyncPeriodMs: this.opts.resyncPeriodMs } : {}),
      });
      this.informers.set(key, informer as unknown as SharedInformer<KindObject>);
      if (this.signal) this.run(key);
    }
    const fresh = Object.fromEntries(
      Object.entries(indexers).filter(([index]) => !informer.indexer.hasIndex(index)),
    );
    informer.indexer.addIndexers(fresh);
    return informer;
  }

  /** Runs every informer made so far and every one made later, until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const name of this.informers.keys()) this.run(name);
  }

  /** Whether every informer made so far has synced. */
  hasSynced(): boolean {
    for (const informer of this.informers.values()) if (!informer.hasSynced()) return false;
    return true;
  }

  /** Resolves true once every informer made so far has synced; false if `signal` aborts first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  private run(key: string): void {
    const informer = this.informers.get(key);
    const signal = this.signal;
    if (!informer || !signal || this.started.has(key)) return;
    this.started.add(key);
    void informer.run(signal).catch((err: unknown) => {
      this.opts.logger?.error({ informer: informer.name, err }, 'informer stopped');
    });
  }
}
