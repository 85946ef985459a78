/**
 * The bytes stored for an object, kept beside it for a short while: from the write of
 * an object until its response is encoded, and from the watch cache's decoding of a
 * store event until the event has been handed to the watchers. Encoding the object then
 * is those bytes with its resourceVersion written in (resource-version-bytes.ts), not a
 * walk of the object: encoding Pods was about a fifth of the apiserver's CPU per write.
 *
 * Invariant: an object is not changed while its bytes are kept, but for its
 * metadata.resourceVersion (which the encoding takes from the object). Whoever keeps
 * them forgets them when the object may change or is no longer encoded soon; an object
 * that is dropped takes its bytes with it.
 */
import type { KindObject, MessageFns } from '../../sdk/kind-registry.js';
import { encodeToBuffer } from '../../sdk/wire/encode-to-buffer.js';
import { metadataTagOf } from '../../sdk/wire/metadata-tag.js';
import { withResourceVersionBytes } from './resource-version-bytes.js';

const storedBytes = new WeakMap<object, Uint8Array>();

/** Keeps `bytes`, the value stored for `obj` (encoded without its resourceVersion), with it. */
export function keepStoredBytes(obj: object, bytes: Uint8Array): void {
  storedBytes.set(obj, bytes);
}

export function forgetStoredBytes(obj: object): void {
  storedBytes.delete(obj);
}

/**
 * `obj` encoded as `message`: from its stored bytes when they are kept (`forget`: and
 * then no longer), else encoded anew.
 */
export function encodeObject<T extends KindObject>(
  message: MessageFns<T>,
  obj: T,
  forget = false,
): Uint8Array {
  return fromStoredBytes(message, obj, forget) ?? encodeToBuffer(message, obj);
}

/** `obj` encoded from its stored bytes, when they are kept and of the shape expected; else undefined. */
export function fromStoredBytes<T extends KindObject>(
  message: MessageFns<T>,
  obj: T,
  forget = false,
): Buffer | undefined {
  const bytes = storedBytes.get(obj);
  if (bytes === undefined) return undefined;
  if (forget) storedBytes.delete(obj);
  const tag = metadataTagOf(message);
  if (tag === undefined) return undefined;
  return withResourceVersionBytes(bytes, tag, obj.metadata?.resourceVersion ?? '');
}
