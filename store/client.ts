/**
 * The apiserver's client of the store. Key-value calls travel on one long-lived
 * Pipeline stream: each operation carries an id, the calls of one event-loop turn
 * share a message, answers complete in any order, so hundreds of calls share one
 * stream, a few messages and the store's group commit. A broken stream
 * fails the calls it carried (UNAVAILABLE) and the next call opens a new one; reads
 * are retried, writes are not (their outcome is unknown). Watches use one Watch
 * stream each and resume by themselves from the last revision they delivered.
 */
import { type ChannelCredentials, type ChannelOptions, type ClientDuplexStream, status } from '@grpc/grpc-js';
import { ApiError, isApiError } from '../sdk/errors.js';
import {
  type PipelineOp,
  type PipelineRequest,
  type PipelineResponse,
  type PipelineResult,
  StoreServiceClient,
  type WatchResponse,
} from '../sdk/gen/wheelhouse/store/v1/store.js';
import { fromCallError, fromPipelineError } from './client-errors.js';
import { eventFromProto, kvFromProto } from './server/convert.js';
import {
  type BackendStatus,
  type KeyValue,
  type ListOptions,
  type ListResult,
  StoreError,
  type WatchBatch,
} from './types.js';

export interface StoreClientOptions {
  /** `host:port` of the store. */
  readonly address: string;
  readonly credentials: ChannelCredentials;
  readonly channelOptions?: ChannelOptions;
  /** Attempts for a read whose stream broke; 3 by default. */
  readonly readAttempts?: number;
}

export interface ClientWatchOptions {
  readonly signal?: AbortSignal;
  /** Ask the store for a progress notification after this many idle milliseconds. */
  readonly progressIntervalMs?: number;
  /**
   * Reopen the watch from the last delivered revision when the store cuts it off
   * (RESOURCE_EXHAUSTED) or the connection drops (UNAVAILABLE). On by default;
   * OUT_OF_RANGE (compacted) always ends the watch: the caller must list again.
   */
  readonly resume?: boolean;
}

type Op = NonNullable<PipelineOp['op']>;
type Result = NonNullable<PipelineResult['result']>;
type ResultOf<C extends Op['$case']> = Extract<Result, { $case: C }>['value'];

/** Operations sent on one stream and not yet answered; more wait in the client until answers come. */
const MAX_IN_FLIGHT = 4096;
/** At most this many operations in one request message, so that a burst never builds one huge message. */
const MAX_OPS_PER_MESSAGE = 256;

interface Pending {
  resolve(result: Result): void;
  reject(err: ApiError): void;
}

/**
 * One Pipeline stream and the calls waiting for an answer on it. Calls made in the
 * same event-loop turn leave together in one message (up to MAX_OPS_PER_MESSAGE),
 * so that a burst costs one message rather than one per call.
 */
class PipelineStream {
  readonly pending = new Map<string, Pending>();
  broken = false;
  private nextId = 1;
  /** Operations not yet written to the stream. */
  private outbox: PipelineOp[] = [];
  private flushScheduled = false;
  /** Operations written and not yet answered. */
  private sent = 0;
  /** The transport's buffer is full: nothing more is written until 'drain'. */
  private blocked = false;

  constructor(
    private readonly stream: ClientDuplexStream<PipelineRequest, PipelineResponse>,
    onBroken: () => void,
  ) {
    stream.on('data', (res: PipelineResponse) => {
      for (const { id, result } of res.results) {
        const pending = this.pending.get(id);
        if (!pending) continue;
        this.pending.delete(id);
        this.sent--;
        if (!result)
          pending.reject(new ApiError(status.INTERNAL, `the store answered operation ${id} with nothing`));
        else if (result.$case === 'error') pending.reject(fromPipelineError(result.value));
        else pending.resolve(result);
      }
      if (this.outbox.length > 0) this.flush();
    });
    stream.on('drain', () => {
      this.blocked = false;
      this.flush();
    });
    const fail = (err: unknown) => {
      if (this.broken) return;
      this.broken = true;
      this.outbox = [];
      onBroken();
      const cause = err ? fromCallError(err) : undefined;
      for (const pending of this.pending.values()) {
        pending.reject(
          new StoreError(
            'Closed',
            `the store connection broke before the answer came${cause ? `: ${cause.message}` : ''}`,
          ),
        );
      }
      this.pending.clear();
    };
    stream.on('error', fail);
    stream.on('end', () => fail(undefined));
  }

  send(op: Op): Promise<Result> {
    const id = String(this.nextId++);
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.outbox.push({ id, op });
      if (this.outbox.length >= MAX_OPS_PER_MESSAGE) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        // At the end of the event-loop turn rather than after the current microtasks: the
        // apiserver's handlers for requests that arrived together run in separate callbacks
        // of one turn, and their calls should share a message. A lone call pays one turn.
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
    });
  }

  close(): void {
    this.stream.end();
    this.stream.cancel();
  }

  private flush(): void {
    while (this.outbox.length > 0 && !this.blocked && !this.broken && this.sent < MAX_IN_FLIGHT) {
      const n = Math.min(this.outbox.length, MAX_OPS_PER_MESSAGE, MAX_IN_FLIGHT - this.sent);
      const ops = n === this.outbox.length ? this.outbox : this.outbox.slice(0, n);
      this.outbox = n === this.outbox.length ? [] : this.outbox.slice(n);
      this.sent += n;
      if (!this.stream.write({ ops })) this.blocked = true;
    }
  }
}

export class StoreClient {
  readonly grpc: StoreServiceClient;
  private pipeline: PipelineStream | undefined;
  private readonly readAttempts: number;

