/**
 * Manifest (Kubernetes JSON shape) → generated type. The plain object is walked
 * against the Protobuf schema first: the generated fromJSON drops unknown fields
 * and coerces wrong types without a word, while a manifest with a typo must fail
 * and say where. The walk also turns the manifest forms that differ from the
 * Protobuf JSON form (bare IntOrString values, numbers in string fields) into
 * the Protobuf form that fromJSON reads.
 */
import {
  type DescEnum,
  type DescField,
  type DescMessage,
  type DescOneof,
  ScalarType,
} from '@bufbuild/protobuf';
import { kindTypesOf } from '../kind-loader.js';
import type { KindObject } from '../kind-registry.js';
import { apiVersionOf, type KindInfo, protoTypeOf } from '../kinds.js';
import { ManifestError, type ManifestLocation } from './manifest-error.js';
import { fieldsOf, fieldsV1, intOrString, messageType, struct, timestamp } from './schema.js';

/** A JSON value as the codec produces it. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Reports a problem at a field path; bound to the document being decoded. */
type Fail = (problem: string, path?: string) => never;

const int32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const uint32 = { min: 0, max: 2 ** 32 - 1 };
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes one manifest object of a known kind into its generated type. apiVersion
 * and kind may be left out; when present they must be the kind's. The kind's generated
 * code must be loaded (sdk/kind-loader.ts; importing sdk/manifest/index.js loads every kind).
 */
export function decodeObject(info: KindInfo, json: unknown, location: ManifestLocation = {}): KindObject {
  const subject = subjectOf(info.kind, json);
  const fail: Fail = (problem, path) => {
    throw new ManifestError(location, subject, problem, path);
  };
  if (!isPlainObject(json)) return fail(`expected an object, got ${describe(json)}`);
  const apiVersion = apiVersionOf(info);
  if (json.apiVersion !== undefined && json.apiVersion !== apiVersion) {
    fail(
      `apiVersion is ${describe(json.apiVersion)}, expected "${apiVersion}" for kind ${info.kind}`,
      'apiVersion',
    );
  }
  if (json.kind !== undefined && json.kind !== info.kind) {
    fail(`kind is ${describe(json.kind)}, expected "${info.kind}"`, 'kind');
  }
  const normalised = decodeMessage(messageType(protoTypeOf(info)), json, '', fail);
  normalised.apiVersion = apiVersion;
  normalised.kind = info.kind;
  return kindTypesOf(info).message.fromJSON(normalised);
}

/** `Deployment web`, or just the kind while the name is unknown. */
export function subjectOf(kind: string, json: unknown): string {
  const metadata = isPlainObject(json) ? json.metadata : undefined;
  const name = isPlainObject(metadata) ? metadata.name : undefined;
  return typeof name === 'string' && name !== '' ? `${kind} ${name}` : kind;
}

function decodeMessage(message: DescMessage, value: unknown, path: string, fail: Fail): JsonObject {
  if (!isPlainObject(value))
    return fail(`${at(path)}expected an object, got ${describe(value)}`, path || undefined);
  const fields = fieldsOf(message);
  const out: JsonObject = {};
  const oneofs = new Map<DescOneof, string>();
  for (const [key, v] of Object.entries(value)) {
    const fieldPath = path ? `${path}.${key}` : key;
    const field = fields.get(key);
    if (!field) return fail(`unknown field "${fieldPath}"`, fieldPath);
    // null means unset, as in Kubernetes (`creationTimestamp: null` in kubectl output).
    if (v === null || v === undefined) continue;
    if (field.oneof) {
      const other = oneofs.get(field.oneof);
      if (other !== undefined) fail(`"${other}" and "${fieldPath}" cannot both be set`, fieldPath);
      oneofs.set(field.oneof, fieldPath);
    }
    out[key] = decodeField(field, v, fieldPath, fail);
  }
  return out;
}

function decodeField(field: DescField, value: unknown, path: string, fail: Fail): Json {
  switch (field.fieldKind) {
    case 'scalar':
      return decodeScalar(field.scalar, value, path, fail);
    case 'enum':
      return decodeEnum(field.enum, value, path, fail);
    case 'message':
      return decodeMessageValue(field.message, value, path, fail);
    case 'list': {
      if (!Array.isArray(value)) return fail(`${at(path)}expected a list, got ${describe(value)}`, path);
      return value.map((item, i) => {
        const itemPath = `${path}[${i}]`;
        if (item === null) return fail(`${at(itemPath)}null is not allowed in a list`, itemPath);
        if (field.listKind === 'scalar') return decodeScalar(field.scalar, item, itemPath, fail);
        if (field.listKind === 'enum') return decodeEnum(field.enum, item, itemPath, fail);
        return decodeMessageValue(field.message, item, itemPath, fail);
      });
    }
    case 'map': {
      if (!isPlainObject(value)) return fail(`${at(path)}expected a map, got ${describe(value)}`, path);
      const out: JsonObject = {};
      for (const [key, item] of Object.entries(value)) {
        const itemPath = `${path}[${key}]`;
        if (field.mapKey !== ScalarType.STRING) decodeScalar(field.mapKey, key, `${path} key`, fail);
        if (field.mapKind === 'scalar') out[key] = decodeScalar(field.scalar, item, itemPath, fail);
        else if (field.mapKind === 'enum') out[key] = decodeEnum(field.enum, item, itemPath, fail);
        else out[key] = decodeMessageValue(field.message, item, itemPath, fail);
      }
      return out;
    }
  }
}

