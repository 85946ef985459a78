/**
 * Client watches of a resource served without a watch cache, as Kubernetes serves
 * Events (`--watch-cache-sizes=events#0`): each client watch opens a store watch of its
 * own over the prefix it asked for, so the apiserver keeps nothing of the resource
 * between requests. The watch a client gets is the cached one's (a CacheWatcher):
 * label and field filters with ADDED and DELETED transitions, bookmarks, initial events
 * read from a store list, OUT_OF_RANGE for a compacted revision.
 *
 * The cost moves to the store: one store watch per client watch, and every event is
 * decoded once per client watch instead of once per apiserver. That is the right trade
 * for a resource written far more than it is watched.
 */
import { ApiError, Code, isApiError } from '../../sdk/errors.js';
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import { apiVersionOf, type KindInfo } from '../../sdk/kinds.js';
import type { Logger } from '../../sdk/logger.js';
import type { Backend, Event, KeyValue, WatchBatch } from '../../store/types.js';
import { CacheWatcher } from './cache-watcher.js';
import { DEFAULT_WATCH_MAX_PENDING_BYTES, eventBytes } from './memory.js';
import { StoredEvent, withResourceVersion } from './stored-event.js';
import { type CacheEvent, INITIAL_EVENTS_END_ANNOTATION, type WatchRequest } from './types.js';

export interface UncachedWatchOptions<T> {
  /** Which resource (prefix `/registry/<resource>/`). */
  info: KindInfo;
  /** The store: a list for initial events, a get for the current revision, a watch per client watch. */
  backend: Pick<Backend, 'get' | 'list' | 'watch'>;
  /** Bytes → object with metadata.resourceVersion = String(kv.modRevision); see createDecoder. */
  decode: (kv: KeyValue) => T;
  /** Events pending per watcher before it is dropped (default 10_000). */
  watcherBufferLimit?: number;
  /** What the events pending for a watcher may weigh before it is dropped (default 16 MiB; 0 for no bound). */
  watcherBufferBytes?: number;
  /** Idle milliseconds before a BOOKMARK goes to a watcher that allows them (default 1_000). */
  bookmarkIntervalMs?: number;
  logger: Logger;
}

/** Keys read per page for initial events. */
const LIST_PAGE = 2000;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 5000;

/**
 * Serves client watches of one resource straight from the store. Holds nothing between
 * watches; each watch holds its store watch and its own unread events (bounded as a
 * cached watch's are) and lets go of both when it ends.
 */
export class UncachedWatchSource<T extends KindObject> {
  /** Client watches open now. */
  private open = 0;
  private readonly prefix: string;
  private readonly bufferLimit: number;
  private readonly bufferBytes: number;
  private readonly bookmarkIntervalMs: number;
  private readonly logger: Logger;

  constructor(private readonly opts: UncachedWatchOptions<T>) {
    this.prefix = `/registry/${opts.info.resource}/`;
    this.bufferLimit = opts.watcherBufferLimit ?? 10_000;
    this.bufferBytes =
      (opts.watcherBufferBytes ?? DEFAULT_WATCH_MAX_PENDING_BYTES) || Number.POSITIVE_INFINITY;
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 1000;
    this.logger = opts.logger.child({ resource: opts.info.resource, watchCache: false });
  }

  /** Client watches open now. */
  get watchers(): number {
    return this.open;
  }

  /**
   * Events for one client watch, as WatchCache.watch gives them. Resolves once the
   * watch is registered with the store (after the initial list, when one is asked for):
   * nothing written after that is missed. A revision the store has compacted ends the
   * watch with OUT_OF_RANGE; the watch ends on `return()`/`close()` or when
   * `req.signal` aborts, and its store watch with it.
   */
  async watch(req: WatchRequest<T>): Promise<CacheWatcher<T>> {
    if (!req.prefix.startsWith(this.prefix)) {
      throw ApiError.invalid(`watch prefix ${req.prefix} is outside ${this.prefix}`);
    }
    const from = req.fromRevision ?? 0;
    if (!Number.isSafeInteger(from) || from < 0) {
      throw ApiError.invalid(`resourceVersion ${req.fromRevision} is not a revision`);
    }
    const backlog: CacheEvent<T>[] = [];
    let position: number;
    let resumeFrom: number | undefined;
    if (req.sendInitialEvents) {
      position = await this.initialEvents(req, backlog);
      if (req.allowBookmarks) backlog.push(this.bookmark(position, true));
      resumeFrom = undefined;
    } else if (from > 0) {
      position = from;
      resumeFrom = from;
    } else {
      // From now: the store's revision now, every change after it follows.
      position = (await this.opts.backend.get(this.prefix)).revision;
      resumeFrom = position;
    }
    const stop = new AbortController();
    const watcher = new CacheWatcher<T>({
      prefix: req.prefix,
      matches: req.matches,
      allowBookmarks: req.allowBookmarks,
      backlog,
      backlogIsSnapshot: req.sendInitialEvents,
      position,
      resumeFrom,
      bufferLimit: this.bufferLimit,
      bufferBytes: this.bufferBytes,
      onEnd: () => {
        req.signal.removeEventListener('abort', onAbort);
        this.open--;
        stop.abort();
      },
    });
    this.open++;
    const onAbort = () => watcher.close();
    if (req.signal.aborted) {
      watcher.close();
      return watcher;
    }
    req.signal.addEventListener('abort', onAbort, { once: true });
    void this.follow(watcher, req, stop.signal);
    return watcher;
  }

