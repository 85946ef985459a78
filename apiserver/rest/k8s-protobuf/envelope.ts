/**
 * The envelope of Kubernetes' protobuf bodies (`application/vnd.kubernetes.protobuf`):
 * the 4 bytes `k8s\0`, then a `runtime.Unknown` {typeMeta=1 {apiVersion=1, kind=2},
 * raw=2, contentEncoding=3, contentType=4} whose raw is the object itself.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { HttpError } from '../errors.js';

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';
const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface UnknownEnvelope {
  readonly apiVersion: string;
  readonly kind: string;
  readonly raw: Uint8Array;
}

/** True when a Content-Type header names the Kubernetes protobuf media type. */
export function isProtobufContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === protobufMediaType;
}

/** The object inside a `k8s\0` + runtime.Unknown envelope; a malformed one is a 400. */
export function unwrapUnknown(body: Uint8Array): UnknownEnvelope {
  if (body.length < magic.length || !magic.equals(Buffer.from(body.subarray(0, magic.length)))) {
    throw HttpError.badRequest('the protobuf body does not start with the Kubernetes magic bytes "k8s\\0"');
  }
  try {
    const unknown = stringsAndBytes(body.subarray(magic.length));
    const typeMeta = stringsAndBytes(unknown.get(1) ?? new Uint8Array());
    const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
    const encoding = text(unknown.get(3));
    if (encoding !== '') {
      throw HttpError.unsupportedMediaType(
        `protobuf bodies with contentEncoding "${encoding}" are not supported`,
      );
    }
    const contentType = text(unknown.get(4));
    if (contentType !== '' && contentType !== protobufMediaType) {
      throw HttpError.unsupportedMediaType(
        `a protobuf envelope holding "${contentType}" is not supported: send the object as application/json`,
      );
    }
    return {
      apiVersion: text(typeMeta.get(1)),
      kind: text(typeMeta.get(2)),
      raw: unknown.get(2) ?? new Uint8Array(),
    };
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw HttpError.badRequest(
      `the protobuf body cannot be decoded: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** The length-delimited fields of a message by number (the last of each); others are skipped. */
function stringsAndBytes(bytes: Uint8Array): Map<number, Uint8Array> {
  const reader = new BinaryReader(bytes);
  const out = new Map<number, Uint8Array>();
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (wireType === WireType.LengthDelimited) out.set(no, reader.bytes());
    else reader.skip(wireType, no);
  }
  return out;
}
