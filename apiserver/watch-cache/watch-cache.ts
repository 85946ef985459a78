import { ApiError, Code, isApiError } from '../../sdk/errors.js';
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { typesOf } from '../../sdk/kind-registry.js';
import { apiVersionOf, type KindInfo } from '../../sdk/kinds.js';
import type { Logger } from '../../sdk/logger.js';
import type { Backend, Event, KeyValue, WatchBatch } from '../../store/types.js';
import { forgetStoredBytes, keepStoredBytes } from '../storage/stored-bytes.js';
import { CacheWatcher, type SharedRun } from './cache-watcher.js';
import { EventRing } from './event-ring.js';
import { managedFieldsBytes } from './lazy-managed-fields.js';
import { DEFAULT_WATCH_CACHE_MAX_BYTES, DEFAULT_WATCH_MAX_PENDING_BYTES, eventBytes } from './memory.js';
import { ObjectIndex } from './object-index.js';
import { ReplayCache } from './replay-cache.js';
import { StoredEvent, withResourceVersion } from './stored-event.js';
import { type CacheEvent, INITIAL_EVENTS_END_ANNOTATION, type WatchRequest } from './types.js';

export interface WatchCacheOptions<T> {
  /** Which resource (prefix `/registry/<resource>/`). */
  info: KindInfo;
  /** The store (a remote client implementing Backend in production). */
  backend: Backend;
  /** Bytes → object with metadata.resourceVersion = String(kv.modRevision); see createDecoder. */
  decode: (kv: KeyValue) => T;
  /** Events kept for watches that resume from a revision (default 10_000). */
  capacity?: number;
  /**
   * What those events may weigh, estimated from their encoded size (see memory.ts):
   * the oldest are dropped past it as past `capacity` (default 64 MiB; 0 for no bound).
   */
  maxBytes?: number;
  /**
   * How long events are kept for resuming watches (default 75 s, Kubernetes'
   * eventFreshDuration), within `capacity` and `maxBytes`; the newest
   * MIN_HISTORY_EVENTS are kept whatever their age. Holding history for its full
   * capacity instead makes a busy resource's cache grow for as long as that takes to
   * fill (an hour for Leases), and the apiserver's memory with it. 0: by count and
   * bytes only.
   */
  historyMs?: number;
  /** Events pending per watcher before it is dropped (default 10_000). */
  watcherBufferLimit?: number;
  /** What the events pending for a watcher may weigh before it is dropped (default 16 MiB; 0 for no bound). */
  watcherBufferBytes?: number;
  /**
   * At start the cache lists the store as it was this many revisions ago (never before
   * its compacted revision) and replays what followed, so that it holds recent history
   * at once: the client watches of an apiserver that restarted resume from their last
   * resourceVersion instead of listing again (default: `capacity`; 0 starts empty).
   */
  startHistoryRevisions?: number;
  /** Idle milliseconds before a BOOKMARK goes to watchers that allow them (default 1_000). */
  bookmarkIntervalMs?: number;
  /** Idle milliseconds before the store reports progress, so that `revision` advances (default 250). */
  progressIntervalMs?: number;
  /**
   * Live events reach client watches at most once per this many milliseconds
   * (default 20): a change after a quiet spell goes out at once, and the changes of a
   * burst that follow it go out together, in one message per watcher, at the end of
   * the window. 0 hands every store batch out as it is applied.
   */
  coalesceMs?: number;
  logger: Logger;
}

/** Keys read per page when listing the store. */
const LIST_PAGE = 2000;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 5000;
const DEFAULT_WAIT_MS = 3000;
/** Events kept however old (see historyMs), as Kubernetes' watch cache keeps at least 100. */
const MIN_HISTORY_EVENTS = 100;
/** Kubernetes' eventFreshDuration: the history a watch cache aims to hold. */
export const DEFAULT_WATCH_CACHE_HISTORY_MS = 75_000;
/** How long start() waits for the replay of recent history before serving anyway. */
const REPLAY_WAIT_MS = 30_000;