  constructor(options: StoreClientOptions) {
    this.grpc = new StoreServiceClient(options.address, options.credentials, {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      'grpc.max_send_message_length': 16 * 1024 * 1024,
      // Nothing reads channelz here: skip its per-call bookkeeping.
      'grpc.enable_channelz': 0,
      ...options.channelOptions,
    });
    this.readAttempts = options.readAttempts ?? 3;
  }

  async get(key: string, revision = 0): Promise<{ kv?: KeyValue; revision: number }> {
    const res = await this.read('get', { $case: 'get', value: { key, revision: String(revision) } });
    return { kv: res.kv ? kvFromProto(res.kv) : undefined, revision: Number(res.revision) };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const res = await this.read('list', {
      $case: 'list',
      value: {
        prefix,
        revision: String(options.revision ?? 0),
        limit: String(options.limit ?? 0),
        startAfter: options.startAfter ?? '',
        keysOnly: options.keysOnly ?? false,
      },
    });
    return { kvs: res.kvs.map(kvFromProto), revision: Number(res.revision), more: res.more };
  }

  async count(prefix: string): Promise<{ count: number; revision: number }> {
    const res = await this.read('count', { $case: 'count', value: { prefix } });
    return { count: Number(res.count), revision: Number(res.revision) };
  }

  async create(key: string, value: Buffer, ttlSeconds = 0): Promise<KeyValue> {
    const res = await this.write('create', {
      $case: 'create',
      value: { key, value, ttlSeconds: String(ttlSeconds) },
    });
    return { ...kvFromProto(res.kv!), value };
  }

  async update(key: string, value: Buffer, expectedModRevision: number, ttlSeconds = 0): Promise<KeyValue> {
    const res = await this.write('update', {
      $case: 'update',
      value: { key, value, expectedModRevision: String(expectedModRevision), ttlSeconds: String(ttlSeconds) },
    });
    return { ...kvFromProto(res.kv!), value };
  }

  async delete(key: string, expectedModRevision = 0): Promise<{ prevKv: KeyValue; revision: number }> {
    const res = await this.write('delete', {
      $case: 'delete',
      value: { key, expectedModRevision: String(expectedModRevision) },
    });
    return { prevKv: kvFromProto(res.prevKv!), revision: Number(res.revision) };
  }

  /**
   * The store's current revision; every open watch with nothing pending sends a progress
   * notification at once. Travels on the pipeline with the other calls, and is retried
   * like a read: asking twice does no harm.
   */
  async requestProgress(): Promise<number> {
    const res = await this.read('requestProgress', { $case: 'requestProgress', value: {} });
    return Number(res.revision);
  }

  /** Unary: compaction is an operator's action, not the apiserver's hot path. */
  compact(revision: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.grpc.compact({ revision: String(revision) }, (err, res) =>
        err ? reject(fromCallError(err)) : resolve(Number(res.compactRevision)),
      );
    });
  }

  status(): Promise<BackendStatus> {
    return new Promise((resolve, reject) => {
      this.grpc.status({}, (err, res) =>
        err
          ? reject(fromCallError(err))
          : resolve({
              revision: Number(res.revision),
              compactRevision: Number(res.compactRevision),
              keys: Number(res.keys),
              dbSizeBytes: Number(res.dbSizeBytes),
              backend: res.backend,
            }),
      );
    });
  }

  /**
   * Every change under `prefix` after `startRevision` (0: from now). The first batch
   * has no events and names the revision the watch starts after; later empty batches
   * are progress notifications.
   */
  async *watch(
    prefix: string,
    startRevision: number,
    options: ClientWatchOptions = {},
  ): AsyncGenerator<WatchBatch> {
    const { signal, resume = true } = options;
    let from = startRevision;
    let failures = 0;
    while (!signal?.aborted) {
      const call = this.grpc.watch({
        prefix,
        startRevision: String(from),
        progressIntervalMs: String(options.progressIntervalMs ?? 0),
      });
      const cancel = () => call.cancel();
      signal?.addEventListener('abort', cancel);
      try {
        for await (const res of call as AsyncIterable<WatchResponse>) {
          failures = 0;
          const batch: WatchBatch = {
            events: res.events.map(eventFromProto),
            revision: Number(res.revision),
          };
          from = batch.revision;
          yield batch;
        }
        return;
      } catch (err) {
        if (signal?.aborted) return;
        const storeErr = fromCallError(err);
        const resumable = storeErr.code === status.RESOURCE_EXHAUSTED || storeErr.code === status.UNAVAILABLE;
        if (!resume || !resumable) throw storeErr;
        // Backs off only while reconnecting fails; a watch cut off for lagging resumes at once.
        if (storeErr.code === status.UNAVAILABLE) await sleep(Math.min(2000, 50 * 2 ** failures++), signal);
      } finally {
        signal?.removeEventListener('abort', cancel);
        call.cancel();
      }
    }
  }

  close(): void {
    this.pipeline?.close();
    this.pipeline = undefined;
    this.grpc.close();
  }

  private stream(): PipelineStream {
    if (!this.pipeline || this.pipeline.broken) {
      const created: PipelineStream = new PipelineStream(this.grpc.pipeline(), () => {
        if (this.pipeline === created) this.pipeline = undefined;
      });
      this.pipeline = created;
    }
    return this.pipeline;
  }

  private async write<C extends 'create' | 'update' | 'delete'>(_kind: C, op: Extract<Op, { $case: C }>) {
    return (await this.stream().send(op)).value as ResultOf<C>;
  }

  private async read<C extends 'get' | 'list' | 'count' | 'requestProgress'>(
    _kind: C,
    op: Extract<Op, { $case: C }>,
  ) {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.stream().send(op)).value as ResultOf<C>;
      } catch (err) {
        if (!isApiError(err, status.UNAVAILABLE) || attempt >= this.readAttempts) throw err;
        await sleep(50 * 2 ** attempt);
      }
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
