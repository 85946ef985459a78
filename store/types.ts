/**
 * The storage contract: what the store service needs of a backend, the data types it
 * trades in and the named errors it can raise. A driver (level://, memory://, later
 * etcd://) implements Backend; the service never looks behind it.
 */
import { status } from '@grpc/grpc-js';
import { ApiError } from '../sdk/errors.js';

/** One key at one revision. Revisions are integers well below 2^53. */
export interface KeyValue {
  readonly key: string;
  readonly value: Buffer;
  /** Revision of the write that created the key (since its last deletion). */
  readonly createRevision: number;
  /** Revision of the last write to the key. */
  readonly modRevision: number;
  /** Writes since creation; 1 after create. */
  readonly version: number;
  /** Unix milliseconds after which the store deletes the key; 0 means never. */
  readonly expiresAtMs: number;
}

/** A write as Backend.write takes it; `expectedModRevision` 0 means any. */
export type WriteRequest =
  | { readonly kind: 'create'; readonly key: string; readonly value: Buffer; readonly ttlSeconds: number }
  | {
      readonly kind: 'update';
      readonly key: string;
      readonly value: Buffer;
      readonly expectedModRevision: number;
      readonly ttlSeconds: number;
    }
  | { readonly kind: 'delete'; readonly key: string; readonly expectedModRevision: number };

/** How Backend.write answers: with the write's event once it is durable, or with what refused it. */
export type WriteCallback = (err: unknown, event?: Event) => void;

/** One change to one key. On delete, `kv` is the key with the deletion's revision and no value. */
export interface Event {
  readonly type: 'put' | 'delete';
  readonly kv: KeyValue;
  /** The key-value before the change; absent on create. */
  readonly prevKv?: KeyValue;
}

/** The `kv` of a deletion event: the key, the deletion's revision, nothing else. */
export function tombstone(key: string, revision: number): KeyValue {
  return {
    key,
    value: Buffer.alloc(0),
    createRevision: 0,
    modRevision: revision,
    version: 0,
    expiresAtMs: 0,
  };
}

/** What a watch yields: events in revision order, or none for a progress notification. */
export interface WatchBatch {
  readonly events: readonly Event[];
  /** Every change up to this revision has been delivered. */
  readonly revision: number;
}

export interface ListOptions {
  /** Read as of this revision; 0 means the current one. */
  readonly revision?: number;
  /** At most this many keys; 0 means all. */
  readonly limit?: number;
  /** Only keys strictly after this one. */
  readonly startAfter?: string;
  readonly keysOnly?: boolean;
}

export interface ListResult {
  readonly kvs: KeyValue[];
  /** The revision read at: pass it back to read the next page of the same snapshot. */
  readonly revision: number;
  readonly more: boolean;
}

export interface WatchOptions {
  /** Ends the watch; the iterator then returns normally. */
  readonly signal?: AbortSignal;
  /** When > 0, yield an empty batch after this many idle milliseconds. */
  readonly progressIntervalMs?: number;
}

export interface BackendStatus {
  readonly revision: number;
  readonly compactRevision: number;
  readonly keys: number;
  readonly dbSizeBytes: number;
  readonly backend: string;
}

/**
 * A revisioned key-value backend. Every successful write bumps one global revision by
 * one. Writes resolve only once they are durable. Reads at a revision below the
 * compacted one throw ErrCompacted, above the current one ErrFutureRevision.
 */
export interface Backend {
  /** The driver's scheme, e.g. `level`. */
  readonly name: string;
  currentRevision(): number;
  get(key: string, revision?: number): Promise<{ kv?: KeyValue; revision: number }>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<{ count: number; revision: number }>;
  /** Throws ErrKeyExists if the key is present. */
  create(key: string, value: Buffer, ttlSeconds?: number): Promise<KeyValue>;
  /** Throws ErrNotFound if absent, ErrConflict (with the current kv) unless expectedModRevision is 0 or matches. */
  update(key: string, value: Buffer, expectedModRevision: number, ttlSeconds?: number): Promise<KeyValue>;
  /** As update; resolves with the deleted kv and the deletion's revision. */
  delete(key: string, expectedModRevision?: number): Promise<{ prevKv: KeyValue; revision: number }>;
  /**
   * Optional: create, update or delete as above, answered through `done` (never before
   * `write` returns) rather than a promise, so that a burst of writes costs no promise
   * chain each. Backends without it are written through the methods above.
   */
  write?(request: WriteRequest, done: WriteCallback): void;
  /** Discards every version superseded at or below `revision`; resolves with the compacted revision. */
  compact(revision: number): Promise<number>;
  /**
   * Every change under `prefix` with a revision above `startRevision`, in order, each
   * exactly once. A consumer that lets too much pile up gets ErrFellBehind.
   */
  watch(prefix: string, startRevision: number, options?: WatchOptions): AsyncIterable<WatchBatch>;
  /**
   * Resolves with the current revision R and makes every open watch with nothing pending
   * yield a progress notification (revision >= R) now rather than after its idle
   * interval: how a watcher's reader learns promptly that it is up to date (etcd's
   * RequestProgress).
   */
  requestProgress(): Promise<number>;
  status(): Promise<BackendStatus>;
  close(): Promise<void>;
}

