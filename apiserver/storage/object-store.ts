/**
 * Typed objects of one kind over the store: Protobuf encoding, keys, the object's
 * resourceVersion (the store's mod revision, never stored inside the value) and the
 * translation of store failures into the API's errors and messages.
 */

import { ApiError, Code, type ErrorDetails } from '../../sdk/errors.js';
import type { KindObject, KindTypes } from '../../sdk/kind-registry.js';
import { typesOf } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import { encodeToBuffer } from '../../sdk/wire/encode-to-buffer.js';
import { type KeyValue, StoreError } from '../../store/types.js';
import { namespacePrefix, objectKey } from './keys.js';
import { type ProgressRequests, progressRequestsOf } from './progress-requests.js';
import type { StoreAccess } from './store-access.js';
import { keepStoredBytes } from './stored-bytes.js';

export interface Stored<T> {
  object: T;
  revision: number;
  /**
   * The value the store holds for the object (its encoding without resourceVersion),
   * when the object was read or written as it is: a write that changes nothing is told
   * by comparing with it, and a private copy is decoded from it.
   */
  value?: Uint8Array;
}

/**
 * ABORTED: the object is no longer at the revision a write expected. When the store
 * refused the write, `key` is the object's and `current` the object as the store holds it
 * now, so that a retry need not read it again (as Kubernetes retries from the state its
 * failed transaction returned).
 */
export class ConflictError<T> extends ApiError {
  constructor(
    message: string,
    details: ErrorDetails,
    readonly current: (Stored<T> & { key: string }) | undefined,
  ) {
    super(Code.ABORTED, message, details);
  }
}

export interface ListPage<T> {
  items: T[];
  revision: number;
  /** The last key returned, to continue from. */
  lastKey: string | undefined;
  more: boolean;
}

export class ObjectStore<T extends KindObject> {
  private readonly types: KindTypes<T>;
  private readonly progress: ProgressRequests;

  constructor(
    readonly info: KindInfo,
    private readonly backend: StoreAccess,
  ) {
    this.types = typesOf(info) as unknown as KindTypes<T>;
    this.progress = progressRequestsOf(backend);
  }

  key(namespace: string, name: string): string {
    return objectKey(this.info, namespace, name);
  }

  prefix(namespace: string): string {
    return namespacePrefix(this.info, namespace);
  }

  /** Bytes of an object as stored: without its resourceVersion, which is the store's business. */
  encode(obj: T): Buffer {
    const rv = obj.metadata?.resourceVersion;
    if (obj.metadata) obj.metadata.resourceVersion = '';
    try {
      return encodeToBuffer(this.types.message, obj);
    } finally {
      if (obj.metadata && rv !== undefined) obj.metadata.resourceVersion = rv;
    }
  }

  /**
   * The object just written, as a read would return it: the bytes stored are its own
   * encoding, so it is not decoded again (that cost a create about 4% of its CPU). The
   * bytes stay with it, for the response to be made of them (stored-bytes.ts).
   */
  private stored(obj: T, value: Uint8Array, revision: number): Stored<T> {
    if (obj.metadata) obj.metadata.resourceVersion = String(revision);
    keepStoredBytes(obj, value);
    return { object: obj, revision, value };
  }

  decode(kv: KeyValue, revision = kv.modRevision): T {
    const obj = this.types.message.decode(kv.value);
    if (obj.metadata) obj.metadata.resourceVersion = String(revision);
    return obj;
  }

  /**
   * A private copy of a stored object, to change: decoded from its stored value when
   * there is one, else from its encoding.
   */
  copy(stored: Stored<T>): T {
    const rv = stored.object.metadata?.resourceVersion;
    const obj = this.types.message.decode(stored.value ?? encodeToBuffer(this.types.message, stored.object));
    if (obj.metadata && rv !== undefined) obj.metadata.resourceVersion = rv;
    return obj;
  }

  /** Whether `obj`, encoded as stored (`value` when given), is the stored object as it is. */
  unchanged(obj: T, stored: Stored<T>, value = this.encode(obj)): boolean {
    return Buffer.compare(value, stored.value ?? this.encode(stored.object)) === 0;
  }

  /** The store's current revision (a read of the resource's prefix key, which holds no object). */
  async currentRevision(): Promise<number> {
    return (await this.call(() => this.backend.get(this.prefix('')), '')).revision;
  }

