/**
 * What the watch cache's events cost in memory, and the flags that bound it.
 *
 * The cost is an estimate from the encoded size of an event's objects (the stored value
 * bytes the store sent), not a measurement of the heap: the cache cannot weigh a decoded
 * object, and a heap snapshot per event would cost more than the event. The estimate
 * was fitted to ts-proto's decoders on Node 20 (heap growth after a full collection,
 * thousands of copies):
 *
 * | object | encoded | decoded |
 * |---|---|---|
 * | Pod, one container | 180 B | 2.5 KiB |
 * | Pod, two containers, status | 812 B | 6.3 KiB |
 * | ConfigMap, 4 keys | 1.1 KiB | 1.7 KiB |
 * | ConfigMap, 64 KiB of data | 64 KiB | 64.6 KiB |
 * | ConfigMap, 256 KiB of data (1 or 64 keys, or binaryData) | 256 KiB | 257–261 KiB |
 *
 * Nested messages, maps and short strings cost about six bytes of heap per encoded
 * byte plus a fixed kilobyte; long strings and byte fields cost what they weigh (less
 * for multi-byte UTF-8, which V8 holds in two bytes a character). So a decoded object
 * is counted as 1 KiB, plus 6 bytes for each of its first 2 KiB, plus 1 for every byte
 * after: 15% and 6% low for the Pods above, 16% and 4% high for the large ConfigMaps,
 * and 4.5× high for the small one (small objects that are mostly data). Large objects,
 * the ones that make a byte bound matter, are counted within a few percent. The
 * cache's objects keep their managed fields as bytes (lazy-managed-fields.ts): those
 * bytes count once, the rest of the object as above.
 *
 * The history does not keep every object decoded (stored-event.ts): once an event has
 * been handed out, the previous object of a modification, and the object of an event
 * whose key has been written again since, are kept as their stored value, a one-byte
 * string (16 bytes and one a byte), counted by the newest event that holds it; such an
 * event counts PACKED_EVENT_BYTES besides. An event whose object is still its key's
 * current one is counted whole, though the index holds that object too: that is where
 * the estimate of a history is high. Measured, heap held by a history of 9,000 events,
 * 3,000 objects written three times each (create, then two modifications), after a full
 * collection:
 *
 * | objects | encoded | decoded history | as bytes |
 * |---|---|---|---|
 * | Pods, two managed fields entries | 395 B | 1,959 B an event (estimated 4,016) | 343 B (estimated 1,326) |
 * | ReplicaSets, four containers | 2.2 KiB | 4,372 B an event (estimated 25,401: 2,641 events fit 64 MiB) | 1,767 B (estimated 7,179) |
 */
import { parseQuantity } from '../../sdk/quantity.js';

/** History bytes a resource's cache keeps by default (`--watch-cache-max-bytes`). */
export const DEFAULT_WATCH_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Bytes of events a watcher may leave unread by default (`--watch-max-pending-bytes`). */
export const DEFAULT_WATCH_MAX_PENDING_BYTES = 16 * 1024 * 1024;

const OBJECT_BYTES = 1024;
const STRUCTURE_BYTES = 2048;
const STRUCTURE_FACTOR = 6;

/**
 * Estimated heap of an object decoded from `encoded` bytes (see the table above), of
 * which `asBytes` are kept as bytes rather than decoded (its managed fields: see
 * lazy-managed-fields.ts), costing what they weigh.
 */
export function decodedBytes(encoded: number, asBytes = 0): number {
  const decoded = encoded - asBytes;
  const structure = Math.min(decoded, STRUCTURE_BYTES);
  return OBJECT_BYTES + STRUCTURE_FACTOR * structure + (decoded - structure) + asBytes;
}

/**
 * What one event handed to watchers keeps alive: its decoded object, and the object's
 * encoding as a watch response entry, which the watch service caches on the event once
 * it has sent it (about as long as the stored value).
 */
export function eventBytes(encoded: number, asBytes = 0): number {
  return decodedBytes(encoded, asBytes) + encoded;
}

/**
 * A history event that keeps its object as bytes (stored-event.ts), beside those
 * bytes: the event itself (~120 bytes measured), its key (a string of its own when
 * the store's client decoded it) and the ring's slot.
 */
export const PACKED_EVENT_BYTES = 192;

/** A one-byte string of `length` characters in V8's heap: a 16-byte header, then a byte each. */
export function stringBytes(length: number): number {
  return 16 + length;
}

/** A byte size: a number of bytes or a quantity such as 512Ki, 64Mi, 1Gi or 100M. */
export function parseByteSize(text: string, what: string): number {
  let bytes: bigint;
  try {
    bytes = parseQuantity(text.trim()).value();
  } catch {
    throw new Error(`invalid ${what} "${text}": use a number of bytes or e.g. 512Ki, 64Mi, 1Gi`);
  }
  if (bytes < 0n || bytes > BigInt(Number.MAX_SAFE_INTEGER))
    throw new Error(`invalid ${what} "${text}": out of range`);
  return Number(bytes);
}

/** `--watch-cache-max-bytes`: a default for every resource, and overrides by resource. */
export interface WatchCacheMaxBytes {
  /** 0 = no byte bound (the event count still applies). */
  readonly defaultBytes: number;
  readonly byResource: ReadonlyMap<string, number>;
}

/**
 * `SIZE[,resource#SIZE...]`: an entry without a resource sets the default, the others
 * override it for their resource (`64Mi,configmaps#16Mi,secrets#16Mi`). 0 turns the byte
 * bound off. Entries without a default keep DEFAULT_WATCH_CACHE_MAX_BYTES.
 */
export function parseWatchCacheMaxBytes(text: string): WatchCacheMaxBytes {
  let defaultBytes = DEFAULT_WATCH_CACHE_MAX_BYTES;
  const byResource = new Map<string, number>();
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const hash = part.indexOf('#');
    if (hash < 0) {
      defaultBytes = parseByteSize(part, '--watch-cache-max-bytes size');
      continue;
    }
    const resource = part.slice(0, hash).trim();
    if (resource === '')
      throw new Error(`invalid --watch-cache-max-bytes entry "${part}": use resource#size`);
    byResource.set(resource, parseByteSize(part.slice(hash + 1), '--watch-cache-max-bytes size'));
  }
  return { defaultBytes, byResource };
}