/**
 * An object of the cache, with the revision it was last written at: also its initial
 * ADDED event. `encoded` is the size of the stored value it was decoded from.
 */
type Entry<T> = CacheEvent<T> & { readonly encoded: number };

/**
 * The apiserver's cache of one resource, as Kubernetes' cacher: one store watch per
 * resource keeps the current objects and a ring of recent events in memory, and fans
 * every event out to the client watches, which also lets it answer gets and lists.
 *
 * Each store event is decoded once; the object is shared by the index, the ring and
 * every watcher (so nothing handed out may be mutated). Once handed out, the ring keeps
 * the objects no longer current as their stored bytes, and a watch that resumes from
 * an older revision decodes them again (stored-event.ts). Fan-out is synchronous with
 * applying the event, which is what makes a watch's replay and its live events meet
 * with no gap and no duplicate. A watcher whose consumer lets its queue grow past the
 * limit (in events or in bytes) is ended alone (RESOURCE_EXHAUSTED), costing the others
 * nothing. The history kept for resuming watches is bounded in events and in bytes.
 */
export class WatchCache<T extends KindObject> {
  /**
   * Counters: watchers open, events applied, watchers dropped for falling behind, and
   * of those, the ones dropped for the bytes they left unread (the rest: for the count).
   */
  readonly metrics = { watchers: 0, events: 0, dropped: 0, droppedForBytes: 0 };
  private readonly info: KindInfo;
  private readonly backend: Backend;
  private readonly decode: (kv: KeyValue) => T;
  private readonly prefix: string;
  private readonly bufferLimit: number;
  private readonly bufferBytes: number;
  private readonly bookmarkIntervalMs: number;
  private readonly historyMs: number;
  private readonly startHistoryRevisions: number;
  private readonly progressIntervalMs: number;
  private readonly coalesceMs: number;
  private readonly logger: Logger;
  private readonly index = new ObjectIndex<Entry<T>>();
  private readonly ring: EventRing<StoredEvent<T>>;
  private readonly watchers = new Set<CacheWatcher<T>>();
  private waiters: { revision: number; resolve(): void }[] = [];
  private current = 0;
  private ready = false;
  private started = false;
  private lifetimeSignal: AbortSignal | undefined;
  private stopped = false;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** Events applied and not yet offered to the watchers, oldest first. */
  private undelivered: StoredEvent<T>[] = [];
  /** Events handed out whose decoded objects the history has not let go of yet (see settle). */
  private unsettled: StoredEvent<T>[] = [];
  /** History events decoded again for watches that resume from a revision. */
  private readonly replays: ReplayCache<T>;
  /** performance.now() of the last hand-out to the watchers. */
  private flushedAt = Number.NEGATIVE_INFINITY;

  constructor(opts: WatchCacheOptions<T>) {
    this.info = opts.info;
    this.backend = opts.backend;
    this.decode = opts.decode;
    this.replays = new ReplayCache(opts.decode);
    this.prefix = `/registry/${opts.info.resource}/`;
    this.ring = new EventRing(
      opts.capacity ?? 10_000,
      (opts.maxBytes ?? DEFAULT_WATCH_CACHE_MAX_BYTES) || Number.POSITIVE_INFINITY,
    );
    this.bufferLimit = opts.watcherBufferLimit ?? 10_000;
    this.bufferBytes =
      (opts.watcherBufferBytes ?? DEFAULT_WATCH_MAX_PENDING_BYTES) || Number.POSITIVE_INFINITY;
    this.startHistoryRevisions = opts.startHistoryRevisions ?? opts.capacity ?? 10_000;
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 1000;
    this.historyMs = opts.historyMs ?? DEFAULT_WATCH_CACHE_HISTORY_MS;
    this.progressIntervalMs = opts.progressIntervalMs ?? 250;
    this.coalesceMs = opts.coalesceMs ?? 20;
    this.logger = opts.logger.child({ resource: opts.info.resource });
  }