  /**
   * A revision current after this call, for a consistent read from a watch cache: the
   * store also makes every idle watch report its progress at once, so the cache reaches
   * this revision without waiting for its idle interval. One request per event-loop
   * turn, shared by every caller (of any kind) that arrived before it left.
   */
  async consistentRevision(): Promise<number> {
    return this.call(() => this.progress.revision(), '');
  }

  /** The revision at and below which the store has discarded history. */
  async compactRevision(): Promise<number> {
    return (await this.call(() => this.backend.status(), '')).compactRevision;
  }

  async get(namespace: string, name: string): Promise<Stored<T>> {
    const { kv } = await this.call(() => this.backend.get(this.key(namespace, name)), name);
    if (kv === undefined) throw this.notFound(name);
    return { object: this.decode(kv), revision: kv.modRevision, value: kv.value };
  }

  async list(
    namespace: string,
    opts: { revision?: number; limit?: number; startAfter?: string },
  ): Promise<ListPage<T>> {
    const res = await this.call(() => this.backend.list(this.prefix(namespace), opts), '');
    return {
      items: res.kvs.map((kv) => this.decode(kv)),
      revision: res.revision,
      lastKey: res.kvs.at(-1)?.key,
      more: res.more,
    };
  }

  async create(obj: T, ttlSeconds?: number): Promise<Stored<T>> {
    const name = obj.metadata?.name ?? '';
    const value = this.encode(obj);
    const kv = await this.call(
      () => this.backend.create(this.key(obj.metadata?.namespace ?? '', name), value, ttlSeconds),
      name,
    );
    return this.stored(obj, value, kv.modRevision);
  }

  /**
   * Replaces the object if it is still at `expectedRevision`; ABORTED otherwise.
   * `value`: `obj` already encoded (encode), as it is now.
   */
  async update(obj: T, expectedRevision: number, ttlSeconds?: number, value?: Buffer): Promise<Stored<T>> {
    const name = obj.metadata?.name ?? '';
    const bytes = value ?? this.encode(obj);
    const kv = await this.call(
      () =>
        this.backend.update(
          this.key(obj.metadata?.namespace ?? '', name),
          bytes,
          expectedRevision,
          ttlSeconds,
        ),
      name,
    );
    return this.stored(obj, bytes, kv.modRevision);
  }

  /** Removes the object if it is still at `expectedRevision`; resolves with its last state. */
  async delete(namespace: string, name: string, expectedRevision: number): Promise<Stored<T>> {
    const { prevKv, revision } = await this.call(
      () => this.backend.delete(this.key(namespace, name), expectedRevision),
      name,
    );
    return { object: this.decode(prevKv, revision), revision, value: prevKv.value };
  }

  notFound(name: string): ApiError {
    return ApiError.notFound(`${this.info.resource} "${name}" not found`, this.details(name));
  }

  conflict(name: string, current?: Stored<T> & { key: string }): ConflictError<T> {
    return new ConflictError(
      `Operation cannot be fulfilled on ${this.info.resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      this.details(name),
      current,
    );
  }

  details(name: string) {
    return { name, group: this.info.apiGroup, kind: this.info.kind };
  }

  /** Runs a store call, translating its failures into the API's errors. */
  private async call<R>(fn: () => Promise<R>, name: string): Promise<R> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      switch (err.storeReason) {
        case 'NotFound':
          throw this.notFound(name);
        case 'KeyExists':
          throw ApiError.alreadyExists(`${this.info.resource} "${name}" already exists`, this.details(name));
        case 'Conflict':
          throw this.conflict(
            name,
            err.current && {
              key: err.current.key,
              object: this.decode(err.current),
              revision: err.current.modRevision,
              value: err.current.value,
            },
          );
        case 'Compacted':
          throw ApiError.gone(
            `too old resource version: the store has compacted history up to ${err.compactRevision ?? 'a later revision'}; list again to get a current resourceVersion`,
          );
        case 'TooLarge':
          throw ApiError.invalid(`${this.info.resource} "${name}" is too large: ${err.message}`);
        case 'Closed':
          throw ApiError.unavailable(`the store is unavailable: ${err.message}; retry shortly`);
        default:
          throw new ApiError(err.code, `store: ${err.message}`);
      }
    }
  }
}
