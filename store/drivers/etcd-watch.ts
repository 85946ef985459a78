/**
 * A Backend watch on an etcd Watch stream: one stream per watch (so that a progress
 * request answers for this watch alone), resumed on another member when its member
 * fails, from the revision after the last one queued: no gap, no duplicate.
 *
 * Progress notifications: etcd before 3.4.25 and 3.5.8 answers a progress request
 * with its current revision even while the watcher is still replaying older events
 * (etcd issue 15220), which would tell the consumer it is up to date too early. On
 * such versions an answer is only passed on once the watch is known to be synced: it
 * started after the revision etcd had when it was created, or delivered an event at
 * or after that revision, or etcd's own periodic notification (sent to synced
 * watchers only) arrived. An answer dropped meanwhile is asked for again as soon as
 * the watch is known synced; a watch resumed into a quiet prefix therefore reports
 * progress again with its next event, or etcd's own next notification.
 */
import type { ClientDuplexStream } from '@grpc/grpc-js';
import {
  ErrCompacted,
  ErrFellBehind,
  ErrFutureRevision,
  type Event,
  StoreError,
  type WatchBatch,
} from '../types.js';
import type { EtcdClient } from './etcd-client.js';
import {
  decodeWatch,
  type EtcdEvent,
  encodeWatchCreate,
  encodeWatchProgress,
  type WatchResponse,
} from './etcd-wire.js';

export interface EtcdWatchParams {
  readonly client: EtcdClient;
  /** The etcd range watched. */
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  /** Changes after this revision; 0 means from now. */
  readonly startRevision: number;
  readonly toEvent: (event: EtcdEvent) => Event;
  /** Events the consumer may leave unread before the watch ends with ErrFellBehind. */
  readonly bufferLimit: number;
  /** When > 0, ask for a progress notification after this many idle milliseconds. */
  readonly progressIntervalMs: number;
  readonly signal?: AbortSignal;
  /** etcd answers progress requests only for synced watchers (3.4.25+, 3.5.8+). */
  readonly trustRequestedProgress: boolean;
  /** The current revision, read linearizably: to tell a future start revision from a lagging member. */
  readonly currentRevision: () => Promise<number>;
  /** Every revision etcd reports, so that the backend's current revision follows other writers. */
  readonly onRevision: (revision: number) => void;
  readonly opened: (watch: EtcdWatch) => void;
  readonly closed: (watch: EtcdWatch) => void;
}

/** etcd's watch ID of the answers to progress requests, which go to every watcher of a stream. */
const PROGRESS_WATCH_ID = -1;

export function etcdWatch(params: EtcdWatchParams): AsyncIterable<WatchBatch> {
  return { [Symbol.asyncIterator]: () => new EtcdWatch(params).batches() };
}

export class EtcdWatch {
  private readonly queue: WatchBatch[] = [];
  private queuedEvents = 0;
  private failure: unknown;
  private ended = false;
  private wake: (() => void) | undefined;
  /** Every change up to this revision is queued; 0 until the first watch is created "from now". */
  private last: number;
  /** The revision of the last batch the consumer took. */
  private delivered: number;
  private stream: ClientDuplexStream<Uint8Array, Buffer> | undefined;
  private watchId: number | undefined;
  private createdOnce = false;
  /** etcd's revision when the current etcd watch was created, and whether it has caught up with it. */
  private createdAt = 0;
  private synced = false;
  private progressWanted = false;
  /** An answer to a request was dropped while unsynced: ask again once synced. */
  private answerOwed = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs = 0;

  constructor(private readonly p: EtcdWatchParams) {
    this.last = p.startRevision;
    this.delivered = p.startRevision;
  }

  /** Asks etcd for a progress notification now (RequestProgress). */
  requestProgress(): void {
    if (this.stream && this.watchId !== undefined) this.stream.write(encodeWatchProgress());
    else this.progressWanted = true;
  }

