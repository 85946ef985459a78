/**
 * Kubernetes' protobuf wire encoding of one message → its JSON (manifest) form, driven by
 * the schema table: names from the table, times as RFC 3339, quantities and
 * int-or-string values bare, bytes in base64, embedded structs flattened, and a Go value
 * field's zero value left out as Kubernetes' JSON leaves it out.
 *
 * Nothing is dropped silently: a field number the table does not know is refused (415),
 * unless its value is a zero value — what a Go value field the table does not list puts
 * on the wire when unset, which carries nothing.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { Json, JsonObject } from '../../../sdk/manifest/index.js';
import { HttpError } from '../errors.js';
import {
  type MessageSpec,
  messageSpec,
  type ScalarKind,
  type SpecialKind,
  type ValueType,
} from './messages.js';

/** A failure at a field path, turned into an HttpError by the caller that knows the kind. */
export class ProtobufDecodeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    /** True when the bytes are well formed but hold what this server does not read (415). */
    readonly unsupported = false,
  ) {
    super(`${path === '' ? '' : `${path}: `}${problem}`);
  }
}

/** Decodes `bytes` as the table's message `message` (`core.ConfigMap`). */
export function decodeMessage(bytes: Uint8Array, message: string, path = ''): JsonObject {
  return readMessage(bytes, messageSpec(message), path);
}

function readMessage(bytes: Uint8Array, spec: MessageSpec, path: string): JsonObject {
  const reader = new BinaryReader(bytes);
  const out: JsonObject = {};
  while (reader.pos < reader.len) {
    const [number, wireType] = tagOf(reader, path);
    const field = spec.fields.get(number);
    if (!field) {
      skipUnknown(reader, number, wireType, spec, path);
      continue;
    }
    const at = join(path, field.name);
    if (field.cardinality === 'map') {
      expectWire(wireType, WireType.LengthDelimited, at);
      const [key, value] = readMapEntry(
        guard(() => reader.bytes(), at),
        field.type,
        at,
      );
      const map = (out[field.name] as JsonObject | undefined) ?? {};
      map[key] = value;
      out[field.name] = map;
    } else if (field.cardinality === 'repeated') {
      const list = (out[field.name] as Json[] | undefined) ?? [];
      out[field.name] = list;
      if (wireType === WireType.LengthDelimited && isPackable(field.type)) {
        // Packed: one length-delimited run of numbers.
        const run = new BinaryReader(guard(() => reader.bytes(), at));
        while (run.pos < run.len) list.push(readScalar(run, scalarOf(field.type), `${at}[${list.length}]`));
      } else {
        list.push(readValue(reader, wireType, field.type, `${at}[${list.length}]`));
      }
    } else {
      // The last occurrence wins, as protobuf parsers do.
      out[field.name] = readValue(reader, wireType, field.type, at);
    }
  }
  return finish(out, spec, path);
}

/** Zero values of Go value fields left out; embedded structs merged into their parent. */
function finish(out: JsonObject, spec: MessageSpec, path: string): JsonObject {
  for (const field of spec.fields.values()) {
    if (!(field.name in out) || field.cardinality !== 'singular') continue;
    const value = out[field.name] ?? null;
    if (value === null || (!field.presence && isZero(value))) {
      delete out[field.name];
      continue;
    }
    if (field.inline) {
      delete out[field.name];
      for (const [key, v] of Object.entries(value as JsonObject)) {
        if (key in out) throw new ProtobufDecodeError(join(path, key), 'is set twice');
        out[key] = v;
      }
    }
  }
  return out;
}