function decodeMessageValue(message: DescMessage, value: unknown, path: string, fail: Fail): Json {
  if (message.typeName === intOrString) {
    // Written bare in manifests: `maxSurge: 1` or `maxSurge: 25%`.
    if (typeof value === 'number' && Number.isInteger(value) && value >= int32.min && value <= int32.max) {
      return { intVal: value };
    }
    if (typeof value === 'string') return { strVal: value };
    return fail(`${at(path)}expected an integer or a string, got ${describe(value)}`, path);
  }
  if (message.typeName === timestamp) {
    if (typeof value === 'string' && rfc3339.test(value) && !Number.isNaN(Date.parse(value))) return value;
    return fail(
      `${at(path)}expected an RFC 3339 time like "2024-05-01T12:00:00Z", got ${describe(value)}`,
      path,
    );
  }
  if (message.typeName === struct) {
    if (isPlainObject(value)) return value as JsonObject;
    return fail(`${at(path)}expected an object, got ${describe(value)}`, path);
  }
  if (message.typeName === fieldsV1) {
    // The tree becomes the text the API carries (the generated fromJSON reads bytes as base64).
    if (isPlainObject(value)) return { raw: Buffer.from(JSON.stringify(value)).toString('base64') };
    return fail(`${at(path)}expected an object of path elements, got ${describe(value)}`, path);
  }
  return decodeMessage(message, value, path, fail);
}

function decodeEnum(desc: DescEnum, value: unknown, path: string, fail: Fail): Json {
  if (typeof value === 'string' && desc.values.some((v) => v.name === value)) return value;
  if (typeof value === 'number' && desc.values.some((v) => v.number === value)) return value;
  const names = desc.values.map((v) => v.name).join(', ');
  return fail(`${at(path)}expected one of ${names}, got ${describe(value)}`, path);
}

function decodeScalar(type: ScalarType, value: unknown, path: string, fail: Fail): Json {
  switch (type) {
    case ScalarType.STRING:
      if (typeof value === 'string') return value;
      // Kubernetes accepts numbers where a quantity is expected (`cpu: 1`,
      // `memory: 1e9`); quantities are strings here, so take the number's text.
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      return fail(`${at(path)}expected a string, got ${describe(value)}`, path);
    case ScalarType.BOOL:
      if (typeof value === 'boolean') return value;
      return fail(`${at(path)}expected true or false, got ${describe(value)}`, path);
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return integer(value, int32, path, fail);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return integer(value, uint32, path, fail);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64: {
      // The generated types hold 64-bit integers as decimal strings.
      const unsigned = type === ScalarType.UINT64 || type === ScalarType.FIXED64;
      if (typeof value === 'number' && Number.isSafeInteger(value) && (!unsigned || value >= 0))
        return String(value);
      if (typeof value === 'string' && (unsigned ? /^\d+$/ : /^-?\d+$/).test(value)) return value;
      return fail(
        `${at(path)}expected ${unsigned ? 'a non-negative ' : 'an '}integer, got ${describe(value)}`,
        path,
      );
    }
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (typeof value === 'number') return value;
      return fail(`${at(path)}expected a number, got ${describe(value)}`, path);
    case ScalarType.BYTES:
      if (typeof value === 'string' && base64.test(value.replace(/\s/g, ''))) return value.replace(/\s/g, '');
      return fail(`${at(path)}expected base64-encoded data, got ${describe(value)}`, path);
  }
}

function integer(value: unknown, range: { min: number; max: number }, path: string, fail: Fail): Json {
  if (typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max)
    return value;
  const what =
    typeof value === 'number' && Number.isInteger(value) ? ` between ${range.min} and ${range.max}` : '';
  return fail(`${at(path)}expected an integer${what}, got ${describe(value)}`, path);
}

function at(path: string): string {
  return path ? `${path}: ` : '';
}

/** How a wrong value is shown in an error: its type and, for scalars, the value. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
