/** The JSON bodies subresources take (Binding, Eviction, Scale, TokenRequest, reviews). */
import type { JsonObject } from '../../../sdk/manifest/index.js';
import { HttpError } from '../errors.js';
import { decodeProtobufObject, isProtobufContentType } from '../k8s-protobuf/index.js';
import type { RestRequest } from '../types.js';

/**
 * The body as a JSON object of `kind`; a missing or malformed body, or one of another
 * kind, is a 400 that says what was expected.
 */
export async function jsonBodyOf(
  req: RestRequest,
  kind: string,
  apiVersions: readonly string[],
): Promise<JsonObject> {
  const body = await req.body();
  let json: unknown;
  try {
    // kubectl 1.31 and later send built-in kinds as protobuf.
    json = isProtobufContentType(req.headers['content-type'])
      ? decodeProtobufObject(body)
      : JSON.parse(body.toString('utf8'));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw HttpError.badRequest(
      `the request body is not a JSON ${kind}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw HttpError.badRequest(`the request body must be a JSON object of kind ${kind}`);
  }
  const object = json as JsonObject;
  if (object.kind !== undefined && object.kind !== kind) {
    throw HttpError.badRequest(`the request body is a ${String(object.kind)}; this endpoint takes a ${kind}`);
  }
  if (object.apiVersion !== undefined && !apiVersions.includes(String(object.apiVersion))) {
    throw HttpError.badRequest(
      `${kind} of apiVersion ${String(object.apiVersion)} is not served here: use ${apiVersions.join(' or ')}`,
    );
  }
  return object;
}

/** A body's metadata.name must be the path's, as Kubernetes checks for subresources named by the path. */
export function checkBodyName(kind: string, body: JsonObject, pathName: string): void {
  const meta = body.metadata;
  const name = meta && typeof meta === 'object' && !Array.isArray(meta) ? meta.name : undefined;
  if (name !== undefined && name !== '' && name !== pathName) {
    throw HttpError.badRequest(
      `the name of the ${kind} in the body ("${String(name)}") does not match the name in the path ("${pathName}")`,
    );
  }
}
