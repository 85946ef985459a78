/**
 * Encodes a message into a Buffer through one writer kept between calls.
 *
 * A generated `X.encode(message)` starts from an empty writer, which grows by doubling
 * (128, 256, … bytes) and copies its contents at every step; `finish()` then copies the
 * bytes out, and `Buffer.from` of that copies them once more. Here the writer is reused,
 * so after the first few messages its buffer is already big enough, and the bytes that
 * `finish()` copies out are wrapped as a Buffer as they are: one copy per encode.
 *
 * Reuse is safe because an encode is synchronous and JavaScript runs one call at a time:
 * no other encode can use the writer while one is under way, and nested messages are
 * written into the same writer through fork/join, never through this function. Should an
 * encode call it all the same, that inner call finds no spare writer and makes its own.
 *
 * Invariants:
 * - the Buffer returned owns its bytes (a fresh ArrayBuffer from `finish()`): no later
 *   encode writes over them, and they pin nothing else;
 * - a writer is kept only after an encode that completed: one that threw may have left
 *   forks open and bytes written, so it is dropped, and the next call starts afresh;
 * - a writer is kept only while its buffer is at most KEPT_CAPACITY: a rare big message
 *   (a long list response) does not hold its megabytes for the life of the process.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';

/** What a generated message type offers for encoding. */
export interface Encodes<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
}

/** The largest buffer a writer keeps between calls (the writer's buffer doubles from 128 bytes). */
export const KEPT_CAPACITY = 1 << 20;

/**
 * The largest message after which its writer is kept. The buffer grows only to fit a
 * write at the current position (at most the message's length plus a few bytes: a
 * varint's or a fixed64's reservation, or a string's worst case of 3 bytes per UTF-16
 * unit), and by doubling; a quarter of KEPT_CAPACITY leaves room for that worst case.
 */
const KEPT_MESSAGE_BYTES = KEPT_CAPACITY / 4;

let spare: BinaryWriter | undefined;

/** `type.encode(message).finish()` as a Buffer of its own, written through a reused writer. */
export function encodeToBuffer<T>(type: Encodes<T>, message: T): Buffer {
  const writer = spare ?? new BinaryWriter();
  spare = undefined;
  const bytes = type.encode(message, writer).finish();
  if (bytes.byteLength <= KEPT_MESSAGE_BYTES) spare = writer;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
