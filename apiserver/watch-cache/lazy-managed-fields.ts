/**
 * Managed fields kept as their wire bytes on the objects the watch cache holds.
 *
 * A decoded ManagedFieldsEntry costs heap beyond its bytes: an object with its strings, a
 * Date, and a Buffer for its fieldsV1 text (a JS object over an allocation of its own).
 * Every Pod, Node and Lease carries two or three entries, the cache holds every current
 * object and 75 s of history, and nearly nothing reads them: the writes of the object's
 * own field manager and the encoding of responses.
 *
 * So the cache decodes an object without its managed fields, and its `metadata`
 * answers `managedFields` from the bytes: each read decodes a new array, equal to what
 * was stored. Objects of the cache are never mutated (see types.ts), so a fresh array
 * on every read is indistinguishable from a kept one except by identity. Assigning
 * `managedFields` turns it back into a plain property.
 */
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ManagedFieldsEntry, type ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { fieldAt, onlyField, varintSize, writeVarint } from '../../sdk/wire/fields.js';

/** ObjectMeta.managedFields: field 14, length-delimited. */
const MANAGED_FIELDS_TAG = (14 << 3) | 2;
/** Where an object's metadata keeps its managed fields' bytes (not enumerable: spreads and clones skip it). */
const RAW = Symbol('managedFieldsBytes');

/**
 * The entries' bytes as a one-byte string (each character one byte): inside V8's heap at
 * their length plus a small header, where a Uint8Array costs two JS objects and a
 * native allocation besides.
 */
type LazyMeta = ObjectMeta & { [RAW]?: string };

/**
 * One getter and setter for every object, so that all lazy metadata share one hidden
 * class instead of each getting a map of its own.
 */
const accessor: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: LazyMeta): ManagedFieldsEntry[] {
    const raw = this[RAW];
    return raw === undefined ? [] : decodeEntries(raw);
  },
  set(this: LazyMeta, value: ManagedFieldsEntry[]) {
    Object.defineProperty(this, 'managedFields', {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  },
};

/** `value` split into the object without its managed fields, and those fields' entries (tags included). */
export interface SplitValue {
  readonly rest: Uint8Array;
  /** The entries, as withLazyManagedFields takes them. */
  readonly managedFields: string;
}

/**
 * Cuts the managed fields out of an encoded object whose metadata is the field of tag
 * `metadataTag`. Undefined when it has none, or when its encoding is not one this scan
 * follows (then the caller decodes it whole, as before).
 */
export function splitManagedFields(value: Uint8Array, metadataTag: number): SplitValue | undefined {
  const meta = onlyField(value, 0, value.length, metadataTag);
  if (meta === undefined) return undefined;
  const entries: [number, number][] = [];
  let entriesBytes = 0;
  let at = meta.start;
  while (at < meta.end) {
    const field = fieldAt(value, at, meta.end);
    if (field === undefined) return undefined;
    if (field.tag === MANAGED_FIELDS_TAG) {
      entries.push([at, field.end]);
      entriesBytes += field.end - at;
    }
    at = field.end;
  }
  if (entries.length === 0) return undefined;
  const managedFields = Buffer.allocUnsafe(entriesBytes);
  const metaLength = meta.end - meta.start - entriesBytes;
  const lengthBytes = varintSize(metaLength);
  const rest = new Uint8Array(value.length - (meta.end - meta.lengthAt) + lengthBytes + metaLength);
  let out = 0;
  rest.set(value.subarray(0, meta.lengthAt), 0);
  out = writeVarint(rest, meta.lengthAt, metaLength);
  let mf = 0;
  let from = meta.start;
  for (const [start, end] of entries) {
    rest.set(value.subarray(from, start), out);
    out += start - from;
    managedFields.set(value.subarray(start, end), mf);
    mf += end - start;
    from = end;
  }
  rest.set(value.subarray(from, meta.end), out);
  out += meta.end - from;
  rest.set(value.subarray(meta.end), out);
  return { rest, managedFields: managedFields.toString('latin1') };
}

/**
 * A copy of `meta` (decoded without managed fields) whose `managedFields` reads the
 * entries in `raw`, as splitManagedFields cut them out. A copy rather than `meta`
 * itself: turning an existing data property into an accessor sends V8 to dictionary
 * properties, which cost more heap than the entries saved; adding the accessor to an
 * object that lacks the property keeps one shared hidden class.
 */
export function withLazyManagedFields(
  meta: ObjectMeta,
  raw: string,
  changes: Partial<ObjectMeta> = {},
): ObjectMeta {
  const out: Record<string | symbol, unknown> = {};
  for (const key of Object.keys(meta) as (keyof ObjectMeta)[]) {
    // Skipped, not read: on a lazy `meta` the getter would decode them.
    if (key !== 'managedFields') out[key] = key in changes ? changes[key] : meta[key];
  }
  Object.defineProperty(out, 'managedFields', accessor);
  Object.defineProperty(out, RAW, { value: raw });
  return out as unknown as ObjectMeta;
}

/** A shallow copy of `meta` with `changes`, its managed fields still bytes if they were. */
export function copyMetadata(meta: ObjectMeta, changes: Partial<ObjectMeta>): ObjectMeta {
  const raw = (meta as LazyMeta)[RAW];
  if (raw === undefined) return { ...meta, ...changes };
  return withLazyManagedFields(meta, raw, changes);
}

/** The bytes `meta` keeps its managed fields as; 0 when they are a plain property. */
export function managedFieldsBytes(meta: ObjectMeta | undefined): number {
  return (meta as LazyMeta | undefined)?.[RAW]?.length ?? 0;
}

function decodeEntries(raw: string): ManagedFieldsEntry[] {
  const reader = new BinaryReader(Buffer.from(raw, 'latin1'));
  const out: ManagedFieldsEntry[] = [];
  while (reader.pos < reader.len) {
    reader.uint32();
    out.push(ManagedFieldsEntry.decode(reader, reader.uint32()));
  }
  return out;
}
