/**
 * The subset of etcd v3's gRPC messages the etcd driver speaks (etcdserverpb's rpc.proto
 * and mvccpb's kv.proto), encoded and decoded by field number. Only the fields the
 * driver reads or writes are here; unknown fields are skipped, so newer etcd versions
 * decode too. Revisions, versions and lease IDs are int64 on the wire: revisions and
 * versions stay well below 2^53 and become numbers, lease IDs stay bigints.
 */
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

/** mvccpb.KeyValue. */
export interface EtcdKeyValue {
  readonly key: Buffer;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly value: Buffer;
  /** 0n when the key has no lease. */
  readonly lease: bigint;
}

/** mvccpb.Event. */
export interface EtcdEvent {
  readonly type: 'put' | 'delete';
  readonly kv: EtcdKeyValue;
  readonly prevKv?: EtcdKeyValue;
}

export interface RangeRequest {
  readonly key: Buffer;
  /** Empty: the key alone. */
  readonly rangeEnd?: Buffer;
  readonly limit?: number;
  /** 0: the current revision. */
  readonly revision?: number;
  readonly keysOnly?: boolean;
  readonly countOnly?: boolean;
}

export interface RangeResponse {
  readonly revision: number;
  readonly kvs: EtcdKeyValue[];
  readonly more: boolean;
  readonly count: number;
}

export interface PutRequest {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly lease?: bigint;
  readonly prevKv?: boolean;
}

export interface DeleteRangeRequest {
  readonly key: Buffer;
  readonly prevKv?: boolean;
}

export type RequestOp =
  | { readonly range: RangeRequest }
  | { readonly put: PutRequest }
  | { readonly deleteRange: DeleteRangeRequest };

/** etcd's Compare, as the driver uses it: one key's create or mod revision against a number. */
export interface Compare {
  readonly key: Buffer;
  readonly target: 'create' | 'mod';
  readonly result: 'equal' | 'greater';
  readonly revision: number;
}

export interface TxnRequest {
  readonly compare: readonly Compare[];
  readonly success: readonly RequestOp[];
  readonly failure: readonly RequestOp[];
}

/** One ResponseOp of a Txn, flattened: what a Range, Put or DeleteRange answered. */
export interface ResponseOp {
  readonly kvs: EtcdKeyValue[];
  readonly prevKvs: EtcdKeyValue[];
}

export interface TxnResponse {
  readonly revision: number;
  readonly succeeded: boolean;
  readonly responses: ResponseOp[];
}

export interface WatchCreateRequest {
  readonly key: Buffer;
  readonly rangeEnd: Buffer;
  readonly startRevision: number;
  readonly progressNotify: boolean;
  readonly prevKv: boolean;
}

export interface WatchResponse {
  readonly revision: number;
  readonly watchId: number;
  readonly created: boolean;
  readonly canceled: boolean;
  readonly compactRevision: number;
  readonly cancelReason: string;
  readonly events: EtcdEvent[];
}

export interface LeaseGrantResponse {
  readonly id: bigint;
  readonly ttlSeconds: number;
}

export interface LeaseTimeToLiveResponse {
  /** -1 once the lease has expired or is unknown. */
  readonly ttlSeconds: number;
}

export interface StatusResponse {
  readonly revision: number;
  readonly version: string;
  readonly dbSize: number;
  readonly leader: bigint;
  readonly memberId: bigint;
}

const LEN = WireType.LengthDelimited;
const VARINT = WireType.Varint;

function toNumber(value: bigint | string): number {
  return Number(value);
}

function toBigInt(value: bigint | string): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

function writeRange(w: BinaryWriter, r: RangeRequest): void {
  w.tag(1, LEN).bytes(r.key);
  if (r.rangeEnd?.length) w.tag(2, LEN).bytes(r.rangeEnd);
  if (r.limit) w.tag(3, VARINT).int64(r.limit);
  if (r.revision) w.tag(4, VARINT).int64(r.revision);
  if (r.keysOnly) w.tag(8, VARINT).bool(true);
  if (r.countOnly) w.tag(9, VARINT).bool(true);
}

function writePut(w: BinaryWriter, p: PutRequest): void {
  w.tag(1, LEN).bytes(p.key);
  if (p.value.length) w.tag(2, LEN).bytes(p.value);
  if (p.lease) w.tag(3, VARINT).int64(p.lease);
  if (p.prevKv) w.tag(4, VARINT).bool(true);
}

function writeDeleteRange(w: BinaryWriter, d: DeleteRangeRequest): void {
  w.tag(1, LEN).bytes(d.key);
  if (d.prevKv) w.tag(3, VARINT).bool(true);
}

