/**
 * etcd:// — the Backend on an etcd v3 cluster (kine the other way round: the store's
 * contract mapped onto etcd's own revisions, transactions, watches, compaction and
 * leases). `etcd://host1:2379,host2:2379,host3:2379/prefix?cacert=F&cert=F&key=F`.
 *
 * - Keys live under `prefix` (default none: `/registry/...` as Kubernetes keeps them).
 * - Revisions ARE etcd's: one revision for the whole etcd cluster, bumped by every
 *   write to it, including writes of other programs and to keys outside the prefix.
 *   Revisions under one prefix therefore have gaps; they still only grow.
 * - currentRevision() is the newest revision this driver has seen (in any answer or
 *   watch event); reads with revision 0 and counts read etcd's current revision.
 * - create = Txn(create_revision(key) == 0 ? Put : Range); update and delete = Txn
 *   guarded by mod_revision (or by create_revision > 0 when unconditional) with the
 *   current key-value read in the same Txn when the guard fails.
 * - A write is acknowledged once etcd answered it: after a quorum logged and synced it.
 * - TTL keys are put under leases (etcd-leases.ts); watches are etcd watches
 *   (etcd-watch.ts); compact is etcd's physical compaction, for the whole cluster.
 */
import { readFileSync } from 'node:fs';
import type { ServiceError } from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import { registerDriver } from '../registry.js';
import {
  type Backend,
  type BackendOptions,
  type BackendStatus,
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
} from '../types.js';
import { toCount, validateKey, validatePrefix, validateValue } from '../validate.js';
import { EtcdClient, type EtcdTls, unavailable } from './etcd-client.js';
import { EtcdLeases } from './etcd-leases.js';
import { type EtcdWatch, etcdWatch } from './etcd-watch.js';
import {
  type Compare,
  decodeRange,
  decodeRevisionOnly,
  decodeStatus,
  decodeTxn,
  type EtcdEvent,
  type EtcdKeyValue,
  emptyMessage,
  encodeCompaction,
  encodeRange,
  encodeTxn,
  type RequestOp,
  type TxnResponse,
} from './etcd-wire.js';

export interface EtcdLocation {
  readonly endpoints: string[];
  /** Prepended to every key; '' or a path without a trailing slash. */
  readonly prefix: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Parses the part of `etcd://…` after the scheme. */
export function parseEtcdLocation(location: string): EtcdLocation {
  const [hostsAndPath = '', query = ''] = location.split('?', 2);
  const slash = hostsAndPath.indexOf('/');
  const hosts = slash < 0 ? hostsAndPath : hostsAndPath.slice(0, slash);
  const prefix = slash < 0 ? '' : hostsAndPath.slice(slash).replace(/\/+$/, '');
  const endpoints = hosts.split(',').filter((h) => h.length > 0);
  if (endpoints.length === 0) {
    throw new Error(`etcd://${location} names no endpoint: write etcd://host1:2379,host2:2379,host3:2379`);
  }
  for (const endpoint of endpoints) {
    if (!/^[^:/]+:\d+$/.test(endpoint)) throw new Error(`etcd endpoint ${endpoint} is not host:port`);
  }
  if (prefix) validatePrefix(prefix);
  const params = new URLSearchParams(query);
  for (const name of params.keys()) {
    if (!['cacert', 'cert', 'key'].includes(name)) {
      throw new Error(`unknown etcd:// parameter ${name} (known: cacert, cert, key)`);
    }
  }
  const caFile = params.get('cacert') ?? undefined;
  const certFile = params.get('cert') ?? undefined;
  const keyFile = params.get('key') ?? undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error('etcd:// needs both cert and key (a client certificate and its key), or neither');
  }
  if (certFile && !caFile) throw new Error('etcd:// with a client certificate needs cacert too (TLS)');
  return { endpoints, prefix, caFile, certFile, keyFile };
}

/** The end of etcd's range of keys that start with `key`. */
function prefixEnd(key: Buffer): Buffer {
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // every key after `key`
}

/** etcd versions whose answers to progress requests wait until the watcher is synced. */
function syncsRequestedProgress(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  if (major !== 3) return major > 3;
  return minor > 5 || (minor === 5 && patch >= 8) || (minor === 4 && patch >= 25);
}

const KV = '/etcdserverpb.KV/';

