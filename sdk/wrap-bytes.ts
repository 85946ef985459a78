/**
 * A Buffer over the bytes of a Uint8Array, without copying them.
 *
 * `Buffer.from(uint8array)` copies, and a copy under 4 KiB is cut from Node's shared 8 KiB
 * pool: a small encoding kept for long (a cached watch event, a stored object) then keeps
 * the whole 8 KiB block alive. A protobuf writer's `finish()` already returns bytes of their
 * own, exactly sized, so wrapping them is both cheaper and tighter.
 */
export function wrapBytes(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