function writeOp(w: BinaryWriter, field: number, op: RequestOp): void {
  w.tag(field, LEN).fork();
  if ('range' in op) {
    w.tag(1, LEN).fork();
    writeRange(w, op.range);
  } else if ('put' in op) {
    w.tag(2, LEN).fork();
    writePut(w, op.put);
  } else {
    w.tag(3, LEN).fork();
    writeDeleteRange(w, op.deleteRange);
  }
  w.join().join();
}

export function encodeRange(r: RangeRequest): Uint8Array {
  const w = new BinaryWriter();
  writeRange(w, r);
  return w.finish();
}

export function encodeTxn(t: TxnRequest): Uint8Array {
  const w = new BinaryWriter();
  for (const c of t.compare) {
    w.tag(1, LEN).fork();
    // CompareResult: EQUAL 0, GREATER 1; CompareTarget: CREATE 1, MOD 2.
    if (c.result === 'greater') w.tag(1, VARINT).int32(1);
    w.tag(2, VARINT).int32(c.target === 'create' ? 1 : 2);
    w.tag(3, LEN).bytes(c.key);
    w.tag(c.target === 'create' ? 5 : 6, VARINT).int64(c.revision);
    w.join();
  }
  for (const op of t.success) writeOp(w, 2, op);
  for (const op of t.failure) writeOp(w, 3, op);
  return w.finish();
}

export function encodeCompaction(revision: number, physical: boolean): Uint8Array {
  const w = new BinaryWriter().tag(1, VARINT).int64(revision);
  if (physical) w.tag(2, VARINT).bool(true);
  return w.finish();
}

export function encodeWatchCreate(c: WatchCreateRequest): Uint8Array {
  const w = new BinaryWriter().tag(1, LEN).fork();
  w.tag(1, LEN).bytes(c.key);
  w.tag(2, LEN).bytes(c.rangeEnd);
  if (c.startRevision) w.tag(3, VARINT).int64(c.startRevision);
  if (c.progressNotify) w.tag(4, VARINT).bool(true);
  if (c.prevKv) w.tag(6, VARINT).bool(true);
  return w.join().finish();
}

export function encodeWatchCancel(watchId: number): Uint8Array {
  return new BinaryWriter().tag(2, LEN).fork().tag(1, VARINT).int64(watchId).join().finish();
}

export function encodeWatchProgress(): Uint8Array {
  return new BinaryWriter().tag(3, LEN).bytes(new Uint8Array(0)).finish();
}

export function encodeLeaseGrant(ttlSeconds: number): Uint8Array {
  return new BinaryWriter().tag(1, VARINT).int64(ttlSeconds).finish();
}

/** LeaseRevokeRequest and LeaseTimeToLiveRequest alike: the ID in field 1. */
export function encodeLeaseId(id: bigint): Uint8Array {
  return new BinaryWriter().tag(1, VARINT).int64(id).finish();
}

export const emptyMessage = new Uint8Array(0);

/** Calls `field` for every field of the message in `bytes`; what it does not read is skipped. */
function eachField(bytes: Uint8Array, field: (no: number, r: BinaryReader, type: WireType) => boolean): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, type] = r.tag();
    if (!field(no, r, type)) r.skip(type, no);
  }
}

function decodeHeaderRevision(bytes: Uint8Array): number {
  let revision = 0;
  eachField(bytes, (no, r) => {
    if (no !== 3) return false;
    revision = toNumber(r.int64());
    return true;
  });
  return revision;
}

function decodeHeader(bytes: Uint8Array): { revision: number; memberId: bigint } {
  let revision = 0;
  let memberId = 0n;
  eachField(bytes, (no, r) => {
    if (no === 2) memberId = toBigInt(r.uint64());
    else if (no === 3) revision = toNumber(r.int64());
    else return false;
    return true;
  });
  return { revision, memberId };
}

export function decodeKeyValue(bytes: Uint8Array): EtcdKeyValue {
  let key = Buffer.alloc(0);
  let value = Buffer.alloc(0);
  let createRevision = 0;
  let modRevision = 0;
  let version = 0;
  let lease = 0n;
  eachField(bytes, (no, r) => {
    switch (no) {
      case 1:
        key = Buffer.from(r.bytes());
        return true;
      case 2:
        createRevision = toNumber(r.int64());
        return true;
      case 3:
        modRevision = toNumber(r.int64());
        return true;
      case 4:
        version = toNumber(r.int64());
        return true;
      case 5:
        value = Buffer.from(r.bytes());
        return true;
      case 6:
        lease = toBigInt(r.int64());
        return true;
      default:
        return false;
    }
  });
  return { key, createRevision, modRevision, version, value, lease };
}

function decodeEvent(bytes: Uint8Array): EtcdEvent {
  let type: 'put' | 'delete' = 'put';
  let kv: EtcdKeyValue | undefined;
  let prevKv: EtcdKeyValue | undefined;
  eachField(bytes, (no, r) => {
    if (no === 1) type = r.int32() === 1 ? 'delete' : 'put';
    else if (no === 2) kv = decodeKeyValue(r.bytes());
    else if (no === 3) prevKv = decodeKeyValue(r.bytes());
    else return false;
    return true;
  });
  if (!kv) throw new Error('etcd sent a watch event without a key-value');
  return prevKv ? { type, kv, prevKv } : { type, kv };
}

