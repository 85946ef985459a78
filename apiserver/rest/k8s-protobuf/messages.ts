/**
 * The schema table of schema.ts read into lookups: a message's fields by number. Parsed
 * once, on first use; a malformed table is a programming error and throws at once.
 */
import { kubernetesPackages, kubernetesSchema } from './schema.js';

export type ScalarKind = 's' | 'b' | 'i32' | 'i64' | 'bool' | 'f64';
export type SpecialKind =
  | 'Time'
  | 'MicroTime'
  | 'Quantity'
  | 'IntOrString'
  | 'RawExtension'
  | 'FieldsV1'
  | 'ExtraValue';

export type ValueType =
  | { readonly kind: 'scalar'; readonly scalar: ScalarKind }
  | { readonly kind: 'special'; readonly special: SpecialKind }
  | { readonly kind: 'message'; readonly message: string };

export interface FieldSpec {
  readonly number: number;
  /** The JSON name; for an inline field, the name of the embedded struct. */
  readonly name: string;
  readonly type: ValueType;
  readonly cardinality: 'singular' | 'repeated' | 'map';
  /** A Go pointer: on the wire means set, so a zero value is kept. */
  readonly presence: boolean;
  /** An embedded struct whose fields belong to the enclosing JSON object. */
  readonly inline: boolean;
}

export interface MessageSpec {
  /** Short name as in the table: `core.PodSpec`. */
  readonly name: string;
  /** Full Protobuf name: `k8s.io.api.core.v1.PodSpec`. */
  readonly fullName: string;
  readonly fields: ReadonlyMap<number, FieldSpec>;
}

const scalars: ReadonlySet<string> = new Set(['s', 'b', 'i32', 'i64', 'bool', 'f64']);
const specials: ReadonlySet<string> = new Set([
  'Time',
  'MicroTime',
  'Quantity',
  'IntOrString',
  'RawExtension',
  'FieldsV1',
  'ExtraValue',
]);

let parsed: ReadonlyMap<string, MessageSpec> | undefined;

/** Every message of the table by its short name. */
export function kubernetesMessages(): ReadonlyMap<string, MessageSpec> {
  parsed ??= parseSchema(kubernetesSchema);
  return parsed;
}

/** The message `name` (`core.PodSpec`); throws for a name the table does not have. */
export function messageSpec(name: string): MessageSpec {
  const spec = kubernetesMessages().get(name);
  if (!spec) throw new Error(`the Kubernetes protobuf schema has no message ${name}`);
  return spec;
}

/** Parses the table's text; exported for its tests. */
export function parseSchema(text: string): Map<string, MessageSpec> {
  const out = new Map<string, MessageSpec>();
  // A line that starts with spaces continues the message above it.
  const entries = text
    .replace(/\n\s+/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (const entry of entries) {
    const [name = '', ...tokens] = entry.split(/\s+/);
    const [pkg = '', short = ''] = name.split('.');
    const fullPackage = kubernetesPackages[pkg];
    if (!fullPackage || short === '') throw new Error(`schema: bad message name "${name}"`);
    if (out.has(name)) throw new Error(`schema: message ${name} appears twice`);
    const fields = new Map<number, FieldSpec>();
    for (const token of tokens) {
      const field = parseField(token, name);
      if (fields.has(field.number)) throw new Error(`schema: ${name} has field number ${field.number} twice`);
      fields.set(field.number, field);
    }
    out.set(name, { name, fullName: `${fullPackage}.${short}`, fields });
  }
  for (const message of out.values()) {
    for (const field of message.fields.values()) {
      if (field.type.kind === 'message' && !out.has(field.type.message)) {
        throw new Error(
          `schema: ${message.name}.${field.name} names ${field.type.message}, which is not in the table`,
        );
      }
    }
  }
  return out;
}

function parseField(token: string, message: string): FieldSpec {
  const m = /^(\.\.\.)?([A-Za-z][A-Za-z0-9]*)(\?)?=(\d+)(?::(.+))?$/.exec(token);
  if (!m) throw new Error(`schema: bad field "${token}" in ${message}`);
  const [, inline, name = '', presence, number = '', typeText = 's'] = m;
  let cardinality: FieldSpec['cardinality'] = 'singular';
  let inner = typeText;
  if (/^\[.+\]$/.test(typeText)) {
    cardinality = 'repeated';
    inner = typeText.slice(1, -1);
  } else if (/^\{.+\}$/.test(typeText)) {
    cardinality = 'map';
    inner = typeText.slice(1, -1);
  }
  let type: ValueType;
  if (scalars.has(inner)) type = { kind: 'scalar', scalar: inner as ScalarKind };
  else if (specials.has(inner)) type = { kind: 'special', special: inner as SpecialKind };
  else if (/^[a-z][a-z0-9]*\.[A-Z][A-Za-z0-9]*$/.test(inner)) type = { kind: 'message', message: inner };
  else throw new Error(`schema: bad type "${typeText}" of ${message}.${name}`);
  return {
    number: Number(number),
    name,
    type,
    cardinality,
    presence: presence !== undefined,
    inline: inline !== undefined,
  };
}
