import { ApiError } from '../../sdk/errors.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { EventQueue } from './event-queue.js';
import type { StoredEvent } from './stored-event.js';
import type { CacheEvent } from './types.js';

/** The events of one hand-out under a prefix, shared by the watchers without a filter, and what they weigh. */
export interface SharedRun<T> {
  readonly events: readonly CacheEvent<T>[];
  /** The sum of the events' `bytes`, added up once for every watcher that queues the run. */
  readonly bytes: number;
}

/** Why a watcher was dropped for falling behind: too many events unread, or too many bytes. */
export type Exhausted = 'events' | 'bytes';

/** A consumer in push mode (see CacheWatcher.consume). */
export interface WatchSink<T> {
  /** Takes the next run of events, in order; returns false to pause until resume(). */
  deliver(events: readonly CacheEvent<T>[]): boolean;
  /** The watch ended: normally (no error) or with the error that ended it. Called once. */
  end(err?: ApiError): void;
}

export interface CacheWatcherOptions<T extends KindObject> {
  readonly prefix: string;
  readonly matches: ((obj: T) => boolean) | undefined;
  readonly allowBookmarks: boolean;
  /**
   * Events owed before any live one: the initial objects, or the ring's events after
   * the requested revision. They are not counted against `bufferLimit` or `bufferBytes`.
   */
  readonly backlog: CacheEvent<T>[];
  /** True when the backlog is a snapshot (initial events), whose revisions are no place to resume from. */
  readonly backlogIsSnapshot: boolean;
  /** Every change at or below this revision is in the backlog or was never this watcher's. */
  readonly position: number;
  /** Where a client could resume before it has read anything; undefined when that is nowhere (a snapshot). */
  readonly resumeFrom: number | undefined;
  /** Live events a consumer may leave pending before it is dropped. */
  readonly bufferLimit: number;
  /**
   * What the live events a consumer leaves pending may weigh (their `bytes`: the memory
   * they keep alive) before it is dropped; Infinity for no bound.
   */
  readonly bufferBytes: number;
  /** Called once when the watcher ends, however it ends. */
  readonly onEnd: (watcher: CacheWatcher<T>) => void;
}

/**
 * What one take of events (a push-mode delivery, a nextBatch) may weigh, estimated as
 * CacheEvent.bytes: more are cut into further takes. A consumer writes a take at once,
 * so this bounds what one puts into the transport whatever the objects' size: for large
 * objects, about 2 MiB on the wire (two messages of the watch service's).
 */
const MAX_TAKE_BYTES = 4 << 20;

/** A pending next() (one event) or nextBatch() (up to `max` events). */
interface Waiter<T> {
  readonly max: number | undefined;
  resolve(r: IteratorResult<CacheEvent<T>> | readonly CacheEvent<T>[] | undefined): void;
  reject(err: unknown): void;
}

/**
 * One client watch: a bounded queue of shared events, consumed as an async iterator
 * (one event at a time), with nextBatch() (everything available at once), or in push
 * mode through a sink (consume()). What a watcher owes is fixed the moment it is
 * registered: backlog first, then live events in the cache's order, with no gap and
 * no duplicate. Live events reach the consumer when the cache hands them out
 * (offer() then flush()), which it paces so that a burst travels in few messages.
 * Concurrent calls are answered in order.
 */
export class CacheWatcher<T extends KindObject> implements AsyncIterableIterator<CacheEvent<T>> {
  readonly prefix: string;
  readonly matches: ((obj: T) => boolean) | undefined;
  readonly allowBookmarks: boolean;
  /** The revision up to which this watcher has been offered every change. */
  position: number;
  /** Revision of the last event queued for it; a bookmark is only worth sending past it. */
  sentRevision: number;
  /** When an event was last queued (ms), for idle bookmarks. */
  lastSentAt = Date.now();
  /** Set when the watcher was dropped for falling behind: which limit it passed. */
  exhausted: Exhausted | undefined;

  private backlog: CacheEvent<T>[];
  private backlogHead = 0;
  private readonly backlogIsSnapshot: boolean;
  private readonly queue = new EventQueue<CacheEvent<T>>(bytesOf);
  /** Push mode: where events go, at most `sinkMax` at a time, unless paused. */
  private sink: WatchSink<T> | undefined;
  private sinkMax = 1;
  private paused = false;
  /** The revision a client could resume from after what it has consumed; undefined inside a snapshot. */
  private resumeFrom: number | undefined;
  /** Unanswered next() and nextBatch() calls, oldest first. */
  private waiting: Waiter<T>[] = [];
  private failure?: ApiError;
  private ended = false;
  private readonly registeredAt: number;
  private readonly bufferLimit: number;
  private readonly bufferBytes: number;
  private readonly onEnd: (watcher: CacheWatcher<T>) => void;

