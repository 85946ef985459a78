/**
 * WatchResponse straight from the backend's batch to its wire bytes, in one buffer of
 * exactly its size. The generated encoder takes the wire's int64-as-string form: every
 * revision would go number → string → BigInt → varint, each event's value would be
 * copied into a writer that starts small and grows by doubling, and the objects of the
 * string form are garbage right after. A watch event carries two key-values (the change
 * and the previous one), so this is the store's largest encode per write.
 *
 * The bytes are those the generated encoder writes (fields in number order, proto3
 * defaults left out); watch-encoding.test.ts holds the two side by side.
 */
import { EventType } from '../../sdk/gen/wheelhouse/store/v1/store.js';
import type { Event, KeyValue, WatchBatch } from '../types.js';

/** Bytes of `n` (a non-negative safe integer) as a varint. */
function varintBytes(n: number): number {
  let bytes = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    bytes++;
  }
  return bytes;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** Varint field `field` holding `n`, left out when 0 (proto3's default). */
function writeInt(buf: Buffer, pos: number, field: number, n: number): number {
  if (n === 0) return pos;
  buf[pos] = field << 3;
  return writeVarint(buf, pos + 1, n);
}

/** Whether every integer of `kv` is one this encoder writes (non-negative and safe). */
const plain = (n: number) => Number.isSafeInteger(n) && n >= 0;

function kvBytes(kv: KeyValue, keyBytes: number): number {
  let bytes = 0;
  if (keyBytes > 0) bytes += 1 + varintBytes(keyBytes) + keyBytes;
  if (kv.value.length > 0) bytes += 1 + varintBytes(kv.value.length) + kv.value.length;
  if (kv.createRevision !== 0) bytes += 1 + varintBytes(kv.createRevision);
  if (kv.modRevision !== 0) bytes += 1 + varintBytes(kv.modRevision);
  if (kv.version !== 0) bytes += 1 + varintBytes(kv.version);
  if (kv.expiresAtMs !== 0) bytes += 1 + varintBytes(kv.expiresAtMs);
  return bytes;
}

function writeKv(buf: Buffer, pos: number, kv: KeyValue, keyBytes: number): number {
  if (keyBytes > 0) {
    buf[pos++] = (1 << 3) | 2;
    pos = writeVarint(buf, pos, keyBytes);
    pos += buf.write(kv.key, pos, keyBytes, 'utf8');
  }
  if (kv.value.length > 0) {
    buf[pos++] = (2 << 3) | 2;
    pos = writeVarint(buf, pos, kv.value.length);
    pos += kv.value.copy(buf, pos);
  }
  pos = writeInt(buf, pos, 3, kv.createRevision);
  pos = writeInt(buf, pos, 4, kv.modRevision);
  pos = writeInt(buf, pos, 5, kv.version);
  return writeInt(buf, pos, 6, kv.expiresAtMs);
}

interface Sizes {
  readonly keyBytes: number;
  readonly kv: number;
  readonly prevKeyBytes: number;
  readonly prevKv: number;
  readonly event: number;
}

function eventSizes(event: Event): Sizes | undefined {
  const { kv, prevKv } = event;
  if (!plain(kv.createRevision) || !plain(kv.modRevision) || !plain(kv.version) || !plain(kv.expiresAtMs))
    return undefined;
  const keyBytes = Buffer.byteLength(kv.key);
  const kvLength = kvBytes(kv, keyBytes);
  // type (always set: PUT or DELETE) and kv (always present, even when empty)
  let bytes = 2 + 1 + varintBytes(kvLength) + kvLength;
  let prevKeyBytes = 0;
  let prevLength = 0;
  if (prevKv) {
    const { createRevision, modRevision, version, expiresAtMs } = prevKv;
    if (!plain(createRevision) || !plain(modRevision) || !plain(version) || !plain(expiresAtMs))
      return undefined;
    prevKeyBytes = prevKv.key === kv.key ? keyBytes : Buffer.byteLength(prevKv.key);
    prevLength = kvBytes(prevKv, prevKeyBytes);
    bytes += 1 + varintBytes(prevLength) + prevLength;
  }
  return { keyBytes, kv: kvLength, prevKeyBytes, prevKv: prevLength, event: bytes };
}

/**
 * The WatchResponse of `batch` as wire bytes, or undefined when a number in it is not a
 * non-negative safe integer (the caller then takes the generated encoder).
 */
export function encodeWatchBatch(batch: WatchBatch): Buffer | undefined {
  if (!plain(batch.revision)) return undefined;
  const sizes: Sizes[] = [];
  let total = batch.revision !== 0 ? 1 + varintBytes(batch.revision) : 0;
  for (const event of batch.events) {
    const s = eventSizes(event);
    if (!s) return undefined;
    sizes.push(s);
    total += 1 + varintBytes(s.event) + s.event;
  }
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < batch.events.length; i++) {
    const event = batch.events[i]!;
    const s = sizes[i]!;
    buf[pos++] = (1 << 3) | 2;
    pos = writeVarint(buf, pos, s.event);
    buf[pos++] = 1 << 3;
    buf[pos++] = event.type === 'put' ? EventType.EVENT_TYPE_PUT : EventType.EVENT_TYPE_DELETE;
    buf[pos++] = (2 << 3) | 2;
    pos = writeVarint(buf, pos, s.kv);
    pos = writeKv(buf, pos, event.kv, s.keyBytes);
    if (event.prevKv) {
      buf[pos++] = (3 << 3) | 2;
      pos = writeVarint(buf, pos, s.prevKv);
      pos = writeKv(buf, pos, event.prevKv, s.prevKeyBytes);
    }
  }
  pos = writeInt(buf, pos, 2, batch.revision);
  if (pos !== total) throw new Error(`watch response encoded to ${pos} bytes, sized ${total}`);
  return buf;
}
