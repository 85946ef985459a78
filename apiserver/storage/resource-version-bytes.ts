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
import { fieldAt, LENGTH_DELIMITED, onlyField, varintSize, writeVarint } from '../../sdk/wire/fields.js';

/** ObjectMeta.resource_version. */
const RESOURCE_VERSION_FIELD = 5;

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
