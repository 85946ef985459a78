/**
 * Just enough of the Protobuf wire format to find and rewrite one field of an encoded
 * message without decoding it: the metadata of a stored value, a field inside it, the
 * managed fields of the objects of a watch message. Used where a whole decode or encode
 * would cost more than a scan.
 *
 * Every function answers undefined for bytes it cannot follow (a field that runs past
 * its end, a group, a varint too long), and the caller then takes the slow path.
 */

export const LENGTH_DELIMITED = 2;

export interface Field {
  readonly tag: number;
  /** Where a length-delimited field's length starts (for others: its payload). */
  readonly lengthAt: number;
  /** Where its payload starts and the field ends. */
  readonly start: number;
  readonly end: number;
}

/** The one field of tag `tag` in [from, to); undefined if none, several, or unreadable. */
export function onlyField(buf: Uint8Array, from: number, to: number, tag: number): Field | undefined {
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

/** The field starting at `at`; undefined when it runs past `to` or is a group (no message here uses one). */
export function fieldAt(buf: Uint8Array, at: number, to: number): Field | undefined {
  const tag = readVarint(buf, at, to);
  if (tag === undefined) return undefined;
  const after = tag.next;
  switch (tag.value & 7) {
    case 0: {
      const end = skipVarint(buf, after, to);
      return end === undefined ? undefined : { tag: tag.value, lengthAt: after, start: after, end };
    }
    case 1:
      return after + 8 <= to ? { tag: tag.value, lengthAt: after, start: after, end: after + 8 } : undefined;
    case 5:
      return after + 4 <= to ? { tag: tag.value, lengthAt: after, start: after, end: after + 4 } : undefined;
    case LENGTH_DELIMITED: {
      const length = readVarint(buf, after, to);
      if (length === undefined || length.next + length.value > to) return undefined;
      return { tag: tag.value, lengthAt: after, start: length.next, end: length.next + length.value };
    }
    default:
      return undefined;
  }
}

/** A varint of at most 32 significant bits (a tag or a length) at `at`, and where it ends. */
export function readVarint(
  buf: Uint8Array,
  at: number,
  to: number,
): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 10 && at + i < to; i++) {
    const b = buf[at + i] as number;
    if (i < 5) value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return value <= 0xffffffff ? { value, next: at + i + 1 } : undefined;
  }
  return undefined;
}

/** Where the varint (of up to 64 bits) at `at` ends, or undefined. */
function skipVarint(buf: Uint8Array, at: number, to: number): number | undefined {
  for (let i = 0; i < 10 && at + i < to; i++) if (((buf[at + i] as number) & 0x80) === 0) return at + i + 1;
  return undefined;
}

export function varintSize(n: number): number {
  let size = 1;
  for (; n >= 0x80; n = Math.floor(n / 128)) size++;
  return size;
}

/** Writes `n` as a varint at `at`; returns where it ends. */
export function writeVarint(buf: Uint8Array, at: number, n: number): number {
  let o = at;
  for (; n >= 0x80; n = Math.floor(n / 128)) buf[o++] = (n & 0x7f) | 0x80;
  buf[o++] = n;
  return o;
}
