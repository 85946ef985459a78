/**
 * A shared informer: one list, then one watch from the list's resourceVersion, into a
 * local cache with indexes, with any number of handlers told of every change.
 *
 * - A watch that ends or breaks is resumed from the last resourceVersion seen
 *   (bookmarks keep that current on quiet resources), so nothing is listed again and
 *   every change reaches the handlers exactly once, in order.
 * - Only when the history it needs is gone (OUT_OF_RANGE) does it list again; the
 *   differences from its cache then reach the handlers as adds, updates and deletes, a
 *   vanished object as a DeletedFinalStateUnknown with its last known state.
 * - Lists come in pages of one consistent snapshot; a page whose snapshot was compacted
 *   restarts the list.
 */
import { Backoff, sleep } from '../backoff.js';
import { ApiError, Code } from '../errors.js';
import type { KindObject } from '../kind-registry.js';
import type { Logger } from '../logger.js';
import { Indexer, type IndexFunc } from './indexer.js';
import type { InformerMetrics } from './metrics.js';
import {
  DeletedFinalStateUnknown,
  type EventHandler,
  type InformerWatchEvent,
  keyOf,
  type ListerWatcher,
} from './types.js';

export interface InformerOptions<T> {
  /** Names the informer in logs and metrics (`pods`, `pods spec.nodeName=node-1`). */
  readonly name: string;
  readonly logger?: Logger;
  readonly metrics?: InformerMetrics;
  readonly indexers?: Readonly<Record<string, IndexFunc<T>>>;
  /** Every this often, each cached object is handed to onUpdate(obj, obj); 0 (default) never. */
  readonly resyncPeriodMs?: number;
  /** Objects per list page (default 500). */
  readonly pageSize?: number;
  /** Delays between failed attempts (default 100 ms doubling to 10 s, with jitter). */
  readonly backoff?: Backoff;
}

/** A stream that ended this soon with nothing in it counts as a failure (backed off). */
const EMPTY_STREAM_MS = 1_000;

export class SharedInformer<T extends KindObject> {
  readonly indexer: Indexer<T>;
  readonly name: string;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly logger: Logger | undefined;
  private readonly metrics: InformerMetrics | undefined;
  private readonly backoff: Backoff;
  private readonly pageSize: number;
  private readonly resyncPeriodMs: number;
  private synced = false;
  private running = false;
  private resourceVersion = '';
  private heardAt = Date.now();
  private readonly syncWaiters = new Set<() => void>();

  constructor(
    private readonly lw: ListerWatcher<T>,
    opts: InformerOptions<T>,
  ) {
    this.name = opts.name;
    this.indexer = new Indexer<T>(opts.indexers);
    this.logger = opts.logger;
    this.metrics = opts.metrics;
    this.backoff = opts.backoff ?? new Backoff();
    this.pageSize = opts.pageSize ?? 500;
    this.resyncPeriodMs = opts.resyncPeriodMs ?? 0;
  }

