import {
  type Backend,
  type BackendObserver,
  type BackendOptions,
  type BackendStatus,
  ErrClosed,
  ErrCompacted,
  ErrConflict,
  ErrFutureRevision,
  ErrKeyExists,
  ErrNotFound,
  type Event,
  type KeyValue,
  type ListOptions,
  type ListResult,
  StoreError,
  tombstone,
  type WatchBatch,
  type WatchOptions,
  type WriteCallback,
  type WriteRequest,
} from '../types.js';
import { toCount, validateKey, validatePrefix, validateValue } from '../validate.js';
import { KeyIndex } from './key-index.js';
import type { RevisionLog } from './revision-log.js';
import { WatchHub } from './watch-hub.js';

type WriteOp =
  | WriteRequest
  /** TTL expiry: a delete that quietly loses to any write since the sweep saw the key. */
  | { readonly kind: 'expire'; readonly key: string; readonly expectedModRevision: number };

interface PendingWrite {
  readonly op: WriteOp;
  readonly done: WriteCallback;
}

/** A group commit never grows past this many writes or bytes, to bound one sync's latency. */
const MAX_BATCH_WRITES = 2048;
const MAX_BATCH_BYTES = 32 * 1024 * 1024;

/**
 * The revisioned store on top of a RevisionLog: one writer assigns consecutive
 * revisions, checks compare-and-swap conditions against the current keys plus the
 * earlier writes of the same batch, and makes a whole batch durable with one sync
 * (group commit) before any of its writes is acknowledged or visible. The live keys
 * are held in memory (the log keeps history), so CAS checks and current reads need
 * no disk access.
 */
export class MvccBackend implements Backend {
  private revision = 0;
  private compacted = 0;
  private readonly current = new KeyIndex<KeyValue>();
  /** The live keys that have a TTL, so that the sweep need not visit every key. */
  private readonly withTtl = new Map<string, KeyValue>();
  private readonly expiring = new Set<string>();
  private queue: PendingWrite[] = [];
  /** True while commitLoop runs; it is cleared in the same tick as the loop's last look at the queue. */
  private committing = false;
  private committed: Promise<void> = Promise.resolve();
  /** Set when a sync failed: the log's state is then unknown and no more writes are taken. */
  private broken: Error | undefined;
  private closed = false;
  private compaction: Promise<void> = Promise.resolve();
  private readonly hub: WatchHub;
  private readonly observer: BackendObserver;
  private readonly sweepTimer: NodeJS.Timeout;

  private constructor(
    private readonly log: RevisionLog,
    options: BackendOptions,
  ) {
    this.observer = options.observer ?? {};
    this.hub = new WatchHub(
      {
        eventsBetween: (prefix, after, upTo, max) => this.log.eventsBetween(prefix, after, upTo, max),
        currentRevision: () => this.revision,
        compactRevision: () => this.compacted,
      },
      options.watchBufferLimit ?? 10_000,
      this.observer,
    );
    // Not unref'd: an open backend keeps the process alive until close(), like any open server.
    this.sweepTimer = setInterval(() => this.sweepExpired(), options.ttlSweepMs ?? 1000);
  }

  static async open(log: RevisionLog, options: BackendOptions = {}): Promise<MvccBackend> {
    const state = await log.open();
    const backend = new MvccBackend(log, options);
    backend.revision = state.revision;
    backend.compacted = state.compactRevision;
    for (const kv of state.current) {
      backend.current.set(kv.key, kv);
      if (kv.expiresAtMs > 0) backend.withTtl.set(kv.key, kv);
    }
    return backend;
  }

  get name(): string {
    return this.log.name;
  }

  currentRevision(): number {
    return this.revision;
  }

  async get(key: string, revision = 0): Promise<{ kv?: KeyValue; revision: number }> {
    validateKey(key);
    const at = this.readRevision(revision);
    if (at === this.revision) return { kv: this.current.get(key), revision: at };
    const kv = await this.log.getAt(key, at);
    this.checkCompacted(at);
    return { kv, revision: at };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    validatePrefix(prefix);
    const at = this.readRevision(toCount('revision', options.revision));
    const startAfter = options.startAfter ?? '';
    if (startAfter) validatePrefix(startAfter);
    const { kvs, more } = await this.log.rangeAt(prefix, at, {
      startAfter,
      limit: toCount('limit', options.limit),
      keysOnly: options.keysOnly ?? false,
    });
    this.checkCompacted(at);
    return { kvs, more, revision: at };
  }

  async count(prefix: string): Promise<{ count: number; revision: number }> {
    validatePrefix(prefix);
    let count = 0;
    if (prefix === '') count = this.current.size;
    else for (const key of this.current.keys()) if (key.startsWith(prefix)) count++;
    return { count, revision: this.revision };
  }

  create(key: string, value: Buffer, ttlSeconds = 0): Promise<KeyValue> {
    return this.submit({ kind: 'create', key, value, ttlSeconds }).then(writtenKv);
  }