export class EtcdBackend implements Backend {
  readonly name = 'etcd';
  private revision = 0;
  /** The highest compacted revision this driver knows of; etcd is the authority. */
  private compacted = 0;
  private readonly leases: EtcdLeases;
  private readonly watches = new Set<EtcdWatch>();
  private trustRequestedProgress = false;
  private closed = false;

  private constructor(
    private readonly client: EtcdClient,
    private readonly prefix: string,
    private readonly options: BackendOptions,
  ) {
    this.leases = new EtcdLeases(client);
  }

  static async open(location: EtcdLocation, options: BackendOptions = {}): Promise<EtcdBackend> {
    const tls: EtcdTls | undefined = location.caFile
      ? {
          ca: readFileSync(location.caFile),
          ...(location.certFile
            ? { cert: readFileSync(location.certFile), key: readFileSync(location.keyFile!) }
            : {}),
        }
      : undefined;
    const client = new EtcdClient({ endpoints: location.endpoints, tls });
    const backend = new EtcdBackend(client, location.prefix, options);
    try {
      const status = decodeStatus(
        await client.call('/etcdserverpb.Maintenance/Status', emptyMessage, 'read'),
      );
      backend.trustRequestedProgress = syncsRequestedProgress(status.version);
      await backend.readCurrentRevision();
    } catch (err) {
      client.close();
      throw err;
    }
    return backend;
  }

  currentRevision(): number {
    return this.revision;
  }

  /** The member (host:port) this driver's calls and new watches go to now. */
  get endpoint(): string {
    return this.client.endpoints[this.client.current]!;
  }

  async get(key: string, revision = 0): Promise<{ kv?: KeyValue; revision: number }> {
    validateKey(key);
    const at = toCount('revision', revision);
    const response = await this.range({ key: this.etcdKey(key), revision: at }, at);
    await this.leases.lookUpExpiries(response.kvs.map((kv) => kv.lease));
    const kv = response.kvs[0];
    return kv
      ? { kv: this.toKv(kv), revision: at || response.revision }
      : { revision: at || response.revision };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    validatePrefix(prefix);
    const at = toCount('revision', options.revision);
    const limit = toCount('limit', options.limit);
    const startAfter = options.startAfter ?? '';
    if (startAfter) validatePrefix(startAfter);
    const first = this.rangeStart(prefix);
    const afterKey = Buffer.from(`${this.prefix}${startAfter}\x00`, 'latin1');
    const response = await this.range(
      {
        key: startAfter && Buffer.compare(afterKey, first) > 0 ? afterKey : first,
        rangeEnd: prefixEnd(first),
        limit,
        revision: at,
        keysOnly: options.keysOnly ?? false,
      },
      at,
    );
    await this.leases.lookUpExpiries(response.kvs.map((kv) => kv.lease));
    return {
      kvs: response.kvs.map((kv) => this.toKv(kv)),
      more: response.more,
      revision: at || response.revision,
    };
  }

  async count(prefix: string): Promise<{ count: number; revision: number }> {
    validatePrefix(prefix);
    const first = this.rangeStart(prefix);
    const response = await this.range({ key: first, rangeEnd: prefixEnd(first), countOnly: true }, 0);
    return { count: response.count, revision: response.revision };
  }

  async create(key: string, value: Buffer, ttlSeconds = 0): Promise<KeyValue> {
    validateKey(key);
    validateValue(value);
    const lease = toCount('ttl_seconds', ttlSeconds) > 0 ? await this.leases.leaseFor(ttlSeconds) : undefined;
    const k = this.etcdKey(key);
    const txn = await this.txn(
      [{ key: k, target: 'create', result: 'equal', revision: 0 }],
      [{ put: { key: k, value, lease: lease?.id ?? 0n } }],
      [{ range: { key: k } }],
    );
    if (!txn.succeeded) throw ErrKeyExists(key);
    return {
      key,
      value,
      createRevision: txn.revision,
      modRevision: txn.revision,
      version: 1,
      expiresAtMs: lease?.expiresAtMs ?? 0,
    };
  }

  async update(key: string, value: Buffer, expectedModRevision: number, ttlSeconds = 0): Promise<KeyValue> {
    validateKey(key);
    validateValue(value);
    const expected = toCount('expected mod revision', expectedModRevision);
    const lease = toCount('ttl_seconds', ttlSeconds) > 0 ? await this.leases.leaseFor(ttlSeconds) : undefined;
    const k = this.etcdKey(key);
    const txn = await this.txn(
      [this.guard(k, expected)],
      [{ put: { key: k, value, lease: lease?.id ?? 0n, prevKv: true } }],
      [{ range: { key: k } }],
    );
    if (!txn.succeeded) throw this.refusal(key, expected, txn);
    const prev = txn.responses[0]?.prevKvs[0];
    if (!prev) throw new Error(`etcd answered the update of ${key} without the previous key-value`);
    return {
      key,
      value,
      createRevision: prev.createRevision,
      modRevision: txn.revision,
      version: prev.version + 1,
      expiresAtMs: lease?.expiresAtMs ?? 0,
    };
  }

