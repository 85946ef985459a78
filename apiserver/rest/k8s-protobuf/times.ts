/**
 * Times in JSON as Kubernetes writes them: a `metav1.Time` in whole seconds
 * (`2026-12-05T19:51:44Z`), a `metav1.MicroTime` (Lease renewTime, Event eventTime) with
 * six fractional digits (`2026-12-05T19:51:44.123000Z`). Which field is which comes from
 * the schema table; only the messages that hold a time somewhere are walked.
 */
import type { Json, JsonObject } from '../../../sdk/manifest/index.js';
import { type FieldSpec, type MessageSpec, messageSpec } from './messages.js';
import { kubernetesMessageOf } from './schema.js';

/** Rewrites, in place, the times of an object of `kind` (at its `apiVersion`) as encoded for the REST API. */
export function writeKubernetesTimes(kind: string, object: JsonObject): void {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : undefined;
  const message = kubernetesMessageOf(kind, apiVersion);
  if (message !== undefined) {
    walk(object, messageSpec(message));
  } else if (isObject(object.metadata)) {
    // A kind of Wheelhouse's own: its metadata is still an ObjectMeta.
    walk(object.metadata, messageSpec('meta.ObjectMeta'));
  }
}

function walk(object: JsonObject, spec: MessageSpec): void {
  for (const field of timeFieldsOf(spec)) {
    if (field.inline) {
      if (field.message) walk(object, field.message);
      continue;
    }
    const value = object[field.name];
    if (value === undefined || value === null) continue;
    if (field.cardinality === 'singular') object[field.name] = rewrite(value, field);
    else if (field.cardinality === 'repeated' && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = rewrite(value[i] ?? null, field);
    } else if (field.cardinality === 'map' && isObject(value)) {
      for (const [key, item] of Object.entries(value)) value[key] = rewrite(item, field);
    }
  }
}

function rewrite(value: Json, field: TimeField): Json {
  if (field.message) {
    if (isObject(value)) walk(value, field.message);
    return value;
  }
  // `2026-12-05T19:51:44Z` is 20 characters: already whole seconds.
  if (typeof value !== 'string' || (field.micro === false && value.length === 20)) return value;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(value);
  if (!m) return value;
  if (!field.micro) return `${m[1]}Z`;
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

/** A field that is, or leads to, a time: the message it leads through, or whether it is a MicroTime. */
interface TimeField {
  readonly name: string;
  readonly cardinality: FieldSpec['cardinality'];
  readonly inline: boolean;
  readonly message?: MessageSpec;
  readonly micro: boolean;
}

const timeFields = new Map<string, readonly TimeField[]>();

/** The time fields of a message, memoised: most messages lead to none and are never walked. */
function timeFieldsOf(spec: MessageSpec): readonly TimeField[] {
  const known = timeFields.get(spec.name);
  if (known) return known;
  // Guards a cycle in the table: a message being computed leads to no time through itself.
  timeFields.set(spec.name, []);
  const fields: TimeField[] = [];
  for (const field of spec.fields.values()) {
    const type = field.type;
    const base = { name: field.name, cardinality: field.cardinality, inline: field.inline };
    if (type.kind === 'special' && (type.special === 'Time' || type.special === 'MicroTime')) {
      fields.push({ ...base, micro: type.special === 'MicroTime' });
    } else if (type.kind === 'message') {
      const message = messageSpec(type.message);
      if (timeFieldsOf(message).length > 0) fields.push({ ...base, message, micro: false });
    }
  }
  timeFields.set(spec.name, fields);
  return fields;
}

function isObject(v: Json | undefined): v is JsonObject {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}
