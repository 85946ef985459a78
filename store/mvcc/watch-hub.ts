import {
  type BackendObserver,
  ErrClosed,
  ErrCompacted,
  ErrFellBehind,
  type Event,
  type WatchBatch,
  type WatchOptions,
} from '../types.js';

/** Where a watcher catches up from before it goes live. */
export interface ReplaySource {
  eventsBetween(
    prefix: string,
    after: number,
    upTo: number,
    max: number,
  ): Promise<{ events: Event[]; scannedTo: number }>;
  currentRevision(): number;
  compactRevision(): number;
}

interface Subscriber {
  readonly prefix: string;
  /** Live events not yet handed to the consumer. */
  queue: Event[];
  /** The revision of the last commit published to this subscriber. */
  seen: number;
  overflowed: boolean;
  /** A progress notification was requested and has not been sent yet. */
  progressNow: boolean;
  wake?: () => void;
}

const REPLAY_PAGE = 500;

/**
 * Fans committed events out to watchers. A watcher registers for live events before
 * it replays history up to the revision it registered at, so that replay and live
 * events meet with no gap and no duplicate. Each watcher's live queue is bounded: a
 * consumer that falls further behind loses its watch (ErrFellBehind carries the
 * revision to resume from) instead of holding back writers or other watchers.
 */
export class WatchHub {
  private readonly subscribers = new Set<Subscriber>();
  private closed = false;

  constructor(
    private readonly source: ReplaySource,
    private readonly bufferLimit: number,
    private readonly observer: BackendObserver = {},
  ) {}

  /** Called synchronously right after the commit of revision `revision` became visible. */
  publish(events: readonly Event[], revision: number): void {
    for (const sub of this.subscribers) {
      if (sub.overflowed) continue;
      for (const event of events) {
        if (event.kv.key.startsWith(sub.prefix)) sub.queue.push(event);
      }
      sub.seen = revision;
      if (sub.queue.length > this.bufferLimit) {
        sub.overflowed = true;
        sub.queue = [];
        this.observer.fellBehind?.();
      }
      // Wake only watchers with something to deliver: waking the others would restart their
      // idle timers, and writes elsewhere would then starve their progress notifications.
      if (sub.queue.length > 0 || sub.overflowed) sub.wake?.();
    }
  }

  /**
   * Makes every live watcher with nothing queued send a progress notification at its
   * next chance, whatever its idle interval. Each reports the revision it has seen,
   * which is the current revision: publish runs synchronously with the commit.
   */
  requestProgress(): void {
    for (const sub of this.subscribers) {
      if (sub.overflowed) continue;
      sub.progressNow = true;
      if (sub.queue.length === 0) sub.wake?.();
    }
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Ends every watch with ErrClosed. */
  close(): void {
    this.closed = true;
    for (const sub of this.subscribers) sub.wake?.();
  }

  async *watch(
    prefix: string,
    startRevision: number,
    options: WatchOptions = {},
  ): AsyncGenerator<WatchBatch> {
    const { signal, progressIntervalMs = 0 } = options;
    if (this.closed) throw ErrClosed();
    const registeredAt = this.source.currentRevision();
    const sub: Subscriber = {
      prefix,
      queue: [],
      seen: registeredAt,
      overflowed: false,
      progressNow: false,
    };
    this.subscribers.add(sub);
    this.observer.watchers?.(this.subscribers.size);
    const onAbort = () => sub.wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      let delivered = startRevision;
      while (delivered < registeredAt) {
        if (signal?.aborted) return;
        if (this.closed) throw ErrClosed();
        this.checkCompacted(delivered);
        const page = await this.source.eventsBetween(prefix, delivered, registeredAt, REPLAY_PAGE);
        // Compaction may have run while the page was read: it is only whole if `delivered` is still retained.
        this.checkCompacted(delivered);
        if (sub.overflowed) throw ErrFellBehind(delivered);
        delivered = page.scannedTo;
        if (page.events.length > 0) yield { events: page.events, revision: delivered };
      }
      delivered = Math.max(delivered, registeredAt);
      for (;;) {
        if (signal?.aborted) return;
        if (this.closed) throw ErrClosed();
        if (sub.overflowed) throw ErrFellBehind(delivered);
        if (sub.queue.length > 0) {
          const events = sub.queue;
          sub.queue = [];
          // A batch of events carries its revision too: it answers a pending progress request.
          sub.progressNow = false;
          delivered = sub.seen;
          yield { events, revision: delivered };
          continue;
        }
        delivered = sub.seen;
        if (sub.progressNow) {
          sub.progressNow = false;
          yield { events: [], revision: delivered };
          continue;
        }
        const idle = await this.sleep(sub, progressIntervalMs);
        if (idle && sub.queue.length === 0 && !sub.overflowed && !signal?.aborted) {
          yield { events: [], revision: sub.seen };
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.subscribers.delete(sub);
      this.observer.watchers?.(this.subscribers.size);
    }
  }

  private checkCompacted(revision: number): void {
    const compacted = this.source.compactRevision();
    if (revision < compacted) throw ErrCompacted(revision, compacted);
  }

  /** Resolves true after `ms` idle milliseconds (never when ms is 0), false when woken. */
  private sleep(sub: Subscriber, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = ms > 0 ? setTimeout(() => done(true), ms) : undefined;
      const done = (idle: boolean) => {
        clearTimeout(timer);
        sub.wake = undefined;
        resolve(idle);
      };
      sub.wake = () => done(false);
    });
  }
}
