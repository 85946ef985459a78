/**
 * One field left out of every message at the end of a path of nested messages, on the
 * wire, with the lengths around it rewritten and every other byte copied as it came: a
 * watch message's objects without their `metadata.managed_fields`, before it is decoded.
 *
 * A path is a list of keys (field number and wire type, as they appear on the wire), each
 * naming a length-delimited field of the message above; a repeated one is followed into
 * each occurrence. Bytes that cannot be followed (a field running past its end, a group,
 * a varint too long) are returned as they came, for a plain decode to deal with.
 */
import { LENGTH_DELIMITED, varintSize, writeVarint } from './fields.js';

/**
 * `buf` without field `drop` of the messages at `path`; `buf` itself (not a copy) when it
 * has no such field or cannot be followed.
 */
export function dropNestedField(buf: Uint8Array, path: readonly number[], drop: number): Uint8Array {
  const walk: Walk = { buf, path, drop, sizes: [] };
  const size = sizeOf(walk, 0, buf.length, 0);
  if (size < 0 || size === buf.length) return buf;
  const out = new Uint8Array(size);
  const cursor = { size: 0 };
  const end = write(walk, 0, buf.length, 0, out, 0, cursor);
  // The two passes walk the same fields; anything else is a bug here, not in the input.
  if (end !== size) throw new Error(`dropNestedField wrote ${end} bytes of ${size}`);
  return out;
}

interface Walk {
  readonly buf: Uint8Array;
  readonly path: readonly number[];
  readonly drop: number;
  /** The new size of every message on the path, in the order both passes meet them. */
  readonly sizes: number[];
}

// The field last read by nextField: module state rather than an object per field, as this
// runs for every field on the path of every message of a watch. Callers copy it to locals
// before reading another field.
let fieldTag = 0;
let fieldLengthAt = 0;
let fieldStart = 0;

/** Reads the field at `at`; returns where it ends, or -1 when it runs past `to` or is a group. */
function nextField(buf: Uint8Array, at: number, to: number): number {
  let p = at;
  let tag = 0;
  for (let shift = 1; ; shift *= 128) {
    if (p >= to || shift > 2 ** 28) return -1;
    const b = buf[p++] as number;
    tag += (b & 0x7f) * shift;
    if (b < 0x80) break;
  }
  fieldTag = tag;
  fieldLengthAt = p;
  switch (tag & 7) {
    case 0:
      for (let i = 0; i < 10; i++) {
        if (p >= to) return -1;
        if ((buf[p++] as number) < 0x80) {
          fieldStart = fieldLengthAt;
          return p;
        }
      }
      return -1;
    case 1:
      fieldStart = p;
      return p + 8 <= to ? p + 8 : -1;
    case 5:
      fieldStart = p;
      return p + 4 <= to ? p + 4 : -1;
    case LENGTH_DELIMITED: {
      let length = 0;
      for (let shift = 1; ; shift *= 128) {
        if (p >= to || shift > 2 ** 28) return -1;
        const b = buf[p++] as number;
        length += (b & 0x7f) * shift;
        if (b < 0x80) break;
      }
      fieldStart = p;
      return p + length <= to ? p + length : -1;
    }
    default:
      return -1;
  }
}

/** The size of [from, to) at `depth` once rewritten, or -1; records the sizes of the messages under it. */
function sizeOf(walk: Walk, from: number, to: number, depth: number): number {
  const { buf, path, drop, sizes } = walk;
  const last = depth === path.length;
  const follow = last ? -1 : (path[depth] as number);
  let size = 0;
  for (let at = from; at < to; ) {
    const end = nextField(buf, at, to);
    if (end < 0) return -1;
    if (last) {
      if (fieldTag !== drop) size += end - at;
    } else if (fieldTag === follow) {
      const lengthAt = fieldLengthAt;
      const slot = sizes.length;
      sizes.push(0);
      const inner = sizeOf(walk, fieldStart, end, depth + 1);
      if (inner < 0) return -1;
      sizes[slot] = inner;
      size += lengthAt - at + varintSize(inner) + inner;
    } else {
      size += end - at;
    }
    at = end;
  }
  return size;
}

/** Writes [from, to) at `depth` rewritten into `out` at `o`; returns where it ends. */
function write(
  walk: Walk,
  from: number,
  to: number,
  depth: number,
  out: Uint8Array,
  o: number,
  cursor: { size: number },
): number {
  const { buf, path, drop, sizes } = walk;
  const last = depth === path.length;
  const follow = last ? -1 : (path[depth] as number);
  // Runs of fields copied as they are go out in one set() each.
  let copyFrom = from;
  let at = from;
  while (at < to) {
    // sizeOf read these very bytes: every field is readable.
    const end = nextField(buf, at, to);
    const dropped = last && fieldTag === drop;
    const nested = !last && fieldTag === follow;
    if (dropped || nested) {
      o = copy(buf, copyFrom, at, out, o);
      copyFrom = end;
    }
    if (nested) {
      const lengthAt = fieldLengthAt;
      const start = fieldStart;
      const inner = sizes[cursor.size++] as number;
      o = writeVarint(out, copy(buf, at, lengthAt, out, o), inner);
      o = write(walk, start, end, depth + 1, out, o, cursor);
    }
    at = end;
  }
  return copy(buf, copyFrom, to, out, o);
}

/** Copies buf[from, to) to `out` at `o`; returns where it ends. Short runs by hand: a subarray costs more. */
function copy(buf: Uint8Array, from: number, to: number, out: Uint8Array, o: number): number {
  if (to - from > 64) {
    out.set(buf.subarray(from, to), o);
    return o + (to - from);
  }
  let p = o;
  for (let i = from; i < to; i++) out[p++] = buf[i] as number;
  return p;
}
