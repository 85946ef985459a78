/**
 * An object's encoding with its resourceVersion, made from the bytes stored for it.
 *
 * The store keeps an object without metadata.resourceVersion (its mod revision stands
 * for it), so the value is the object's own encoding less that one field. Responses and
 * watch events carry the object with it: writing the field into the stored bytes costs
 * a copy, where encoding the object again costs a walk of every field (a Pod's managed
 * fields above all).
 *
 * The result equals what encoding the decoded object yields when the stored bytes are
 * that encoding themselves (what this process's encoders write): the field goes where
 * the encoder puts it, after the metadata's fields numbered below it.
 */
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject, MessageFns } from '../../sdk/kind-registry.js';

/** ObjectMeta.resource_version. */
const RESOURCE_VERSION_FIELD = 5;
const LENGTH_DELIMITED = 2;

const metadataTags = new WeakMap<object, number | undefined>();

/**
 * The tag a kind's message encodes its metadata with: that of an object with only a
 * name, when an empty object encodes to nothing (otherwise undefined: such a message is
 * not one whose fields can be found by scanning its bytes for the metadata alone).
 */
export function metadataTagOf<T extends KindObject>(message: MessageFns<T>): number | undefined {
  if (metadataTags.has(message)) return metadataTags.get(message);
  let tag: number | undefined;
  if (message.encode(message.create()).finish().length === 0) {
    const probe = message.create({ metadata: ObjectMeta.create({ name: 'x' }) } as never);
    const bytes = message.encode(probe).finish();
    if (bytes.length > 0) {
      const first = new BinaryReader(bytes).uint32();
      if ((first & 7) === LENGTH_DELIMITED) tag = first;
    }
  }
  metadataTags.set(message, tag);
  return tag;
}

/**
 * `stored` (an object encoded without its resourceVersion, its metadata the field of
 * tag `metadataTag`) with metadata.resourceVersion = `resourceVersion`. Undefined when
 * the bytes are not of that shape: no metadata or more than one, a resourceVersion
 * already there, a field that runs past its end. The caller then encodes the object.
 */
export function withResourceVersionBytes(
  stored: Uint8Array,
  metadataTag: number,
  resourceVersion: string,
): Buffer | undefined {
  const meta = onlyField(stored, 0, stored.length, metadataTag);
  if (meta === undefined) return undefined;
  // Where the field goes: before the metadata's first field numbered above it.
  let insertAt = meta.end;
  for (let at = meta.start; at < meta.end; ) {
    const field = fieldAt(stored, at, meta.end);
    if (field === undefined) return undefined;
    const number = field.tag >>> 3;
    if (number === RESOURCE_VERSION_FIELD) return undefined;
    if (number > RESOURCE_VERSION_FIELD && insertAt === meta.end) insertAt = at;
    at = field.end;
  }
  if (resourceVersion === '') return Buffer.from(stored.buffer, stored.byteOffset, stored.length);
  const value = Buffer.from(resourceVersion, 'utf8');
  const added = 1 + varintSize(value.length) + value.length;
  const metaLength = meta.end - meta.start + added;
  const out = Buffer.allocUnsafe(
    stored.length - (meta.start - meta.lengthAt) + varintSize(metaLength) + added,
  );
  out.set(stored.subarray(0, meta.lengthAt), 0);
  let o = writeVarint(out, meta.lengthAt, metaLength);
  out.set(stored.subarray(meta.start, insertAt), o);
  o += insertAt - meta.start;
  out[o++] = (RESOURCE_VERSION_FIELD << 3) | LENGTH_DELIMITED;
  o = writeVarint(out, o, value.length);
  out.set(value, o);
  o += value.length;
  out.set(stored.subarray(insertAt), o);
  return out;
}

/**
 * `bytes` as field 1 of a message: a `Create<Kind>Response`, `Update<Kind>Response`,
 * … whose only field is the object.
 */
export function asFirstField(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + varintSize(bytes.length) + bytes.length);
  out[0] = (1 << 3) | LENGTH_DELIMITED;
  out.set(bytes, writeVarint(out, 1, bytes.length));
  return out;
}

interface Field {
  readonly tag: number;
  /** Where a length-delimited field's length starts (for others: its payload). */
  readonly lengthAt: number;
  readonly start: number;
  readonly end: number;
}

/** The one length-delimited field of tag `tag` in [from, to); undefined if none, several, or unreadable. */
function onlyField(buf: Uint8Array, from: number, to: number, tag: number): Field | undefined {
  let found: Field | undefined;
  for (let at = from; at < to; ) {
    const field = fieldAt(buf, at, to);
    if (field === undefined) return undefined;
    if (field.tag === tag) {
      if (found !== undefined) return undefined;
      found = field;
    }
    at = field.end;
  }
  return found;
}

/** The field starting at `at`; undefined when it runs past `to` or is a group. */
function fieldAt(buf: Uint8Array, at: number, to: number): Field | undefined {
  const tag = varintAt(buf, at, to);
  if (tag === undefined) return undefined;
  const after = tag.next;
  switch (tag.value & 7) {
    case 0: {
      for (let i = after; i < to && i < after + 10; i++) {
        if ((buf[i]! & 0x80) === 0) return { tag: tag.value, lengthAt: after, start: after, end: i + 1 };
      }
      return undefined;
    }
    case 1:
      return after + 8 <= to ? { tag: tag.value, lengthAt: after, start: after, end: after + 8 } : undefined;
    case 5:
      return after + 4 <= to ? { tag: tag.value, lengthAt: after, start: after, end: after + 4 } : undefined;
    case LENGTH_DELIMITED: {
      const length = varintAt(buf, after, to);
      if (length === undefined || length.next + length.value > to) return undefined;
      return { tag: tag.value, lengthAt: after, start: length.next, end: length.next + length.value };
    }
    default:
      return undefined;
  }
}

/** A varint of at most 32 bits (a tag or a length) at `at`, and where it ends. */
function varintAt(buf: Uint8Array, at: number, to: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 5 && at + i < to; i++) {
    const b = buf[at + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return value <= 0xffffffff ? { value, next: at + i + 1 } : undefined;
  }
  return undefined;
}

function varintSize(n: number): number {
  let size = 1;
  for (; n >= 0x80; n = Math.floor(n / 128)) size++;
  return size;
}

/** Writes `n` as a varint at `at`; returns where it ends. */
function writeVarint(buf: Uint8Array, at: number, n: number): number {
  let o = at;
  for (; n >= 0x80; n = Math.floor(n / 128)) buf[o++] = (n & 0x7f) | 0x80;
  buf[o++] = n;
  return o;
}