  update(key: string, value: Buffer, expectedModRevision: number, ttlSeconds = 0): Promise<KeyValue> {
    return this.submit({ kind: 'update', key, value, expectedModRevision, ttlSeconds }).then(writtenKv);
  }

  delete(key: string, expectedModRevision = 0): Promise<{ prevKv: KeyValue; revision: number }> {
    return this.submit({ kind: 'delete', key, expectedModRevision }).then((event) => ({
      prevKv: event.prevKv!,
      revision: event.kv.modRevision,
    }));
  }

  /**
   * The callback path of the writes: the request is checked now and queued for the
   * next group commit; `done` is called once it is durable or refused.
   */
  write(request: WriteRequest, done: WriteCallback): void {
    let refusal: unknown;
    try {
      if (this.closed) refusal = ErrClosed();
      else if (this.broken) refusal = this.broken;
      else checkWrite(request);
    } catch (err) {
      refusal = err;
    }
    if (refusal !== undefined) process.nextTick(done, refusal);
    else this.enqueue(request, done);
  }

  /** Queues a checked write for the next group commit. */
  private enqueue(op: WriteOp, done: WriteCallback): void {
    this.queue.push({ op, done });
    if (!this.committing) {
      this.committing = true;
      // Started at the end of this event-loop turn, so that the writes submitted in the
      // same turn (a Pipeline message carries many) share the first sync.
      this.committed = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.commitLoop());
    }
  }

  async compact(revision: number): Promise<number> {
    const target = toCount('revision', revision);
    if (target > this.revision) throw ErrFutureRevision(target, this.revision);
    if (target < this.compacted) throw ErrCompacted(target, this.compacted);
    if (target === this.compacted) return target;
    // Readers below the new mark are refused from now on; the log then deletes in the background of reads.
    this.compacted = target;
    const run = this.compaction.then(() => this.log.compact(target));
    this.compaction = run.catch(() => {});
    await run;
    return target;
  }

  watch(prefix: string, startRevision: number, options?: WatchOptions): AsyncIterable<WatchBatch> {
    validatePrefix(prefix);
    const start = toCount('start revision', startRevision) || this.revision;
    if (start > this.revision) throw ErrFutureRevision(start, this.revision);
    if (start < this.compacted) throw ErrCompacted(start, this.compacted);
    return this.hub.watch(prefix, start, options);
  }

  async requestProgress(): Promise<number> {
    if (this.closed) throw ErrClosed();
    this.hub.requestProgress();
    return this.revision;
  }

  async status(): Promise<BackendStatus> {
    return {
      revision: this.revision,
      compactRevision: this.compacted,
      keys: this.current.size,
      dbSizeBytes: await this.log.sizeBytes(),
      backend: this.name,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    await this.committed;
    this.hub.close();
    await this.compaction;
    await this.log.close();
  }

  /** The revision a read is served at, refusing compacted and future ones. */
  private readRevision(revision: number): number {
    const at = toCount('revision', revision) || this.revision;
    if (at > this.revision) throw ErrFutureRevision(at, this.revision);
    this.checkCompacted(at);
    return at;
  }

  private checkCompacted(revision: number): void {
    if (revision < this.compacted) throw ErrCompacted(revision, this.compacted);
  }

  /** `write` as a promise of the write's event. */
  private submit(request: WriteRequest): Promise<Event> {
    return new Promise<Event>((resolve, reject) =>
      this.write(request, (err, event) => (event ? resolve(event) : reject(err))),
    );
  }

  /**
   * Drains the queue one durable batch at a time; writes queued during a sync form the
   * next batch. It does not wait for more writers after a batch: Pipeline clients send
   * the writes of one turn in one message, so the writers just answered come back
   * together, and waiting for writers that do not come only adds latency.
   */
  private async commitLoop(): Promise<void> {
    // `finally` clears the flag in the same tick as the loop last saw the queue empty, so a
    // write queued after that starts a new loop and none is left waiting for a loop that ended.
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        const staged = new Map<string, KeyValue | null>();
        const accepted: { pending: PendingWrite; event: Event }[] = [];
        const refused: { pending: PendingWrite; err: unknown }[] = [];
        const now = Date.now();
        for (const pending of batch) {
          try {
            const event = this.stage(pending.op, this.revision + accepted.length + 1, staged, now);
            accepted.push({ pending, event });
          } catch (err) {
            refused.push({ pending, err });
          }
        }
        const events = accepted.map((a) => a.event);
        if (events.length > 0) {
          const started = performance.now();
          try {
            if (this.broken) throw this.broken;
            await this.log.append(events);
          } catch (err) {
            this.broken ??= new StoreError(
              'Closed',
              `the store stopped taking writes after a failed sync: ${err}`,
            );
            for (const { pending } of accepted) settle(pending, this.broken);
            for (const { pending } of refused) settle(pending, this.broken);
            continue;
          }
          this.observer.commit?.(events.length, (performance.now() - started) / 1000);
          this.apply(events);
        }
        // Refusals are only told once the writes they were checked against are durable.
        for (const { pending, err } of refused) settle(pending, err);
        for (const { pending, event } of accepted) settle(pending, undefined, event);
      }
    } finally {
      this.committing = false;
    }
  }

  private takeBatch(): PendingWrite[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < MAX_BATCH_WRITES && bytes < MAX_BATCH_BYTES) {
      const op = this.queue[n]!.op;
      bytes += op.key.length + ('value' in op ? op.value.length : 0);
      n++;
    }
    const batch = this.queue.slice(0, n);
    this.queue = this.queue.slice(n);
    return batch;
  }

  /** Checks one write against the state including earlier writes of its batch, and builds its event. */
  private stage(op: WriteOp, revision: number, staged: Map<string, KeyValue | null>, now: number): Event {
    // One lookup in each map: a key the batch deleted is staged as null.
    const inBatch = staged.get(op.key);
    const cur = inBatch === undefined ? this.current.get(op.key) : (inBatch ?? undefined);
    let event: Event;
    switch (op.kind) {
      case 'create': {
        if (cur) throw ErrKeyExists(op.key);
        const kv: KeyValue = {
          key: op.key,
          value: ownBytes(op.value),
          createRevision: revision,
          modRevision: revision,
          version: 1,
          expiresAtMs: op.ttlSeconds > 0 ? now + op.ttlSeconds * 1000 : 0,
        };
        event = { type: 'put', kv };
        break;
      }
      case 'update': {
        if (!cur) throw ErrNotFound(op.key);
        if (op.expectedModRevision !== 0 && cur.modRevision !== op.expectedModRevision) {
          throw ErrConflict(op.key, op.expectedModRevision, cur);
        }
        const kv: KeyValue = {
          key: op.key,
          value: ownBytes(op.value),
          createRevision: cur.createRevision,
          modRevision: revision,
          version: cur.version + 1,
          expiresAtMs: op.ttlSeconds > 0 ? now + op.ttlSeconds * 1000 : 0,
        };
        event = { type: 'put', kv, prevKv: cur };
        break;
      }
      case 'delete':
      case 'expire': {
        if (!cur) throw ErrNotFound(op.key);
        if (op.expectedModRevision !== 0 && cur.modRevision !== op.expectedModRevision) {
          throw ErrConflict(op.key, op.expectedModRevision, cur);
        }
        event = { type: 'delete', kv: tombstone(op.key, revision), prevKv: cur };
        break;
      }
    }
    staged.set(op.key, event.type === 'put' ? event.kv : null);
    return event;
  }

  /** Makes a durable batch visible: current keys, then the revision, then watchers, in one tick. */
  private apply(events: readonly Event[]): void {
    for (const event of events) {
      const { key } = event.kv;
      if (event.type === 'put') this.current.set(key, event.kv);
      else this.current.delete(key);
      if (event.type === 'put' && event.kv.expiresAtMs > 0) this.withTtl.set(key, event.kv);
      // Most stores hold no key with a TTL: then there is nothing to look up.
      else if (this.withTtl.size > 0) this.withTtl.delete(key);
      if (this.expiring.size > 0) this.expiring.delete(key);
    }
    this.revision = events[events.length - 1]!.kv.modRevision;
    this.hub.publish(events, this.revision);
  }

  private sweepExpired(): void {
    if (this.closed || this.broken) return;
    const now = Date.now();
    for (const kv of this.withTtl.values()) {
      if (kv.expiresAtMs > now || this.expiring.has(kv.key)) continue;
      this.expiring.add(kv.key);
      this.enqueue({ kind: 'expire', key: kv.key, expectedModRevision: kv.modRevision }, (err) => {
        if (err) this.expiring.delete(kv.key);
      });
    }
  }
}