  /** Lists the store now into `backlog` (ADDED events of the matching objects); returns the list's revision. */
  private async initialEvents(req: WatchRequest<T>, backlog: CacheEvent<T>[]): Promise<number> {
    let revision = 0;
    let startAfter = '';
    for (;;) {
      const page = await this.opts.backend.list(req.prefix, { revision, limit: LIST_PAGE, startAfter });
      revision = page.revision;
      for (const kv of page.kvs) {
        const object = this.tryDecode(kv);
        if (object && (!req.matches || req.matches(object))) {
          backlog.push({
            type: 'ADDED',
            object,
            revision: kv.modRevision,
            bytes: eventBytes(kv.value.length),
          });
        }
      }
      if (!page.more || page.kvs.length === 0) return revision;
      startAfter = page.kvs[page.kvs.length - 1]!.key;
    }
  }

  /**
   * Feeds `watcher` from a store watch of its prefix until it ends: resumes after a store
   * failure from the last revision offered, ends it with OUT_OF_RANGE when that revision
   * was compacted.
   */
  private async follow(watcher: CacheWatcher<T>, req: WatchRequest<T>, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const batches = this.opts.backend.watch(req.prefix, watcher.position, {
          signal,
          // Progress notifications move an idle watcher on, for its bookmarks.
          progressIntervalMs: req.allowBookmarks ? this.bookmarkIntervalMs : 0,
        });
        // The watcher's end aborts `signal`, which ends this loop.
        for await (const batch of batches) {
          this.offer(watcher, batch, req);
          failures = 0;
        }
        if (signal.aborted) return;
        throw ApiError.unavailable('the store ended the watch');
      } catch (err) {
        if (signal.aborted) return;
        if (isApiError(err, Code.OUT_OF_RANGE)) {
          watcher.fail(
            ApiError.gone(
              `too old resource version: ${watcher.position} (the store has compacted it): list again and watch from the list's resourceVersion`,
            ),
          );
          return;
        }
        failures++;
        this.logger.warn({ err, revision: watcher.position, failures }, 'store watch failed; resuming');
        await sleep(Math.min(RETRY_MIN_MS * 2 ** (failures - 1), RETRY_MAX_MS), signal);
      }
    }
  }

  /** Offers one store batch to the watcher, and a bookmark when it has been idle. */
  private offer(watcher: CacheWatcher<T>, batch: WatchBatch, req: WatchRequest<T>): void {
    const events: StoredEvent<T>[] = [];
    for (const event of batch.events) {
      const stored = this.toStored(event, req.matches !== undefined);
      if (stored) events.push(stored);
    }
    const now = Date.now();
    if (!watcher.offer(events, batch.revision, now)) {
      this.logger.info({ prefix: req.prefix }, 'dropped a watch whose consumer fell behind');
      return;
    }
    watcher.flush();
    if (
      req.allowBookmarks &&
      watcher.lastSentAt <= now - this.bookmarkIntervalMs &&
      watcher.position > watcher.sentRevision
    ) {
      watcher.offerBookmark(this.bookmark(watcher.position, false));
    }
  }

  /**
   * One store event as a cached watch sees it. The object before a modification is
   * decoded only for a filtered watch, which needs it to tell ADDED and DELETED
   * transitions from plain modifications.
   */
  private toStored(event: Event, filtered: boolean): StoredEvent<T> | undefined {
    const { key, modRevision } = event.kv;
    const prevEncoded = event.prevKv?.value.length ?? 0;
    if (event.type === 'delete') {
      const last = event.prevKv && this.tryDecode(event.prevKv);
      if (!last) return undefined;
      return new StoredEvent(
        key,
        'DELETED',
        withResourceVersion(last, modRevision),
        undefined,
        modRevision,
        prevEncoded,
      );
    }
    const object = this.tryDecode(event.kv);
    if (!object) return undefined;
    const encoded = event.kv.value.length;
    if (!event.prevKv || event.kv.version === 1) {
      return new StoredEvent(key, 'ADDED', object, undefined, modRevision, encoded);
    }
    const prev = filtered ? this.tryDecode(event.prevKv) : undefined;
    return new StoredEvent(key, 'MODIFIED', object, prev, modRevision, encoded, prev ? prevEncoded : 0);
  }

  private tryDecode(kv: KeyValue): T | undefined {
    try {
      return this.opts.decode(kv);
    } catch (err) {
      this.logger.error(
        { err, key: kv.key, revision: kv.modRevision },
        'cannot decode a stored object; skipped',
      );
      return undefined;
    }
  }

  /** A BOOKMARK: an object of the resource's kind with only its type and resourceVersion set. */
  private bookmark(revision: number, initialEventsEnd: boolean): CacheEvent<T> {
    const object = typesOf(this.opts.info).message.create({
      apiVersion: apiVersionOf(this.opts.info),
      kind: this.opts.info.kind,
    });
    object.metadata = ObjectMeta.create({
      resourceVersion: String(revision),
      annotations: initialEventsEnd ? { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } : {},
    });
    return { type: 'BOOKMARK', object: object as T, revision };
  }
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