function isZero(value: Json): boolean {
  if (value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function readValue(reader: BinaryReader, wireType: WireType, type: ValueType, path: string): Json {
  if (type.kind === 'scalar') {
    expectWire(wireType, wireTypeOf(type.scalar), path);
    return readScalar(reader, type.scalar, path);
  }
  expectWire(wireType, WireType.LengthDelimited, path);
  const bytes = guard(() => reader.bytes(), path);
  if (type.kind === 'message') return readMessage(bytes, messageSpec(type.message), path);
  return readSpecial(bytes, type.special, path);
}

function readScalar(reader: BinaryReader, scalar: ScalarKind, path: string): Json {
  return guard((): Json => {
    switch (scalar) {
      case 's':
        return reader.string();
      case 'b':
        return Buffer.from(reader.bytes()).toString('base64');
      case 'i32':
        return reader.int32();
      case 'i64': {
        const n = BigInt(reader.int64());
        if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new ProtobufDecodeError(path, `the integer ${n} is too large for JSON`);
        }
        return Number(n);
      }
      case 'bool':
        return reader.bool();
      case 'f64':
        return reader.double();
    }
  }, path);
}

/** The apimachinery types whose JSON is not their message's shape. */
function readSpecial(bytes: Uint8Array, special: SpecialKind, path: string): Json {
  const f = fieldsOf(bytes, path);
  switch (special) {
    case 'Time':
    case 'MicroTime': {
      // Timestamp {seconds=1, nanos=2}; an empty one is Go's zero time: null in JSON.
      if (bytes.length === 0) return null;
      const seconds = Number(f.varint(1) ?? 0n);
      const nanos = Number(f.varint(2) ?? 0n);
      return special === 'Time' ? formatTime(seconds) : formatMicroTime(seconds, nanos);
    }
    case 'Quantity':
      // Quantity {string=1}.
      return f.string(1) ?? '';
    case 'IntOrString': {
      // IntOrString {type=1 (0 int, 1 string), intVal=2, strVal=3}.
      if ((f.varint(1) ?? 0n) === 1n) return f.string(3) ?? '';
      return Number(BigInt.asIntN(32, f.varint(2) ?? 0n));
    }
    case 'RawExtension':
    case 'FieldsV1': {
      // {raw=1}: the embedded object's own bytes, JSON when a client built it.
      const raw = f.bytes(1);
      if (raw === undefined || raw.length === 0) return null;
      const text = Buffer.from(raw).toString('utf8');
      try {
        return JSON.parse(text) as Json;
      } catch {
        throw new ProtobufDecodeError(path, 'an embedded object that is not JSON is not supported', true);
      }
    }
    case 'ExtraValue':
      // A list of strings wrapped in a message {items=1}.
      return f.strings(1);
  }
}

function readMapEntry(bytes: Uint8Array, type: ValueType, path: string): [string, Json] {
  // A map entry is a message {key=1, value=2}; the keys of Kubernetes' maps are strings.
  const reader = new BinaryReader(bytes);
  let key = '';
  let value: Json | undefined;
  while (reader.pos < reader.len) {
    const [number, wireType] = tagOf(reader, path);
    if (number === 1) {
      expectWire(wireType, WireType.LengthDelimited, path);
      key = guard(() => reader.string(), path);
    } else if (number === 2) {
      value = readValue(reader, wireType, type, `${path}[${key}]`);
    } else {
      throw new ProtobufDecodeError(path, `a map entry has field number ${number}`);
    }
  }
  return [key, value ?? zeroOf(type, `${path}[${key}]`)];
}

/** The value of a map entry sent without one: the type's zero value. */
function zeroOf(type: ValueType, path: string): Json {
  if (type.kind === 'scalar') {
    if (type.scalar === 's' || type.scalar === 'b') return '';
    return type.scalar === 'bool' ? false : 0;
  }
  if (type.kind === 'message') return readMessage(new Uint8Array(), messageSpec(type.message), path);
  return readSpecial(new Uint8Array(), type.special, path);
}

function skipUnknown(
  reader: BinaryReader,
  number: number,
  wireType: WireType,
  spec: MessageSpec,
  path: string,
): void {
  // A zero varint or an empty length-delimited value is what a Go value field at its
  // zero value puts on the wire: it says nothing, so it is passed over.
  const zero = guard(() => {
    if (wireType === WireType.Varint) return BigInt(reader.uint64()) === 0n;
    if (wireType === WireType.LengthDelimited) return reader.bytes().length === 0;
    reader.skip(wireType, number);
    return false;
  }, path);
  if (zero) return;
  throw new ProtobufDecodeError(
    path,
    `field number ${number} of ${spec.fullName} is not known to this server`,
    true,
  );
}

function tagOf(reader: BinaryReader, path: string): [number, WireType] {
  return guard(() => reader.tag(), path);
}

function expectWire(actual: WireType, expected: WireType, path: string): void {
  if (actual !== expected) {
    throw new ProtobufDecodeError(path, `wire type ${actual} where the schema has wire type ${expected}`);
  }
}

function wireTypeOf(scalar: ScalarKind): WireType {
  if (scalar === 's' || scalar === 'b') return WireType.LengthDelimited;
  return scalar === 'f64' ? WireType.Bit64 : WireType.Varint;
}

function isPackable(type: ValueType): boolean {
  return type.kind === 'scalar' && type.scalar !== 's' && type.scalar !== 'b';
}

function scalarOf(type: ValueType): ScalarKind {
  return type.kind === 'scalar' ? type.scalar : 's';
}

/** A Kubernetes Time: whole seconds, as metav1.Time writes it. */
export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A Kubernetes MicroTime: six fractional digits, as metav1.MicroTime writes it. */
export function formatMicroTime(seconds: number, nanos: number): string {
  const micros = String(Math.floor(nanos / 1000)).padStart(6, '0');
  return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, `.${micros}Z`);
}

/** The fields of a small fixed message (the apimachinery types above) by number. */
function fieldsOf(bytes: Uint8Array, path: string) {
  const values = new Map<number, (bigint | Uint8Array)[]>();
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [number, wireType] = tagOf(reader, path);
    const v = guard((): bigint | Uint8Array | undefined => {
      if (wireType === WireType.Varint) return BigInt(reader.uint64());
      if (wireType === WireType.LengthDelimited) return reader.bytes();
      reader.skip(wireType, number);
      return undefined;
    }, path);
    if (v !== undefined) values.set(number, [...(values.get(number) ?? []), v]);
  }
  const last = (n: number) => values.get(n)?.at(-1);
  return {
    varint: (n: number): bigint | undefined => {
      const v = last(n);
      return typeof v === 'bigint' ? v : undefined;
    },
    bytes: (n: number): Uint8Array | undefined => {
      const v = last(n);
      return v instanceof Uint8Array ? v : undefined;
    },
    string: (n: number): string | undefined => {
      const v = last(n);
      return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined;
    },
    strings: (n: number): string[] =>
      (values.get(n) ?? []).flatMap((v) =>
        v instanceof Uint8Array ? [Buffer.from(v).toString('utf8')] : [],
      ),
  };
}

/** Runs a read of the wire reader; a truncated or malformed encoding becomes a ProtobufDecodeError. */
function guard<T>(read: () => T, path: string): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof ProtobufDecodeError || err instanceof HttpError) throw err;
    throw new ProtobufDecodeError(
      path,
      `malformed protobuf: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}