const writtenKv = (event: Event): KeyValue => event.kv;

/**
 * Tells a writer its outcome. A callback that throws is a bug of its caller: it is
 * rethrown on its own, so that the other writers of the batch are still told.
 */
function settle(pending: PendingWrite, err: unknown, event?: Event): void {
  try {
    pending.done(err, event);
  } catch (thrown) {
    process.nextTick(() => {
      throw thrown;
    });
  }
}

/** Refuses a malformed write request before it is queued. */
function checkWrite(request: WriteRequest): void {
  validateKey(request.key);
  if (request.kind !== 'delete') {
    validateValue(request.value);
    toCount('ttl', request.ttlSeconds);
  }
  if (request.kind !== 'create') toCount('expected mod revision', request.expectedModRevision);
}

/**
 * `value` in memory of its own. A value decoded from a request is a view onto the whole
 * message it arrived in (often many writes of a pipelined stream): kept as it is, a live
 * key would keep that message alive for as long as the key lives (an Event, its hour of
 * TTL), and the store's memory would grow with the keys written rather than with what
 * they hold. A value that already owns its memory is kept as it is.
 */
function ownBytes(value: Buffer): Buffer {
  if (value.byteLength === value.buffer.byteLength) return value;
  const copy = Buffer.allocUnsafeSlow(value.byteLength);
  value.copy(copy);
  return copy;
}