  async *batches(): AsyncGenerator<WatchBatch> {
    const onAbort = () => this.end();
    this.p.signal?.addEventListener('abort', onAbort);
    this.p.opened(this);
    try {
      if (this.p.signal?.aborted) return;
      this.connect();
      this.armIdleTimer();
      for (;;) {
        if (this.failure !== undefined) throw this.failure;
        const batch = this.queue.shift();
        if (batch) {
          this.queuedEvents -= batch.events.length;
          this.delivered = batch.revision;
          yield batch;
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.p.signal?.removeEventListener('abort', onAbort);
      this.end();
      this.p.closed(this);
    }
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.ended) return;
    let opened: ReturnType<EtcdClient['openWatchStream']>;
    try {
      opened = this.p.client.openWatchStream();
    } catch (err) {
      this.fail(err);
      return;
    }
    const { stream, endpoint } = opened;
    this.stream = stream;
    this.watchId = undefined;
    this.synced = false;
    stream.on('data', (message: Buffer) => {
      if (stream !== this.stream) return;
      try {
        this.onResponse(decodeWatch(message));
      } catch (err) {
        this.fail(err);
      }
    });
    const broken = (err: unknown) => {
      if (stream !== this.stream || this.ended) return;
      this.stream = undefined;
      this.p.client.failover(endpoint);
      // At once on the first failure (another member is likely up), then backing off.
      this.reconnectTimer = setTimeout(() => this.connect(), this.reconnectDelayMs);
      this.reconnectDelayMs = Math.min(Math.max(this.reconnectDelayMs * 2, 50), 1000);
      void err;
    };
    stream.on('error', broken);
    stream.on('end', () => broken(new Error('etcd ended the watch stream')));
    stream.write(
      encodeWatchCreate({
        key: this.p.key,
        rangeEnd: this.p.rangeEnd,
        startRevision: this.last === 0 ? 0 : this.last + 1,
        progressNotify: true,
        prevKv: true,
      }),
    );
  }

  private onResponse(response: WatchResponse): void {
    if (response.revision > 0) this.p.onRevision(response.revision);
    if (response.created) {
      this.watchId = response.watchId;
      this.createdAt = response.revision;
      const start = this.last;
      if (start === 0) this.last = this.delivered = response.revision;
      this.synced = this.last >= this.createdAt;
      if (this.synced && this.answerOwed) this.progressWanted = true;
      this.reconnectDelayMs = 0;
      if (!this.createdOnce) {
        this.createdOnce = true;
        if (start > response.revision) void this.checkFuture(start);
      }
      if (this.progressWanted) {
        this.progressWanted = false;
        this.answerOwed = false;
        this.stream?.write(encodeWatchProgress());
      }
    }
    if (response.canceled) {
      if (response.compactRevision > 0) this.fail(ErrCompacted(this.last, response.compactRevision));
      else
        this.fail(
          new StoreError('Closed', `etcd cancelled the watch: ${response.cancelReason || 'no reason given'}`),
        );
      return;
    }
    if (response.events.length > 0) {
      const events: Event[] = [];
      for (const e of response.events) if (e.kv.modRevision > this.last) events.push(this.p.toEvent(e));
      if (events.length === 0) return;
      this.last = events[events.length - 1]!.kv.modRevision;
      if (this.last >= this.createdAt && !this.synced) {
        this.synced = true;
        if (this.answerOwed) {
          this.answerOwed = false;
          this.requestProgress();
        }
      }
      this.push({ events, revision: this.last });
      return;
    }
    if (response.created) return;
    // A progress notification: etcd's own (to this watch ID, synced watchers only) or an answer to a request.
    if (response.watchId !== PROGRESS_WATCH_ID) this.synced = true;
    else if (!this.synced && !this.p.trustRequestedProgress) {
      this.answerOwed = true;
      return;
    }
    this.answerOwed = false;
    if (response.revision > this.last) this.last = response.revision;
    this.push({ events: [], revision: this.last });
  }

  /** A start revision above the member's: refused if it is above the cluster's too, not a lagging member. */
  private async checkFuture(start: number): Promise<void> {
    try {
      const current = await this.p.currentRevision();
      if (start > current) this.fail(ErrFutureRevision(start, current));
    } catch (err) {
      this.fail(err);
    }
  }

  private push(batch: WatchBatch): void {
    const tail = this.queue[this.queue.length - 1];
    // Progress notifications nobody has read yet collapse into the newest.
    if (tail && tail.events.length === 0) this.queue.pop();
    this.queue.push(batch);
    this.queuedEvents += batch.events.length;
    if (this.queuedEvents > this.p.bufferLimit) {
      this.fail(ErrFellBehind(this.delivered));
      return;
    }
    this.armIdleTimer();
    this.wakeUp();
  }

  private armIdleTimer(): void {
    if (this.p.progressIntervalMs <= 0 || this.ended) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.requestProgress();
      this.armIdleTimer();
    }, this.p.progressIntervalMs);
  }

  private fail(err: unknown): void {
    if (this.failure === undefined && !this.ended) this.failure = err;
    this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.reconnectTimer);
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      stream.on('error', () => {}); // the cancellation's own error
      stream.cancel();
    }
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