  /**
   * Lists the resource, then watches it; resolves once the cache holds the initial list.
   * Reconnects (relisting when its revision was compacted) until `signal` aborts, and
   * then ends every client watch with UNAVAILABLE.
   */
  async start(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`the ${this.info.resource} watch cache was already started`);
    this.started = true;
    this.lifetimeSignal = signal;
    signal.addEventListener('abort', () => this.stop(), { once: true });
    /** The store's revision when the cache started from the past: it is ready once it has replayed up to it. */
    let catchUpTo = 0;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw ApiError.unavailable(`the ${this.info.resource} watch cache was stopped`);
      try {
        // The first attempt starts in the past (see startHistoryRevisions); the run loop
        // then replays the store's history from there. Later attempts start now.
        const history = attempt === 1 ? await this.historyStart() : { from: 0, to: 0 };
        await this.relist(history.from);
        catchUpTo = history.to;
        break;
      } catch (err) {
        if (signal.aborted) continue;
        this.logger.warn({ err, attempt }, 'listing the store failed; retrying');
        await sleep(retryDelay(attempt), signal);
      }
    }
    void this.run(signal);
    if (catchUpTo > this.current) {
      // Serve nothing older than the store was when the cache started; a replay that
      // takes too long is finished in the background.
      await this.waitForRevision(catchUpTo, REPLAY_WAIT_MS).catch((err: unknown) => {
        this.logger.warn({ err }, 'replaying recent history is taking long; serving meanwhile');
      });
    }
    this.ready = true;
    this.resolveWaiters();
    this.bookmarkTimer = setInterval(
      () => {
        if (this.historyMs > 0) this.ring.dropPushedBefore(Date.now() - this.historyMs, MIN_HISTORY_EVENTS);
        this.settle();
        this.replays.expire();
        this.sendBookmarks();
      },
      Math.max(10, this.bookmarkIntervalMs / 2),
    );
    this.bookmarkTimer.unref();
  }

  /** Aborts when the cache stops (the signal it was started with); undefined before start. */
  get lifetime(): AbortSignal | undefined {
    return this.lifetimeSignal;
  }

  /** The resource this cache holds (`pods`). */
  get resource(): string {
    return this.info.resource;
  }

  /** The history kept for resuming watches: how many events, and what they weigh (see memory.ts). */
  get history(): { events: number; bytes: number } {
    return { events: this.ring.length, bytes: this.ring.bytes };
  }

  /** What the live events queued for the watchers and not yet sent weigh, added up (shared ones once each watcher). */
  get pendingBytes(): number {
    let bytes = 0;
    for (const watcher of this.watchers) bytes += watcher.pendingBytes;
    return bytes;
  }

  /**
   * Forgets the events at or below the store's compacted revision: a watch cannot resume
   * from there (the registry answers OUT_OF_RANGE first, as the store would), so holding
   * them only costs memory. Without this the history of a resource written slowly fills
   * up to its capacity over hours, and the apiserver's memory with it.
   */
  forgetHistoryThrough(compactRevision: number): void {
    this.ring.dropThrough(compactRevision);
  }

  /** The revision the cache is current to (advanced by events and by the store's progress notifications). */
  get revision(): number {
    return this.current;
  }

  /** Resolves once the cache is at `revision` or later; rejects with UNAVAILABLE after timeoutMs. */
  waitForRevision(revision: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    if (this.ready && this.current >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          ApiError.unavailable(
            `the ${this.info.resource} cache is at revision ${this.current}, not yet at ${revision}, after ${timeoutMs} ms: retry`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The object at `key`, shared with the cache: do not mutate it. */
  get(key: string): T | undefined {
    this.assertReady();
    return this.index.get(key)?.object;
  }

  /** Objects under `prefix` in key order, optionally filtered; with the revision they were read at. Shared: do not mutate. */
  list(prefix: string, matches?: (obj: T) => boolean): { items: T[]; revision: number } {
    this.assertReady();
    const items: T[] = [];
    this.index.scan(prefix, (entry) => {
      if (!matches || matches(entry.object)) items.push(entry.object);
    });
    return { items, revision: this.current };
  }

  /**
   * Events for one client watch. Throws OUT_OF_RANGE ("too old resource version: R
   * (oldest S)") when fromRevision is older than the events kept. A consumer that lets
   * more than watcherBufferLimit events, or watcherBufferBytes of them, pile up ends
   * with RESOURCE_EXHAUSTED ("watch fell behind…; resume from resourceVersion N");
   * others are unaffected. The watch is
   * registered by this call, so nothing written after it returns is missed; it ends
   * on `return()` (a `break` out of for-await) or when `req.signal` aborts.
   */
  watch(req: WatchRequest<T>): CacheWatcher<T> {
    this.assertReady();
    if (!req.prefix.startsWith(this.prefix)) {
      throw ApiError.invalid(`watch prefix ${req.prefix} is outside ${this.prefix}`);
    }
    const from = req.fromRevision ?? 0;
    if (!Number.isSafeInteger(from) || from < 0) {
      throw ApiError.invalid(`resourceVersion ${req.fromRevision} is not a revision`);
    }
    const revision = this.current;
    const backlog: CacheEvent<T>[] = [];
    let position = revision;
    let resumeFrom: number | undefined = revision;
    if (req.sendInitialEvents) {
      this.index.scan(req.prefix, (entry) => {
        if (!req.matches || req.matches(entry.object)) backlog.push(entry);
      });
      if (req.allowBookmarks) backlog.push(this.bookmark(revision, true));
      resumeFrom = undefined;
    } else if (from > 0) {
      if (from < this.ring.floor) {
        throw ApiError.gone(`too old resource version: ${from} (oldest ${this.ring.floor})`);
      }
      for (const stored of this.ring.since(from)) {
        if (!stored.key.startsWith(req.prefix)) continue;
        const event = stored.viewFor(req.matches, this.replays);
        if (event) backlog.push(event);
      }
      // A revision the cache has not reached yet: live events up to it are skipped.
      position = Math.max(revision, from);
      resumeFrom = from;
    }
    const watcher: CacheWatcher<T> = new CacheWatcher<T>({
      prefix: req.prefix,
      matches: req.matches,
      allowBookmarks: req.allowBookmarks,
      backlog,
      backlogIsSnapshot: req.sendInitialEvents,
      position,
      resumeFrom,
      bufferLimit: this.bufferLimit,
      bufferBytes: this.bufferBytes,
      onEnd: (w) => {
        req.signal.removeEventListener('abort', onAbort);
        if (this.watchers.delete(w)) this.metrics.watchers = this.watchers.size;
      },
    });
    const onAbort = () => watcher.close();
    if (req.signal.aborted) {
      watcher.close();
      return watcher;
    }
    req.signal.addEventListener('abort', onAbort, { once: true });
    this.watchers.add(watcher);
    this.metrics.watchers = this.watchers.size;
    return watcher;
  }

  private assertReady(): void {
    if (!this.ready)
      throw ApiError.unavailable(`the ${this.info.resource} watch cache is not ready yet: retry`);
    if (this.stopped) throw ApiError.unavailable(`the ${this.info.resource} watch cache is stopped`);
  }

  /** Follows the store until `signal` aborts: watch from the cache's revision, and after a failure again. */
  private async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const batches = this.backend.watch(this.prefix, this.current, {
          signal,
          progressIntervalMs: this.progressIntervalMs,
        });
        for await (const batch of batches) {
          this.apply(batch);
          failures = 0;
        }
        if (signal.aborted) return;
        throw ApiError.unavailable('the store ended the watch');
      } catch (err) {
        if (signal.aborted) return;
        failures++;
        // Only a compacted revision needs a relist: after any other failure (the store
        // restarting, this cache falling behind it) the store can still replay what
        // followed the cache's revision, so no client watch has to end. Revision 0 is
        // the exception: to the store a watch from 0 means "from now", so it cannot
        // replay from there.
        const relist = isApiError(err, Code.OUT_OF_RANGE) || this.current === 0;
        this.logger.warn(
          { err, revision: this.current, failures },
          relist ? 'store watch cannot resume; relisting' : 'store watch failed; resuming',
        );
        if (failures > 1) await sleep(retryDelay(failures - 1), signal);
        if (!relist || signal.aborted) continue;
        try {
          await this.relist();
        } catch (relistErr) {
          this.logger.warn({ err: relistErr }, 'relisting the store failed; retrying');
        }
      }
    }
  }

  /**
   * Replaces the cache's contents with a fresh list. The events between the cache's old
   * revision and the list's are lost, so every client watch that was not already past
   * the list's revision ends with OUT_OF_RANGE and re-lists, as in Kubernetes.
   */
  private async relist(atRevision = 0): Promise<void> {
    const kvs: KeyValue[] = [];
    let revision = atRevision;
    let startAfter = '';
    for (;;) {
      const page = await this.backend.list(this.prefix, { revision, limit: LIST_PAGE, startAfter });
      revision = page.revision;
      kvs.push(...page.kvs);
      if (!page.more || page.kvs.length === 0) break;
      startAfter = page.kvs[page.kvs.length - 1]!.key;
    }
    const wasReady = this.ready;
    // Watchers first get what was applied before the break, and the revision it reached.
    if (wasReady) this.flush();
    this.index.clear();
    for (const kv of kvs) {
      const object = this.tryDecode(kv);
      if (object) this.index.set(kv.key, entryOf(kv, object));
    }
    this.ring.reset(revision);
    this.unsettled = [];
    this.current = revision;
    if (wasReady) {
      for (const watcher of this.watchers) {
        if (watcher.position >= revision) continue;
        watcher.fail(
          ApiError.gone(`too old resource version: ${watcher.position} (oldest ${revision}): list again`),
        );
      }
    }
    this.logger.info({ revision, objects: this.index.size }, 'listed the store');
    this.resolveWaiters();
  }

  /**
   * Where the first list reads (`from`: `startHistoryRevisions` back, not before the
   * compacted revision; 0 for now) and the store's revision then (`to`).
   */
  private async historyStart(): Promise<{ from: number; to: number }> {
    if (this.startHistoryRevisions <= 0) return { from: 0, to: 0 };
    const { revision, compactRevision } = await this.backend.status();
    // Revision 1 is the store's first: a list at 0 would mean "now".
    const from = Math.max(compactRevision, revision - this.startHistoryRevisions, 1);
    return from < revision ? { from, to: revision } : { from: 0, to: 0 };
  }

  /**
   * Applies one store batch to the index and the ring, and queues its events for the
   * watchers, who get them at the next hand-out (see scheduleFlush).
   */
  private apply(batch: WatchBatch): void {
    this.settle();
    let applied = 0;
    for (const event of batch.events) {
      const stored = this.toStored(event);
      if (!stored) continue;
      this.undelivered.push(stored);
      this.ring.push(stored);
      this.current = Math.max(this.current, stored.revision);
      applied++;
    }
    this.current = Math.max(this.current, batch.revision);
    this.metrics.events += applied;
    if (applied > 0) this.scheduleFlush();
    this.resolveWaiters();
  }

  /**
   * Hands queued events to the watchers now, or at the end of the current window if
   * the last hand-out was less than coalesceMs ago. Every watcher is handed its events
   * at the same moment, so watchers of the same thing get the same run of events and
   * the service encodes their messages once.
   */
  private scheduleFlush(): void {
    if (this.flushTimer) return;
    const wait = this.flushedAt + this.coalesceMs - performance.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  /**
   * Offers every watcher the events applied since the last hand-out, and the cache's
   * revision, in one call each: a watcher registered in between skips what its
   * registration already covers (offer() compares revisions).
   */
  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushedAt = performance.now();
    const events = this.undelivered;
    this.undelivered = [];
    const now = Date.now();
    // Watchers without a filter share one run per prefix (most watch a namespace or everything).
    const runs = new Map<string, SharedRun<T>>();
    const unfiltered = (prefix: string): SharedRun<T> => {
      let run = runs.get(prefix);
      if (run === undefined) {
        const shared: CacheEvent<T>[] = [];
        let bytes = 0;
        for (const stored of events) {
          if (!stored.key.startsWith(prefix)) continue;
          shared.push(stored.event);
          bytes += stored.event.bytes ?? 0;
        }
        run = { events: shared, bytes };
        runs.set(prefix, run);
      }
      return run;
    };
    for (const watcher of this.watchers) {
      if (!watcher.offer(events, this.current, now, unfiltered)) {
        this.metrics.dropped++;
        if (watcher.exhausted === 'bytes') this.metrics.droppedForBytes++;
        this.logger.info(
          watcher.exhausted === 'bytes'
            ? { prefix: watcher.prefix, limitBytes: this.bufferBytes }
            : { prefix: watcher.prefix, limit: this.bufferLimit },
          'dropped a watch whose consumer fell behind',
        );
        continue;
      }
      watcher.flush();
    }
    // Watchers that were handed them have encoded them by now; one that is paused
    // encodes them when it resumes, anew.
    for (const stored of events) {
      forgetStoredBytes(stored.event.object);
      this.unsettled.push(stored);
    }
  }

  /**
   * Lets the history keep as bytes the objects of the events handed out that no
   * watcher needs decoded any more (StoredEvent.settle), and counts what they weigh
   * now. Not part of the hand-out, which only the watchers' latency depends on: done
   * before the next batch is applied, or on the next tick of the bookmark timer.
   */
  private settle(): void {
    if (this.unsettled.length === 0) return;
    const events = this.unsettled;
    this.unsettled = [];
    for (const stored of events) {
      const replaced = stored.settle();
      this.ring.reweigh(stored);
      if (replaced) this.ring.reweigh(replaced);
    }
  }

  /**
   * Updates the index with one store event and builds the event clients see (storedOf),
   * telling it what it may keep as bytes once handed out.
   */
  private toStored(event: Event): StoredEvent<T> | undefined {
    const entry = this.index.get(event.kv.key);
    const stored = this.storedOf(event);
    const { prevKv } = event;
    // Once handed out, the event keeps the previous value as the store sent it, if it
    // is that of the object the cache held (none when that one could not be decoded).
    if (stored && prevKv && (entry === undefined || entry.revision === prevKv.modRevision)) {
      const replaced = entry === undefined ? undefined : this.ring.find(entry.revision);
      stored.handOver(prevKv.value, prevKv.modRevision, replaced?.key === stored.key ? replaced : undefined);
    }
    return stored;
  }

  /**
   * Updates the index with one store event and builds the event clients see. Its
   * objects are weighed by the bytes the store sent for them: the value, and the
   * previous value (the store sends it with every change to an existing key; the size
   * the index entry was decoded from stands in for it otherwise).
   */
  private storedOf(event: Event): StoredEvent<T> | undefined {
    const { key, modRevision } = event.kv;
    const entry = this.index.get(key);
    const before = entry?.object;
    const prevEncoded = event.prevKv?.value.length ?? entry?.encoded ?? 0;
    if (event.type === 'delete') {
      this.index.delete(key);
      const last = before ?? (event.prevKv && this.tryDecode(event.prevKv));
      if (!last) return undefined;
      const deleted = withResourceVersion(last, modRevision);
      // The bytes of the state deleted: those the store sent, if they are of the object kept.
      if (event.prevKv && (entry === undefined || entry.revision === event.prevKv.modRevision)) {
        keepStoredBytes(deleted, event.prevKv.value);
      }
      return new StoredEvent(key, 'DELETED', deleted, undefined, modRevision, prevEncoded);
    }
    const object = this.tryDecode(event.kv);
    if (!object) {
      // Serving the old state as current would be wrong; forget the key until it is written again.
      this.index.delete(key);
      return undefined;
    }
    this.index.set(key, entryOf(event.kv, object));
    // Until the hand-out, the event's encoding for the watchers is made of these bytes.
    keepStoredBytes(object, event.kv.value);
    const encoded = event.kv.value.length;
    const created = !event.prevKv || event.kv.version === 1;
    if (created) return new StoredEvent(key, 'ADDED', object, undefined, modRevision, encoded);
    const prev = before ?? (event.prevKv && this.tryDecode(event.prevKv));
    return new StoredEvent(key, 'MODIFIED', object, prev, modRevision, encoded, prevEncoded);
  }

  private tryDecode(kv: KeyValue): T | undefined {
    try {
      return this.decode(kv);
    } catch (err) {
      this.logger.error(
        { err, key: kv.key, revision: kv.modRevision },
        'cannot decode a stored object; skipped',
      );
      return undefined;
    }
  }

  private resolveWaiters(): void {
    if (this.waiters.length === 0) return;
    const due = this.waiters.filter((w) => w.revision <= this.current);
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.revision > this.current);
    for (const w of due) w.resolve();
  }

  /** Gives every idle watcher that allows bookmarks the cache's revision, if it moved. */
  private sendBookmarks(): void {
    // A bookmark must not overtake events still waiting for their hand-out.
    if (this.watchers.size === 0 || this.undelivered.length > 0) return;
    const idleSince = Date.now() - this.bookmarkIntervalMs;
    let bookmark: CacheEvent<T> | undefined;
    for (const watcher of this.watchers) {
      if (!watcher.allowBookmarks || watcher.lastSentAt > idleSince || watcher.sentRevision >= this.current) {
        continue;
      }
      bookmark ??= this.bookmark(this.current, false);
      watcher.offerBookmark(bookmark);
    }
  }

  /** A BOOKMARK: an object of the cache's kind with only its type and resourceVersion set. */
  private bookmark(revision: number, initialEventsEnd: boolean): CacheEvent<T> {
    const object = typesOf(this.info).message.create({
      apiVersion: apiVersionOf(this.info),
      kind: this.info.kind,
    });
    object.metadata = ObjectMeta.create({
      resourceVersion: String(revision),
      annotations: initialEventsEnd ? { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } : {},
    });
    // The registry types messages by kind name; this cache's messages are T.
    return { type: 'BOOKMARK', object: object as T, revision };
  }

  private stop(): void {
    this.stopped = true;
    clearInterval(this.bookmarkTimer);
    clearTimeout(this.flushTimer);
    for (const watcher of this.watchers) {
      watcher.fail(ApiError.unavailable(`the ${this.info.resource} watch cache is stopping`));
    }
  }
}

function entryOf<T extends KindObject>(kv: KeyValue, object: T): Entry<T> {
  const encoded = kv.value.length;
  const bytes = eventBytes(encoded, managedFieldsBytes(object.metadata));
  return { type: 'ADDED', object, revision: kv.modRevision, bytes, encoded };
}

/** Backoff before the n-th retry (n >= 1): 50 ms doubling up to 5 s. */
function retryDelay(n: number): number {
  return Math.min(RETRY_MIN_MS * 2 ** (n - 1), RETRY_MAX_MS);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