  async delete(key: string, expectedModRevision = 0): Promise<{ prevKv: KeyValue; revision: number }> {
    validateKey(key);
    const expected = toCount('expected mod revision', expectedModRevision);
    const k = this.etcdKey(key);
    const txn = await this.txn(
      [this.guard(k, expected)],
      [{ deleteRange: { key: k, prevKv: true } }],
      [{ range: { key: k } }],
    );
    if (!txn.succeeded) throw this.refusal(key, expected, txn);
    const prev = txn.responses[0]?.prevKvs[0];
    if (!prev) throw new Error(`etcd answered the deletion of ${key} without the deleted key-value`);
    return { prevKv: this.toKv(prev), revision: txn.revision };
  }

  async compact(revision: number): Promise<number> {
    const target = toCount('revision', revision);
    if (target < this.compacted) throw ErrCompacted(target, this.compacted);
    if (target > this.revision) {
      const current = await this.readCurrentRevision();
      if (target > current) throw ErrFutureRevision(target, current);
    }
    if (target === this.compacted) return target;
    try {
      // Compaction is idempotent: a retry after an unknown outcome finds it done (below).
      this.seen(
        decodeRevisionOnly(await this.client.call(`${KV}Compact`, encodeCompaction(target, true), 'read')),
      );
    } catch (err) {
      if (!isCompactedError(err)) throw await this.storeError(err, target);
      const compacted = await this.compactRevision();
      if (compacted !== target) throw ErrCompacted(target, compacted);
    }
    this.compacted = Math.max(this.compacted, target);
    return target;
  }

  watch(prefix: string, startRevision: number, options: WatchOptions = {}): AsyncIterable<WatchBatch> {
    validatePrefix(prefix);
    const start = toCount('start revision', startRevision) || this.revision;
    if (start < this.compacted) throw ErrCompacted(start, this.compacted);
    if (this.closed) throw unavailable('the etcd driver is closed');
    const first = this.rangeStart(prefix);
    return etcdWatch({
      client: this.client,
      key: first,
      rangeEnd: prefixEnd(first),
      startRevision: start,
      toEvent: (event) => this.toEvent(event),
      bufferLimit: this.options.watchBufferLimit ?? 10_000,
      progressIntervalMs: options.progressIntervalMs ?? 0,
      signal: options.signal,
      trustRequestedProgress: this.trustRequestedProgress,
      currentRevision: () => this.readCurrentRevision(),
      onRevision: (r) => this.seen(r),
      opened: (w) => this.watches.add(w),
      closed: (w) => this.watches.delete(w),
    });
  }

  async requestProgress(): Promise<number> {
    if (this.closed) throw unavailable('the etcd driver is closed');
    const revision = await this.readCurrentRevision();
    for (const watch of this.watches) watch.requestProgress();
    return revision;
  }