export function decodeRange(bytes: Uint8Array): RangeResponse {
  let revision = 0;
  const kvs: EtcdKeyValue[] = [];
  let more = false;
  let count = 0;
  eachField(bytes, (no, r) => {
    if (no === 1) revision = decodeHeaderRevision(r.bytes());
    else if (no === 2) kvs.push(decodeKeyValue(r.bytes()));
    else if (no === 3) more = r.bool();
    else if (no === 4) count = toNumber(r.int64());
    else return false;
    return true;
  });
  return { revision, kvs, more, count };
}

/** Any response whose header is field 1 and whose revision is all the caller needs. */
export function decodeRevisionOnly(bytes: Uint8Array): number {
  let revision = 0;
  eachField(bytes, (no, r) => {
    if (no !== 1) return false;
    revision = decodeHeaderRevision(r.bytes());
    return true;
  });
  return revision;
}

/** PutResponse { prev_kv = 2 } and DeleteRangeResponse { prev_kvs = 3 } into one shape. */
function decodeResponseOp(bytes: Uint8Array): ResponseOp {
  const kvs: EtcdKeyValue[] = [];
  const prevKvs: EtcdKeyValue[] = [];
  eachField(bytes, (no, r) => {
    if (no !== 1 && no !== 2 && no !== 3) return false;
    const body = r.bytes();
    eachField(body, (field, inner) => {
      if (no === 1 && field === 2) kvs.push(decodeKeyValue(inner.bytes()));
      else if (no === 2 && field === 2) prevKvs.push(decodeKeyValue(inner.bytes()));
      else if (no === 3 && field === 3) prevKvs.push(decodeKeyValue(inner.bytes()));
      else return false;
      return true;
    });
    return true;
  });
  return { kvs, prevKvs };
}

export function decodeTxn(bytes: Uint8Array): TxnResponse {
  let revision = 0;
  let succeeded = false;
  const responses: ResponseOp[] = [];
  eachField(bytes, (no, r) => {
    if (no === 1) revision = decodeHeaderRevision(r.bytes());
    else if (no === 2) succeeded = r.bool();
    else if (no === 3) responses.push(decodeResponseOp(r.bytes()));
    else return false;
    return true;
  });
  return { revision, succeeded, responses };
}

export function decodeWatch(bytes: Uint8Array): WatchResponse {
  let revision = 0;
  let watchId = 0;
  let created = false;
  let canceled = false;
  let compactRevision = 0;
  let cancelReason = '';
  const events: EtcdEvent[] = [];
  eachField(bytes, (no, r) => {
    switch (no) {
      case 1:
        revision = decodeHeaderRevision(r.bytes());
        return true;
      case 2:
        watchId = toNumber(r.int64());
        return true;
      case 3:
        created = r.bool();
        return true;
      case 4:
        canceled = r.bool();
        return true;
      case 5:
        compactRevision = toNumber(r.int64());
        return true;
      case 6:
        cancelReason = r.string();
        return true;
      case 11:
        events.push(decodeEvent(r.bytes()));
        return true;
      default:
        return false;
    }
  });
  return { revision, watchId, created, canceled, compactRevision, cancelReason, events };
}

export function decodeLeaseGrant(bytes: Uint8Array): LeaseGrantResponse {
  let id = 0n;
  let ttlSeconds = 0;
  let error = '';
  eachField(bytes, (no, r) => {
    if (no === 2) id = toBigInt(r.int64());
    else if (no === 3) ttlSeconds = toNumber(r.int64());
    else if (no === 4) error = r.string();
    else return false;
    return true;
  });
  if (error) throw new Error(`etcd refused a lease: ${error}`);
  return { id, ttlSeconds };
}

export function decodeLeaseTimeToLive(bytes: Uint8Array): LeaseTimeToLiveResponse {
  let ttlSeconds = -1;
  eachField(bytes, (no, r) => {
    if (no !== 3) return false;
    ttlSeconds = toNumber(r.int64());
    return true;
  });
  return { ttlSeconds };
}

export function decodeStatus(bytes: Uint8Array): StatusResponse {
  let header = { revision: 0, memberId: 0n };
  let version = '';
  let dbSize = 0;
  let leader = 0n;
  eachField(bytes, (no, r) => {
    if (no === 1) header = decodeHeader(r.bytes());
    else if (no === 2) version = r.string();
    else if (no === 3) dbSize = toNumber(r.int64());
    else if (no === 4) leader = toBigInt(r.uint64());
    else return false;
    return true;
  });
  return { revision: header.revision, version, dbSize, leader, memberId: header.memberId };
}
