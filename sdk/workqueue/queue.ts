/**
 * The work queue (client-go's workqueue.Interface): a FIFO of items to process that
 * holds each item at most once, and never hands one item to two workers at once.
 */
import type { Registry } from 'prom-client';
import { type Clock, realClock } from './clock.js';
import { type QueueMetrics, queueMetrics } from './metrics.js';

/**
 * A queue of items (usually `namespace/name` keys) for workers to process. Items are
 * compared as Map keys are (strings and numbers by value, objects by identity), and
 * `undefined` is not an item: it is what `get` answers once the queue is shut down.
 *
 * - An item added any number of times before a worker takes it is handed out once.
 * - An item is never processed by two workers at once: while it is being processed
 *   (from `get` to `done`) it is not handed out again. If it is added meanwhile, it
 *   is queued again when `done` is called, so the change that added it is seen.
 * - Items are handed out in the order they were first added (or re-queued by `done`).
 */
export interface Queue<T> {
  /** Marks `item` as needing processing; does nothing once the queue is shutting down. */
  add(item: T): void;
  /**
   * The next item to process, waiting for one if none is queued; `undefined` once the
   * queue is shutting down and empty. Items queued before the shutdown are still handed
   * out. The caller owns the item until it calls `done(item)`, which it must.
   */
  get(): Promise<T | undefined>;
  /**
   * Ends the processing of `item`; it is queued again if it was added while being
   * processed. Does nothing for an item that is not being processed.
   */
  done(item: T): void;
  /**
   * Refuses further adds and answers every waiting and later `get` with `undefined`
   * once the queue is empty. A drain in progress (`shutDownWithDrain`) ends at once.
   */
  shutDown(): void;
  /**
   * Shuts down as `shutDown` does, then resolves once no item is being processed.
   * Items still queued are handed to whoever calls `get`, but are not waited for.
   */
  shutDownWithDrain(): Promise<void>;
  /** How many items are waiting to be handed out. */
  readonly length: number;
  readonly shuttingDown: boolean;
}

export interface QueueOptions {
  /** The queue's name: the `name` label of its metrics. Required with `registry`. */
  name?: string;
  /** Where to register the queue's metrics (`workqueue_*`); none without one. */
  registry?: Registry;
  /** The time source for delays and metrics; the real monotonic clock by default. */
  clock?: Clock;
}

export function createQueue<T extends NonNullable<unknown> = string>(options: QueueOptions = {}): Queue<T> {
  return new BasicQueue<T>(options);
}

/** A FIFO with amortised O(1) shift (an array and a moving head, compacted as it goes). */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

export class BasicQueue<T> implements Queue<T> {
  protected readonly clock: Clock;
  protected readonly metrics: QueueMetrics<T>;
  /** Items waiting to be handed out, in order; each is also in `dirty`. */
  private readonly queue = new Fifo<T>();
  /** Items that need processing: queued ones, and processing ones added again. */
  private readonly dirty = new Set<T>();
  /** Items handed out and not yet done. */
  private readonly processing = new Set<T>();
  /** Pending `get`s, oldest first; only ever non-empty while `queue` is empty. */
  private readonly waiters: ((item: T | undefined) => void)[] = [];
  private stopping = false;
  /** The pending `shutDownWithDrain`, if any. */
  private drain: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: QueueOptions) {
    if (options.registry !== undefined && !options.name) {
      throw new TypeError('a work queue with a metrics registry needs a name');
    }
    this.clock = options.clock ?? realClock;
    this.metrics = queueMetrics<T>(options.registry, options.name ?? '', this.clock);
  }

  get length(): number {
    return this.queue.length;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  add(item: T): void {
    if (this.stopping || this.dirty.has(item)) return;
    this.metrics.add(item);
    this.dirty.add(item);
    if (this.processing.has(item)) return; // done() queues it
    this.queue.push(item);
    this.handOut();
  }

  get(): Promise<T | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.stopping) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(item: T): void {
    if (!this.processing.delete(item)) return;
    this.metrics.done(item);
    if (this.dirty.has(item)) {
      this.queue.push(item);
      this.handOut();
    }
    this.settle();
  }

  shutDown(): void {
    this.stopAccepting();
    this.endDrain();
  }

  shutDownWithDrain(): Promise<void> {
    this.stopAccepting();
    if (this.processing.size === 0) return Promise.resolve();
    if (this.drain === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.drain = { promise, resolve };
    }
    return this.drain.promise;
  }

  private stopAccepting(): void {
    this.stopping = true;
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
    this.settle();
  }

  /** Moves the head of the queue to the processing set. */
  private take(): T | undefined {
    const item = this.queue.shift();
    if (item === undefined) return undefined;
    this.dirty.delete(item);
    this.processing.add(item);
    this.metrics.get(item);
    return item;
  }

  /** Gives queued items to waiting getters, oldest getter first. */
  private handOut(): void {
    while (this.waiters.length > 0 && this.queue.length > 0) {
      this.waiters.shift()!(this.take());
    }
  }

  /** Once shut down with nothing in processing, a drain is over, and with nothing queued, so is the queue. */
  private settle(): void {
    if (!this.stopping || this.processing.size > 0) return;
    this.endDrain();
    if (this.queue.length === 0) this.metrics.close();
  }

  private endDrain(): void {
    this.drain?.resolve();
    this.drain = undefined;
  }
}