  async status(): Promise<BackendStatus> {
    const member = decodeStatus(
      await this.client.call('/etcdserverpb.Maintenance/Status', emptyMessage, 'read'),
    );
    this.seen(member.revision);
    const { count } = await this.count('');
    return {
      revision: this.revision,
      compactRevision: await this.compactRevision(),
      keys: count,
      dbSizeBytes: member.dbSize,
      backend: this.name,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }

  /**
   * etcd's compacted revision, which its API reports only through refusals: the lowest
   * revision a Range may still read, found by bisection (a few dozen cheap reads; for
   * status and errors only).
   */
  private async compactRevision(): Promise<number> {
    // Reads below the known compacted revision are refused; reads at the current one are served.
    let refused = Math.max(this.compacted - 1, 0);
    let readable = Math.max(await this.readCurrentRevision(), 1);
    while (readable - refused > 1) {
      const mid = Math.floor((readable + refused) / 2);
      if (await this.readableAt(mid)) readable = mid;
      else refused = mid;
    }
    // etcd serves reads at its compacted revision itself; one that never compacted serves revision 1.
    if (readable > 1) this.compacted = Math.max(this.compacted, readable);
    return this.compacted;
  }

  private async readableAt(revision: number): Promise<boolean> {
    try {
      await this.client.call(
        `${KV}Range`,
        encodeRange({ key: this.etcdKey('/'), revision, countOnly: true }),
        'read',
      );
      return true;
    } catch (err) {
      if (isCompactedError(err)) return false;
      throw err;
    }
  }

  /** etcd's current revision, read linearizably. */
  private async readCurrentRevision(): Promise<number> {
    const response = await this.range({ key: this.etcdKey('/'), countOnly: true }, 0);
    return response.revision;
  }

  private async range(request: Parameters<typeof encodeRange>[0], at: number) {
    try {
      const response = decodeRange(await this.client.call(`${KV}Range`, encodeRange(request), 'read'));
      this.seen(response.revision);
      return response;
    } catch (err) {
      throw await this.storeError(err, at);
    }
  }

  private async txn(compare: Compare[], success: RequestOp[], failure: RequestOp[]): Promise<TxnResponse> {
    if (this.closed) throw unavailable('the etcd driver is closed');
    try {
      const response = decodeTxn(
        await this.client.call(`${KV}Txn`, encodeTxn({ compare, success, failure }), 'write'),
      );
      this.seen(response.revision);
      return response;
    } catch (err) {
      throw await this.storeError(err, 0);
    }
  }

  /** The guard of an update or delete: the expected mod revision, or (0) that the key exists. */
  private guard(key: Buffer, expected: number): Compare {
    return expected > 0
      ? { key, target: 'mod', result: 'equal', revision: expected }
      : { key, target: 'create', result: 'greater', revision: 0 };
  }

  /** Why a guarded write failed, from the key-value the failure branch read. */
  private refusal(key: string, expected: number, txn: TxnResponse): StoreError {
    const current = txn.responses[0]?.kvs[0];
    if (!current) return ErrNotFound(key);
    return ErrConflict(key, expected, this.toKv(current));
  }

  /** etcd's refusals as the store's named errors. */
  private async storeError(err: unknown, revision: number): Promise<unknown> {
    if (err instanceof StoreError) return err;
    const e = err as ServiceError;
    const details = e.details ?? e.message ?? String(err);
    if (isCompactedError(err)) return ErrCompacted(revision, await this.compactRevision());
    if (e.code === grpcStatus.OUT_OF_RANGE && /future revision/.test(details)) {
      return ErrFutureRevision(revision, await this.readCurrentRevision());
    }
    if (e.code === grpcStatus.INVALID_ARGUMENT && /too large/.test(details)) {
      return new StoreError(
        'TooLarge',
        `etcd refused the request as too large (${details}): run etcd with --max-request-bytes of at least 2 MiB`,
      );
    }
    if (typeof e.code === 'number') {
      return unavailable(`etcd failed: ${details} (${grpcStatus[e.code] ?? e.code})`);
    }
    return err;
  }

  private seen(revision: number): void {
    if (revision > this.revision) this.revision = revision;
  }

  private etcdKey(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'latin1');
  }

  /** Where a list of `prefix` starts: every key begins with '/', so '' is the prefix '/'. */
  private rangeStart(prefix: string): Buffer {
    return this.etcdKey(prefix === '' ? '/' : prefix);
  }

  private toKv(kv: EtcdKeyValue): KeyValue {
    return {
      key: kv.key.toString('latin1').slice(this.prefix.length),
      value: kv.value,
      createRevision: kv.createRevision,
      modRevision: kv.modRevision,
      version: kv.version,
      expiresAtMs: this.leases.knownExpiry(kv.lease),
    };
  }

  private toEvent(event: EtcdEvent): Event {
    if (event.type === 'delete') {
      const kv = tombstone(event.kv.key.toString('latin1').slice(this.prefix.length), event.kv.modRevision);
      return event.prevKv ? { type: 'delete', kv, prevKv: this.toKv(event.prevKv) } : { type: 'delete', kv };
    }
    const kv = this.toKv(event.kv);
    return event.prevKv ? { type: 'put', kv, prevKv: this.toKv(event.prevKv) } : { type: 'put', kv };
  }
}

function isCompactedError(err: unknown): boolean {
  const e = err as Partial<ServiceError>;
  return e?.code === grpcStatus.OUT_OF_RANGE && /compacted/.test(e.details ?? e.message ?? '');
}

registerDriver('etcd', (location, options) => EtcdBackend.open(parseEtcdLocation(location), options));
