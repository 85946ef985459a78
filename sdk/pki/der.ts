/**
 * The little DER (ASN.1 Distinguished Encoding Rules) that X.509 certificates need: an encoder for
 * the handful of types a certificate is built from and a reader that walks tag-length-value
 * elements. Node's crypto signs, verifies and parses certificates but cannot build one; this fills
 * that gap without a dependency. Only definite lengths and single-byte tags are supported, which is
 * all X.509 uses.
 */

/** Universal tags used by X.509. */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element: tag, length, contents. */
export function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(Tag.sequence, ...items);

/** A SET OF; DER requires its elements sorted by their encodings. */
export const setOf = (...items: Buffer[]): Buffer => tlv(Tag.set, ...[...items].sort(Buffer.compare));

export const boolean = (value: boolean): Buffer => tlv(Tag.boolean, Buffer.from([value ? 0xff : 0x00]));

export const octetString = (bytes: Buffer): Buffer => tlv(Tag.octetString, bytes);

export const utf8String = (text: string): Buffer => tlv(Tag.utf8String, Buffer.from(text, 'utf8'));

/** A BIT STRING whose bits fill whole bytes (keys, signatures). */
export const bitString = (bytes: Buffer): Buffer => tlv(Tag.bitString, Buffer.from([0]), bytes);

/**
 * A BIT STRING of named bits (KeyUsage): bit 0 is the most significant bit of the first byte, and
 * DER drops trailing zero bits.
 */
export function namedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const unused = 7 - (highest & 7);
  return tlv(Tag.bitString, Buffer.from([unused]), bytes);
}

/** A non-negative INTEGER from its big-endian magnitude. */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  // A set top bit would read as negative: DER prefixes a zero byte.
  const body = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return tlv(Tag.integer, body.length > 0 ? body : Buffer.from([0]));
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Buffer.from([value]));

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [first * 40 + second];
  for (const arc of rest) {
    const groups: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift(0x80 | (n & 0x7f));
    bytes.push(...groups);
  }
  return tlv(Tag.oid, Buffer.from(bytes));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, always in seconds and UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2025-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year < 2050) return tlv(Tag.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(Tag.generalizedTime, Buffer.from(`${digits}Z`, 'ascii'));
}

/** A context-specific tag: [n] EXPLICIT wraps an element, [n] IMPLICIT replaces a primitive's tag. */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);
export const implicitPrimitive = (n: number, contents: Buffer): Buffer => tlv(0x80 | n, contents);

/** One element found by the reader: its tag and where its contents lie in the buffer. */
export interface Element {
  readonly tag: number;
  /** The whole element, tag and length included. */
  readonly raw: Buffer;
  readonly contents: Buffer;
}

/** Reads the element at `offset`; throws on truncated or indefinite-length input. */
export function readElement(buf: Buffer, offset = 0): Element {
  const tag = buf[offset];
  let lengthByte = buf[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('DER: truncated element');
  let cursor = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: unsupported length encoding');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = buf[cursor++];
      if (lengthByte === undefined) throw new Error('DER: truncated length');
      length = length * 256 + lengthByte;
    }
  }
  const end = cursor + length;
  if (end > buf.length) throw new Error('DER: element runs past the end of its input');
  return { tag, raw: buf.subarray(offset, end), contents: buf.subarray(cursor, end) };
}

/** The elements directly inside a constructed element's contents. */
export function children(contents: Buffer): Element[] {
  const out: Element[] = [];
  for (let offset = 0; offset < contents.length; ) {
    const element = readElement(contents, offset);
    out.push(element);
    offset += element.raw.length;
  }
  return out;
}

export function decodeOid(contents: Buffer): string {
  const first = contents[0] ?? 0;
  const arcs = [Math.min(Math.floor(first / 40), 2), first - Math.min(Math.floor(first / 40), 2) * 40];
  let value = 0;
  for (const byte of contents.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

/** Reads a UTCTime or GeneralizedTime in the `...Z` form that RFC 5280 mandates. */
export function decodeTime(element: Element): Date {
  const text = element.contents.toString('ascii');
  const full = element.tag === Tag.utcTime ? `${Number(text.slice(0, 2)) >= 50 ? '19' : '20'}${text}` : text;
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(full);
  if (!match) throw new Error(`DER: unsupported time ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}