  constructor(opts: CacheWatcherOptions<T>) {
    this.prefix = opts.prefix;
    this.matches = opts.matches;
    this.allowBookmarks = opts.allowBookmarks;
    this.backlog = opts.backlog;
    this.backlogIsSnapshot = opts.backlogIsSnapshot;
    this.position = opts.position;
    this.sentRevision = opts.position;
    this.registeredAt = opts.position;
    this.resumeFrom = opts.backlog.length > 0 ? opts.resumeFrom : opts.position;
    this.bufferLimit = opts.bufferLimit;
    this.bufferBytes = opts.bufferBytes;
    this.onEnd = opts.onEnd;
  }

  /** Live events queued and not yet consumed. */
  get pending(): number {
    return this.queue.length;
  }

  /** What the live events queued and not yet consumed weigh (see CacheEvent.bytes). */
  get pendingBytes(): number {
    return this.queue.bytes;
  }

  /** True while a consumer is ready for events: an unanswered call, or an unpaused sink. */
  private get ready(): boolean {
    return this.waiting.length > 0 || (this.sink !== undefined && !this.paused);
  }

  /** True while the consumer has queued events or backlog still to read. */
  get busy(): boolean {
    return this.pending > 0 || this.backlogHead < this.backlog.length;
  }

  /**
   * Offers applied store events (in order) and moves the watcher to `revision`; the
   * consumer gets them at the next flush(). `unfiltered(prefix)` is the run of those
   * events under a prefix, as the cache shares it between watchers without a filter:
   * such a watcher queues that very array. Returns false when this pushed the watcher
   * over its buffer limit (events) or budget (bytes): it has then ended with
   * RESOURCE_EXHAUSTED, and `exhausted` says which.
   */
  offer(
    events: readonly StoredEvent<T>[],
    revision: number,
    now: number,
    unfiltered?: (prefix: string) => SharedRun<T>,
  ): boolean {
    if (this.ended) return true;
    const before = this.queue.length;
    const shared = !this.matches && unfiltered ? unfiltered(this.prefix) : undefined;
    const run = shared?.events ?? [];
    if (shared && (run.length === 0 || run[0]!.revision > this.position)) {
      this.queue.pushRun(run, shared.bytes);
      if (run.length > 0) this.sentRevision = run[run.length - 1]!.revision;
    } else {
      for (const stored of events) {
        if (stored.revision <= this.position || !stored.key.startsWith(this.prefix)) continue;
        const event = stored.viewFor(this.matches);
        if (!event) continue;
        this.queue.push(event);
        this.sentRevision = stored.revision;
      }
    }
    if (revision > this.position) this.position = revision;
    if (this.queue.length === before) return true;
    this.lastSentAt = now;
    // A consumer ready for events is keeping up: what it has not been handed yet is
    // held back by the cache's pacing, not left unread.
    if (this.ready) return true;
    const exhausted: Exhausted | undefined =
      this.pending > this.bufferLimit ? 'events' : this.pendingBytes > this.bufferBytes ? 'bytes' : undefined;
    if (exhausted === undefined) return true;
    const resume = this.resumeFrom;
    const behind =
      exhausted === 'events'
        ? 'watch fell behind'
        : `watch fell behind (over ${mebibytes(this.bufferBytes)} of events unread)`;
    this.exhausted = exhausted;
    this.fail(
      ApiError.exhausted(
        resume === undefined
          ? `${behind} while reading its initial events; list again and watch from the list`
          : `${behind}; resume from resourceVersion ${resume}`,
      ),
    );
    return false;
  }

  /** Hands what is queued to the consumer, if it is ready for it. */
  flush(): void {
    if (this.busy && this.ready) this.wake();
  }

  /**
   * Push mode: from now on every run of events (the backlog first) goes to `sink`, at
   * most `max` events at a time, as soon as the watcher has it. When deliver() returns
   * false nothing more is delivered until resume(). The sink's end() is called once,
   * when the watch ends.
   */
  consume(sink: WatchSink<T>, max: number): void {
    if (this.sink || this.waiting.length > 0) throw new Error('a watch has one consumer');
    if (this.ended) {
      const err = this.failure;
      this.failure = undefined;
      sink.end(err);
      return;
    }
    this.sink = sink;
    this.sinkMax = Math.max(1, max);
    this.wake();
  }

  /** Push mode: the sink is ready for more. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.wake();
  }

  /** Queues a bookmark if the consumer is idle and the cache has moved past what it was sent. */
  offerBookmark(bookmark: CacheEvent<T>): boolean {
    if (this.ended || !this.allowBookmarks || this.busy || bookmark.revision <= this.sentRevision)
      return false;
    this.queue.push(bookmark);
    this.sentRevision = bookmark.revision;
    this.lastSentAt = Date.now();
    this.wake();
    return true;
  }

