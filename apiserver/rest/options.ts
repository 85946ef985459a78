/**
 * Query parameters and bodies of the REST verbs, read into the option messages the
 * registry takes (the same ListOptions and DeleteOptions the gRPC API sends).
 */
import type { DeleteOptions, ListOptions } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { HttpError } from './errors.js';
import { decodeProtobufObject, isProtobufContentType } from './k8s-protobuf/index.js';

/** `labelSelector`, `fieldSelector`, `limit`, `continue`, `resourceVersion`, … of a list or watch. */
export function listOptionsOf(query: URLSearchParams): ListOptions {
  return {
    labelSelector: query.get('labelSelector') ?? '',
    fieldSelector: query.get('fieldSelector') ?? '',
    limit: integerParam(query, 'limit') ?? '0',
    continue: query.get('continue') ?? '',
    resourceVersion: query.get('resourceVersion') ?? '',
    resourceVersionMatch: query.get('resourceVersionMatch') ?? '',
    allowWatchBookmarks: booleanParam(query, 'allowWatchBookmarks'),
    sendInitialEvents: booleanParam(query, 'sendInitialEvents'),
    timeoutSeconds: integerParam(query, 'timeoutSeconds') ?? '',
  };
}

/** Whether the request is a watch: `watch=true` (or 1) on a collection. */
export function isWatch(query: URLSearchParams): boolean {
  return booleanParam(query, 'watch');
}

/** `dryRun=All` (the only value Kubernetes accepts), or none. */
export function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') {
      throw HttpError.badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
    }
  }
  return values.length > 0;
}

/**
 * DeleteOptions from the JSON body (what kubectl sends) and the query (what curl users
 * write); the body wins where both say something.
 */
export function deleteOptionsOf(query: URLSearchParams, body: Buffer, contentType = ''): DeleteOptions {
  let json: Record<string, unknown> = {};
  if (body.length > 0) {
    try {
      // kubectl 1.31 and later send DeleteOptions as protobuf.
      const parsed = (
        isProtobufContentType(contentType) ? decodeProtobufObject(body) : JSON.parse(body.toString('utf8'))
      ) as unknown;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        json = parsed as Record<string, unknown>;
      } else {
        throw new Error('not an object');
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw HttpError.badRequest(
        `the DeleteOptions body is not a JSON object: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  const grace = json.gracePeriodSeconds ?? integerParam(query, 'gracePeriodSeconds');
  const policy = json.propagationPolicy ?? query.get('propagationPolicy') ?? '';
  const orphan =
    json.orphanDependents ??
    (query.has('orphanDependents') ? booleanParam(query, 'orphanDependents') : undefined);
  const dryRun = Array.isArray(json.dryRun) ? json.dryRun.includes('All') : dryRunOf(query);
  const pre = json.preconditions as { uid?: unknown; resourceVersion?: unknown } | undefined | null;
  if (typeof policy !== 'string') throw HttpError.badRequest('propagationPolicy must be a string');
  return {
    ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: String(grace) } : {}),
    ...(pre
      ? {
          preconditions: {
            uid: typeof pre.uid === 'string' ? pre.uid : '',
            resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : '',
          },
        }
      : {}),
    propagationPolicy: policy !== '' ? policy : orphan === true ? 'Orphan' : '',
    dryRun,
  };
}

/** The spellings Kubernetes (Go's strconv.ParseBool) takes: Python's client sends `True`. */
const trueValues = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const falseValues = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

function booleanParam(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null || v === '' || falseValues.has(v)) return false;
  if (trueValues.has(v)) return true;
  throw HttpError.badRequest(`${name}: Invalid value: "${v}": must be true or false`);
}

function integerParam(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw HttpError.badRequest(`${name}: Invalid value: "${v}": must be an integer`);
  return v;
}
