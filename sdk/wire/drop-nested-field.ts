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
import { fieldAt, varintSize, writeVarint } from './fields.js';

/**
 * `buf` without field `drop` of the messages at `path`; `buf` itself (not a copy) when it
 * has no such field or cannot be followed.
 */
export function dropNestedField(buf: Uint8Array, path: readonly number[], drop: number): Uint8Array {
  const walk: Walk = { buf, path, drop, sizes: [] };
  const size = sizeOf(walk, 0, buf.length, 0);
  if (size === undefined || size === buf.length) return buf;
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

/** The size of [from, to) at `depth` once rewritten; records the sizes of the messages under it. */
function sizeOf(walk: Walk, from: number, to: number, depth: number): number | undefined {
  const { buf, path, drop, sizes } = walk;
  let size = 0;
  for (let at = from; at < to; ) {
    const field = fieldAt(buf, at, to);
    if (field === undefined) return undefined;
    if (depth === path.length) {
      if (field.tag !== drop) size += field.end - at;
    } else if (field.tag === path[depth]) {
      const slot = sizes.length;
      sizes.push(0);
      const inner = sizeOf(walk, field.start, field.end, depth + 1);
      if (inner === undefined) return undefined;
      sizes[slot] = inner;
      size += field.lengthAt - at + varintSize(inner) + inner;
    } else {
      size += field.end - at;
    }
    at = field.end;
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
  // Runs of fields copied as they are go out in one set() each.
  let copyFrom = from;
  let at = from;
  while (at < to) {
    // sizeOf read these very bytes: every field is readable.
    const field = fieldAt(buf, at, to) as NonNullable<ReturnType<typeof fieldAt>>;
    const dropped = depth === path.length && field.tag === drop;
    const nested = depth < path.length && field.tag === path[depth];
    if (dropped || nested) {
      out.set(buf.subarray(copyFrom, at), o);
      o += at - copyFrom;
      copyFrom = field.end;
    }
    if (nested) {
      const inner = sizes[cursor.size++] as number;
      out.set(buf.subarray(at, field.lengthAt), o);
      o = writeVarint(out, o + field.lengthAt - at, inner);
      o = write(walk, field.start, field.end, depth + 1, out, o, cursor);
    }
    at = field.end;
  }
  out.set(buf.subarray(copyFrom, to), o);
  return o + (to - copyFrom);
}