  /**
   * Adds a handler; returns a function that removes it. A handler added after the first
   * sync is first told of every cached object, as adds.
   */
  addEventHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced) for (const obj of this.indexer.list()) this.call(handler, 'onAdd', obj);
    return () => this.handlers.delete(handler);
  }

  /** Whether the first list has reached the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.syncWaiters.delete(onSync);
        signal?.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const onSync = () => done(true);
      const onAbort = () => done(false);
      this.syncWaiters.add(onSync);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The resourceVersion the cache is at: the last event, bookmark or list applied. */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Lists and watches until `signal` aborts; resolves then. An informer runs once. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error(`informer ${this.name} is running already`);
    this.running = true;
    this.metrics?.informers.set(this.name, {
      lastHeardSeconds: () => (Date.now() - this.heardAt) / 1000,
      objects: () => this.indexer.size,
    });
    const resync =
      this.resyncPeriodMs > 0 ? setInterval(() => this.resync(), this.resyncPeriodMs) : undefined;
    try {
      while (!signal.aborted) {
        if (this.resourceVersion === '') {
          if (!(await this.attempt(() => this.relist(signal), signal, 'list'))) continue;
        }
        await this.attempt(() => this.watch(signal), signal, 'watch');
      }
    } finally {
      if (resync) clearInterval(resync);
      this.metrics?.informers.delete(this.name);
      this.running = false;
    }
  }

  /** Runs one list or watch; on failure waits out the backoff. Resolves whether it succeeded. */
  private async attempt(step: () => Promise<boolean>, signal: AbortSignal, what: string): Promise<boolean> {
    try {
      const healthy = await step();
      if (healthy) this.backoff.reset();
      else await sleep(this.backoff.next(), signal);
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      if (err instanceof ApiError && err.code === Code.OUT_OF_RANGE) {
        // The history we need is gone: list again, at once.
        this.logger?.info(
          { informer: this.name, resourceVersion: this.resourceVersion },
          `${what}: history compacted; listing again`,
        );
        this.resourceVersion = '';
        return false;
      }
      if (what === 'watch') this.metrics?.watchRestarts.inc({ informer: this.name });
      const delay = this.backoff.next();
      this.logger?.warn({ informer: this.name, err, retryInMs: Math.round(delay) }, `${what} failed`);
      await sleep(delay, signal);
      return false;
    }
  }

  /** Reads a consistent snapshot in pages and makes the cache equal to it. */
  private async relist(signal: AbortSignal): Promise<boolean> {
    const items: T[] = [];
    let token = '';
    let resourceVersion = '';
    do {
      const page = await this.lw.list({ limit: this.pageSize, continue: token });
      if (signal.aborted) return false;
      if (resourceVersion === '') resourceVersion = page.resourceVersion;
      items.push(...page.items);
      token = page.continue;
    } while (token !== '');
    this.replace(items, resourceVersion);
    return true;
  }

  /**
   * Watches from the current resourceVersion until the stream ends; resolves whether it
   * was healthy (it delivered, or lived `EMPTY_STREAM_MS`). A healthy watch that then
   * fails resets the backoff first: the failure is a new one, to be retried at once, not
   * the next of a series (as client-go's backoff manager forgets after a healthy spell).
   */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const started = Date.now();
    let delivered = false;
    const healthy = () => delivered || Date.now() - started >= EMPTY_STREAM_MS;
    try {
      for await (const events of this.lw.watch({ resourceVersion: this.resourceVersion }, signal)) {
        this.heardAt = Date.now();
        delivered = true;
        for (const event of events) this.apply(event);
      }
    } catch (err) {
      if (healthy()) this.backoff.reset();
      throw err;
    }
    if (signal.aborted) return true;
    this.metrics?.watchRestarts.inc({ informer: this.name });
    return healthy();
  }

  /** One watch event into the cache and to the handlers. */
  private apply(event: InformerWatchEvent<T>): void {
    const rv = event.object.metadata?.resourceVersion ?? '';
    if (event.type === 'BOOKMARK') {
      if (rv !== '') this.resourceVersion = rv;
      return;
    }
    this.metrics?.events.inc({ informer: this.name, type: event.type });
    if (event.type === 'DELETED') {
      // The handlers get the object as the event has it: its final state, at the deletion's revision.
      this.indexer.delete(keyOf(event.object));
      this.notifyDelete(event.object, event.object);
    } else {
      const old = this.indexer.set(event.object);
      if (old) this.notify('onUpdate', old, event.object);
      else this.notify('onAdd', event.object);
    }
    if (rv !== '') this.resourceVersion = rv;
  }

  /** Makes the cache equal to `items`, telling the handlers what changed. */
  private replace(items: readonly T[], resourceVersion: string): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = keyOf(obj);
      seen.add(key);
      const old = this.indexer.get(key);
      if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) continue;
      this.indexer.set(obj);
      if (old) this.notify('onUpdate', old, obj);
      else this.notify('onAdd', obj);
    }
    for (const key of this.indexer.keys()) {
      if (seen.has(key)) continue;
      const old = this.indexer.delete(key);
      if (old) this.notifyDelete(new DeletedFinalStateUnknown(key, old), old);
    }
    this.resourceVersion = resourceVersion;
    this.heardAt = Date.now();
    if (this.synced) this.metrics?.relists.inc({ informer: this.name });
    else {
      this.synced = true;
      for (const wake of [...this.syncWaiters]) wake();
    }
  }

  private resync(): void {
    if (!this.synced) return;
    for (const obj of this.indexer.list()) this.notify('onUpdate', obj, obj);
  }

  private notify(kind: 'onAdd', obj: T): void;
  private notify(kind: 'onUpdate', old: T, obj: T): void;
  private notify(kind: 'onAdd' | 'onUpdate', a: T, b?: T): void {
    for (const handler of this.handlers) this.call(handler, kind, a, b);
  }

  private notifyDelete(what: T | DeletedFinalStateUnknown<T>, last: T): void {
    for (const handler of this.handlers) {
      try {
        handler.onDelete?.(what);
      } catch (err) {
        this.logger?.error({ informer: this.name, err, key: keyOf(last) }, 'event handler failed');
      }
    }
  }

  private call(handler: EventHandler<T>, kind: 'onAdd' | 'onUpdate', a: T, b?: T): void {
    try {
      if (kind === 'onAdd') handler.onAdd?.(a);
      else handler.onUpdate?.(a, b ?? a);
    } catch (err) {
      this.logger?.error({ informer: this.name, err, key: keyOf(a) }, 'event handler failed');
    }
  }
}