  /** Ends the watch with an error, dropping whatever was queued. */
  fail(err: ApiError): void {
    if (this.ended) return;
    this.failure = err;
    this.finish();
    if (this.sink) {
      this.failure = undefined;
      this.sink.end(err);
      return;
    }
    const waiting = this.waiting;
    this.waiting = [];
    // The oldest pending next() gets the error and the rest see the end, as with a generator.
    const first = waiting.shift();
    if (first) {
      this.failure = undefined;
      first.reject(err);
    }
    for (const w of waiting) w.resolve(endOf(w));
  }

  /** Ends the watch normally; a pending next() resolves as done. */
  close(): void {
    if (this.ended) return;
    this.finish();
    if (this.sink) {
      this.sink.end();
      return;
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w.resolve(endOf(w));
  }

  next(): Promise<IteratorResult<CacheEvent<T>>> {
    return this.request(undefined) as Promise<IteratorResult<CacheEvent<T>>>;
  }

  /**
   * Everything available, up to `max` events, as soon as there is anything; undefined
   * once the watch has ended. Rejects with the error that ended it.
   */
  nextBatch(max: number): Promise<readonly CacheEvent<T>[] | undefined> {
    return this.request(Math.max(1, max)) as Promise<readonly CacheEvent<T>[] | undefined>;
  }

  return(): Promise<IteratorResult<CacheEvent<T>>> {
    this.close();
    this.failure = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private request(
    max: number | undefined,
  ): Promise<IteratorResult<CacheEvent<T>> | readonly CacheEvent<T>[] | undefined> {
    if (this.sink) throw new Error('a watch in push mode has no other consumer');
    if (this.waiting.length === 0 && this.busy) return Promise.resolve(this.answer(max));
    if (this.failure) {
      const err = this.failure;
      this.failure = undefined;
      return Promise.reject(err);
    }
    if (this.ended) return Promise.resolve(endOf({ max }));
    return new Promise((resolve, reject) => {
      this.waiting.push({ max, resolve, reject });
    });
  }

  /** What a waiter gets while something is queued: one event, or up to `max`. */
  private answer(max: number | undefined): IteratorResult<CacheEvent<T>> | readonly CacheEvent<T>[] {
    if (max === undefined) return { value: this.take()!, done: false };
    return this.takeRun(max);
  }

  /** Up to `max` events (and MAX_TAKE_BYTES): backlog first, then live runs as they were queued. */
  private takeRun(max: number): readonly CacheEvent<T>[] {
    if (this.backlogHead < this.backlog.length) {
      const batch: CacheEvent<T>[] = [];
      let bytes = 0;
      while (batch.length < max && this.backlogHead < this.backlog.length) {
        const size = bytesOf(this.backlog[this.backlogHead]!);
        if (batch.length > 0 && bytes + size > MAX_TAKE_BYTES) break;
        batch.push(this.take()!);
        bytes += size;
      }
      return batch;
    }
    const run = this.queue.takeRun(max, MAX_TAKE_BYTES);
    const last = run[run.length - 1];
    if (last) this.resumeFrom = last.revision;
    return run;
  }

  private take(): CacheEvent<T> | undefined {
    if (this.backlogHead < this.backlog.length) {
      const event = this.backlog[this.backlogHead++]!;
      if (!this.backlogIsSnapshot) this.resumeFrom = event.revision;
      if (this.backlogHead === this.backlog.length) {
        this.backlog = [];
        this.backlogHead = 0;
        // The snapshot (or replay) brought the consumer up to the registration revision.
        this.resumeFrom = Math.max(this.resumeFrom ?? 0, this.registeredAt);
      }
      return event;
    }
    const event = this.queue.shift();
    if (event) this.resumeFrom = event.revision;
    return event;
  }

  private wake(): void {
    if (this.sink) {
      while (!this.paused && !this.ended && this.busy) {
        if (!this.sink.deliver(this.takeRun(this.sinkMax))) this.paused = true;
      }
      return;
    }
    while (this.waiting.length > 0 && this.busy) {
      const waiter = this.waiting.shift()!;
      waiter.resolve(this.answer(waiter.max));
    }
  }

  private finish(): void {
    this.ended = true;
    this.backlog = [];
    this.backlogHead = 0;
    this.queue.clear();
    this.onEnd(this);
  }
}

function bytesOf<T>(event: CacheEvent<T>): number {
  return event.bytes ?? 0;
}

/** A budget in MiB as people write it: 16 MiB, 0.5 MiB. */
function mebibytes(bytes: number): string {
  return `${Number((bytes / (1 << 20)).toFixed(2))} MiB`;
}

/** How an ended watch answers a waiter: done for next(), undefined for nextBatch(). */
function endOf<T>(w: { readonly max: number | undefined }): IteratorResult<CacheEvent<T>> | undefined {
  return w.max === undefined ? { value: undefined, done: true } : undefined;
}
