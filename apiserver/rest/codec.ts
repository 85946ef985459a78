/**
 * Objects to and from the JSON the Kubernetes REST API speaks. Written: the manifest
 * form of sdk/manifest (int-or-string bare, quantities as strings, RFC 3339 times in
 * whole seconds or, for MicroTime fields, microseconds; empty fields left out), `kind` and `apiVersion` on every object, lists as `<Kind>List`
 * whose items carry neither, as kube-apiserver writes them. Read: strictly, then as
 * `fieldValidation` asks: Strict refuses an unknown field (400), Warn drops it and says so
 * in a `Warning` header, Ignore drops it silently.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import { apiVersionOf, type KindInfo } from '../../sdk/kinds.js';
import {
  decodeObject,
  encodeObject,
  type Json,
  type JsonObject,
  ManifestError,
} from '../../sdk/manifest/index.js';
import { HttpError } from './errors.js';
import { writeKubernetesTimes } from './k8s-protobuf/index.js';
import { type ServedVersion, viewApiVersion } from './versions/served-versions.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The object as the REST API writes it: in the kind's version, or as `view` shows it. */
export function encodeRestObject(info: KindInfo, object: KindObject, view?: ServedVersion): JsonObject {
  const json = encodeObject(info, object);
  writeKubernetesTimes(info.kind, json);
  return view ? view.converter.fromStored(json) : json;
}

/** A list as the REST API writes it: `PodList`, items without kind and apiVersion. */
export function encodeRestList(
  info: KindInfo,
  items: readonly KindObject[],
  meta: { resourceVersion?: string; continue?: string },
  view?: ServedVersion,
): JsonObject {
  const metadata: JsonObject = {};
  if (meta.resourceVersion) metadata.resourceVersion = meta.resourceVersion;
  if (meta.continue) metadata.continue = meta.continue;
  return {
    kind: `${info.kind}List`,
    apiVersion: view ? viewApiVersion(info, view) : apiVersionOf(info),
    metadata,
    items: items.map((item) => {
      const { kind: _kind, apiVersion: _apiVersion, ...rest } = encodeRestObject(info, item, view);
      return rest;
    }),
  };
}

/** `fieldValidation` of the query: Strict, Warn or Ignore (the default, as for kube-apiserver, is Warn). */
export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const value = query.get('fieldValidation') ?? '';
  if (value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw HttpError.badRequest(
    `fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`,
  );
}

/** The request body parsed as JSON; a body that is not JSON is a 400 naming the kind. */
export function parseJsonBody(info: KindInfo, body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw cannotHandle(info, err instanceof Error ? err.message : String(err));
  }
}

/**
 * Decodes a request body of `info`'s kind. Returns the object and the warnings to send
 * (Warn); throws a 400 BadRequest for a body that cannot be this kind, or, under Strict,
 * has unknown fields (all of them listed, as Kubernetes lists them).
 */
export function decodeRestObject(
  info: KindInfo,
  json: unknown,
  validation: FieldValidation,
): { object: KindObject; warnings: string[] } {
  const unknown: string[] = [];
  let doc = json;
  // Each pass names one unknown field; the manifest decoder stops at the first.
  for (let pass = 0; pass < 1000; pass++) {
    try {
      const object = decodeObject(info, doc);
      if (unknown.length > 0 && validation === 'Strict') {
        throw cannotHandle(
          info,
          `strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`,
        );
      }
      return { object, warnings: validation === 'Warn' ? unknown.map((f) => `unknown field "${f}"`) : [] };
    } catch (err) {
      if (!(err instanceof ManifestError)) throw err;
      const field = /^unknown field "(.*)"$/.exec(err.problem)?.[1];
      if (field === undefined || err.path === undefined) throw cannotHandle(info, err.problem);
      unknown.push(field);
      doc = withoutField(doc, err.path);
    }
  }
  throw cannotHandle(info, 'too many unknown fields');
}

function cannotHandle(info: KindInfo, why: string): HttpError {
  return HttpError.badRequest(
    `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${why}`,
  );
}

/** A copy of `doc` without the field at `path` (`spec.containers[0].foo`). */
function withoutField(doc: unknown, path: string): unknown {
  const segments = splitPath(path);
  const copy = structuredClone(doc) as Json;
  let node: Json | undefined = copy;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (node !== null && typeof node === 'object') node = node[segment];
    else return copy;
  }
  const last = segments[segments.length - 1];
  if (last !== undefined && node !== null && typeof node === 'object' && !Array.isArray(node)) {
    delete (node as JsonObject)[last];
  }
  return copy;
}

/** `a.b[0].c` → a, b, 0, c; a bracketed key is taken whole (map keys may hold dots). */
function splitPath(path: string): string[] {
  const out: string[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (let m = re.exec(path); m !== null; m = re.exec(path)) out.push(m[1] ?? m[2] ?? '');
  return out;
}
