/**
 * Generated type → manifest (Kubernetes JSON shape): the generated toJSON, then
 * the walk of decode.ts in reverse, so that what `whctl get -o yaml` prints can
 * be applied again as it is: IntOrString values bare, 64-bit integers as
 * numbers, times without zero milliseconds, and the top-level keys in the order
 * people read them (apiVersion, kind, metadata, spec, ..., status).
 */
import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import { kindTypesOf } from '../kind-loader.js';
import type { KindObject } from '../kind-registry.js';
import { apiVersionOf, type KindInfo, protoTypeOf } from '../kinds.js';
import { isPlainObject, type Json, type JsonObject } from './decode.js';
import { fieldsV1, intOrString, messageType, struct, timestamp } from './schema.js';

/** A typed object together with its kind, as parseManifests returns them. */
export interface ManifestObject {
  readonly info: KindInfo;
  readonly object: KindObject;
}

/**
 * The manifest form of a typed object; apiVersion and kind are filled in when empty. The
 * kind's generated code must be loaded, as it is for any object a client has received.
 */
export function encodeObject(info: KindInfo, object: KindObject): JsonObject {
  const json = encodeMessage(messageType(protoTypeOf(info)), kindTypesOf(info).message.toJSON(object), '');
  const { apiVersion, kind, status, ...rest } = json;
  const ordered: JsonObject = {
    apiVersion: apiVersion || apiVersionOf(info),
    kind: kind || info.kind,
    ...rest,
  };
  if (status !== undefined) ordered.status = status;
  return ordered;
}

/** Several objects as one `kind: List`, the shape `kubectl get -o json` prints for lists. */
export function encodeList(items: readonly ManifestObject[]): JsonObject {
  return { apiVersion: 'v1', kind: 'List', items: items.map((i) => encodeObject(i.info, i.object)) };
}

function encodeMessage(message: DescMessage, value: unknown, path: string): JsonObject {
  if (!isPlainObject(value)) throw new Error(`${path || message.typeName}: toJSON gave a non-object`);
  const out: JsonObject = {};
  // Schema order, which is also the order the API documents its fields in.
  for (const field of message.fields) {
    const v = value[field.jsonName];
    if (v === undefined || v === null) continue;
    const encoded = encodeField(field, v, path ? `${path}.${field.jsonName}` : field.jsonName);
    if (encoded !== undefined) out[field.jsonName] = encoded;
  }
  // A key the schema does not know means the generated code and the descriptor
  // set disagree (stale generation): fail loudly rather than lose a field.
  const unknown = Object.keys(value).find((k) => !message.fields.some((f) => f.jsonName === k));
  if (unknown !== undefined)
    throw new Error(`${path || message.typeName}: field ${unknown} is not in the schema`);
  return out;
}

function encodeField(field: DescField, value: unknown, path: string): Json | undefined {
  switch (field.fieldKind) {
    case 'scalar':
      return encodeScalar(field.scalar, value);
    case 'enum':
      return value as Json;
    case 'message':
      return encodeMessageValue(field.message, value, path);
    case 'list':
      if (!Array.isArray(value)) throw new Error(`${path}: toJSON gave a non-list`);
      return value.map((item, i): Json => {
        if (field.listKind === 'scalar') return encodeScalar(field.scalar, item);
        if (field.listKind === 'enum') return item as Json;
        return encodeMessageValue(field.message, item, `${path}[${i}]`) ?? {};
      });
    case 'map': {
      if (!isPlainObject(value)) throw new Error(`${path}: toJSON gave a non-map`);
      const out: JsonObject = {};
      for (const [key, item] of Object.entries(value)) {
        if (field.mapKind === 'scalar') out[key] = encodeScalar(field.scalar, item);
        else if (field.mapKind === 'enum') out[key] = item as Json;
        else out[key] = encodeMessageValue(field.message, item, `${path}[${key}]`) ?? {};
      }
      return out;
    }
  }
}

function encodeMessageValue(message: DescMessage, value: unknown, path: string): Json | undefined {
  if (message.typeName === intOrString) {
    if (!isPlainObject(value)) return undefined;
    if (typeof value.intVal === 'number') return value.intVal;
    if (typeof value.strVal === 'string') return value.strVal;
    return undefined;
  }
  if (message.typeName === timestamp) {
    // Kubernetes writes whole seconds; keep milliseconds only when there are some.
    return typeof value === 'string' ? value.replace(/\.000Z$/, 'Z') : undefined;
  }
  if (message.typeName === struct) return isPlainObject(value) ? (value as JsonObject) : undefined;
  if (message.typeName === fieldsV1) return fieldsV1Tree(value);
  return encodeMessage(message, value, path);
}

function encodeScalar(type: ScalarType, value: unknown): Json {
  switch (type) {
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64: {
      // Manifests write 64-bit integers as numbers; keep a string only past 2^53.
      const n = Number(value);
      return typeof value === 'string' && Number.isSafeInteger(n) ? n : (value as Json);
    }
    default:
      return value as Json;
  }
}

/** The tree of a FieldsV1 as toJSON gives it (`{raw: <base64 JSON>}`); undefined for none or text that is not a JSON object. */
function fieldsV1Tree(value: unknown): Json | undefined {
  if (!isPlainObject(value) || typeof value.raw !== 'string' || value.raw === '') return undefined;
  try {
    const tree: unknown = JSON.parse(Buffer.from(value.raw, 'base64').toString('utf8'));
    return isPlainObject(tree) ? (tree as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}
