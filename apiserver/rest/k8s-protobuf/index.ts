/**
 * Kubernetes' protobuf request bodies read into the JSON the REST handlers take, so that
 * everything after decoding (defaulting, validation, admission, RBAC) is the JSON path.
 */
import type { JsonObject } from '../../../sdk/manifest/index.js';
import { HttpError } from '../errors.js';
import { decodeMessage, ProtobufDecodeError } from './decode.js';
import { protobufMediaType, unwrapUnknown } from './envelope.js';
import { kubernetesMessageOf } from './schema.js';

export { formatMicroTime, formatTime } from './decode.js';
export { isProtobufContentType, protobufMediaType, unwrapUnknown } from './envelope.js';
export { writeKubernetesTimes } from './times.js';

/**
 * The object of a protobuf body as JSON, `apiVersion` and `kind` from its envelope.
 * Throws 415 for a kind or a field this server does not read as protobuf (the client can
 * send JSON instead), 400 for bytes that are not a well-formed encoding.
 */
export function decodeProtobufObject(body: Uint8Array): JsonObject {
  const { apiVersion, kind, raw } = unwrapUnknown(body);
  const message = kubernetesMessageOf(kind, apiVersion);
  if (message === undefined) {
    throw HttpError.unsupportedMediaType(
      `${kind || 'an object without a kind'}${apiVersion ? ` (${apiVersion})` : ''} is not accepted as ${protobufMediaType}: send it as application/json`,
    );
  }
  try {
    return { apiVersion, kind, ...decodeMessage(raw, message) };
  } catch (err) {
    if (!(err instanceof ProtobufDecodeError)) throw err;
    if (err.unsupported) {
      throw HttpError.unsupportedMediaType(
        `the protobuf ${kind} has what this server does not read as protobuf (${err.message}): send it as application/json`,
      );
    }
    throw HttpError.badRequest(`the protobuf ${kind} cannot be decoded: ${err.message}`);
  }
}