/** Optional hooks a driver calls so that the service can export metrics. */
export interface BackendObserver {
  /** One durable batch of `size` writes took `seconds`. */
  commit?(size: number, seconds: number): void;
  watchers?(count: number): void;
  fellBehind?(): void;
}

export interface BackendOptions {
  readonly observer?: BackendObserver;
  /** Events a watcher may have pending before it is cut off. */
  readonly watchBufferLimit?: number;
  /** How often expired keys (TTL) are swept, in milliseconds. */
  readonly ttlSweepMs?: number;
}

/** etcd's request size limit, which Kubernetes relies on. */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;
export const MAX_KEY_BYTES = 3072;

/** Why a store operation failed; the one place that maps reasons to gRPC codes. */
const codes = {
  KeyExists: status.ALREADY_EXISTS,
  NotFound: status.NOT_FOUND,
  Conflict: status.ABORTED,
  Compacted: status.OUT_OF_RANGE,
  FutureRevision: status.FAILED_PRECONDITION,
  TooLarge: status.INVALID_ARGUMENT,
  InvalidKey: status.INVALID_ARGUMENT,
  InvalidArgument: status.INVALID_ARGUMENT,
  FellBehind: status.RESOURCE_EXHAUSTED,
  Closed: status.UNAVAILABLE,
} as const satisfies Record<string, status>;

export type StoreErrorReason = keyof typeof codes;

/** The reason a client gives an error that arrives as a bare code (INVALID_ARGUMENT is always InvalidArgument). */
export function reasonOfCode(code: status): StoreErrorReason | undefined {
  if (code === status.INVALID_ARGUMENT) return 'InvalidArgument';
  return (Object.keys(codes) as StoreErrorReason[]).find((reason) => codes[reason] === code);
}

/** An ApiError (so it crosses the gRPC boundary with its code) that also names its reason. */
export class StoreError extends ApiError {
  /** On Conflict: the key-value as it is now. */
  current?: KeyValue;
  /** On Compacted: the compacted revision. */
  compactRevision?: number;
  /** On FellBehind: the last revision delivered, to resume from. */
  resumeRevision?: number;

  constructor(
    readonly storeReason: StoreErrorReason,
    message: string,
  ) {
    super(codes[storeReason], message);
  }
}

export const ErrKeyExists = (key: string) => new StoreError('KeyExists', `key ${key} already exists`);
export const ErrNotFound = (key: string) => new StoreError('NotFound', `key ${key} not found`);
export function ErrConflict(key: string, expected: number, current: KeyValue): StoreError {
  const err = new StoreError(
    'Conflict',
    `key ${key} has mod revision ${current.modRevision}, not ${expected}: read it again and retry`,
  );
  err.current = current;
  return err;
}
export function ErrCompacted(revision: number, compactRevision: number): StoreError {
  const err = new StoreError(
    'Compacted',
    `revision ${revision} has been compacted (compacted revision ${compactRevision}): read at a newer revision`,
  );
  err.compactRevision = compactRevision;
  return err;
}
export const ErrFutureRevision = (revision: number, current: number) =>
  new StoreError('FutureRevision', `revision ${revision} is in the future (current revision ${current})`);
export const ErrTooLarge = (bytes: number) =>
  new StoreError('TooLarge', `value is ${bytes} bytes, over the limit of ${MAX_VALUE_BYTES} bytes`);
export const ErrInvalidKey = (key: string, why: string) =>
  new StoreError('InvalidKey', `invalid key ${JSON.stringify(key.slice(0, 100))}: ${why}`);
export const ErrInvalidArgument = (message: string) => new StoreError('InvalidArgument', message);
export function ErrFellBehind(resumeRevision: number): StoreError {
  const err = new StoreError('FellBehind', `watcher fell behind; resume from revision ${resumeRevision}`);
  err.resumeRevision = resumeRevision;
  return err;
}
export const ErrClosed = () => new StoreError('Closed', 'the store is closed');
