/**
 * `compare` (typed-value.ts) over the generated objects themselves rather than their
 * manifest JSON: what a write added, changed and removed, as field sets, for the registry
 * to record in managedFields on every write.
 *
 * Converting both objects to manifest JSON and walking every node with a freshly built
 * path is what made recording a write cost hundreds of µs. Here each message type's
 * fields are compiled once (their JSON path element, when the manifest carries them,
 * their shape), the walk keeps one path and copies it only for a change, equal values
 * are skipped without allocating, and lists are keyed only when they differ. The result
 * is the same as `compare` over `toJSON` of the objects: a field is present when the
 * generated `toJSON` writes it (a proto3 scalar that is not its default, a non-empty list
 * or map, a set message or optional), and two values are equal when their JSON is.
 */
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { ScalarType } from '@bufbuild/protobuf';
import { FieldSet, keyElement, valueElement } from './field-set.js';
import { type ApplyNode, applyNodeOfMessage } from './list-types.js';
import type { Comparison } from './typed-value.js';

/** Which part of the object a comparison covers, as `ownable` (managed-fields.ts) cuts it. */
export interface CompareScope {
  /** '' or 'status': a status write compares only `status`. */
  readonly subresource: string;
  /** The kind has a status subresource: a main write does not compare `status`. */
  readonly hasStatus: boolean;
}

type Rec = Record<string, unknown>;

export interface FieldShape {
  /** The generated object's property. */
  readonly local: string;
  /** `f:<jsonName>` */
  readonly element: string;
  /** `element` as created-fields-key.ts writes a step down to it, made once. */
  readonly down: string;
  readonly node: ApplyNode;
  /** Whether the generated `toJSON` writes this value. */
  readonly present: (v: unknown) => boolean;
  /** The message of the field, of a list's items or of a map's values, when it has one. */
  readonly message: DescMessage | undefined;
}

/** A message's fields, compiled for the walk. */
export interface MessageShape {
  readonly fields: readonly FieldShape[];
  readonly byJsonName: ReadonlyMap<string, FieldShape>;
}

const shapes = new WeakMap<DescMessage, MessageShape>();

/**
 * The compiled shape of a message, or undefined when its generated objects cannot be
 * walked by descriptor (a oneof, which the generated code keeps under one property):
 * callers then compare the manifest JSON.
 */
export function typedShapeOf(message: DescMessage): MessageShape | undefined {
  return walkable(message, new Set()) ? shapeOf(message) : undefined;
}

function walkable(message: DescMessage, seen: Set<DescMessage>): boolean {
  if (seen.has(message)) return true;
  seen.add(message);
  if (applyNodeOfMessage(message).type === 'leaf') return true;
  for (const field of message.fields) {
    if (field.oneof !== undefined) return false;
    const child = childMessage(field);
    if (child && !walkable(child, seen)) return false;
  }
  return true;
}

function childMessage(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case 'message':
      return field.message;
    case 'list':
      return field.listKind === 'message' ? field.message : undefined;
    case 'map':
      return field.mapKind === 'message' ? field.message : undefined;
    default:
      return undefined;
  }
}

/** The compiled shape of a message known to be walkable (one reached from a `typedShapeOf` shape). */
export function shapeOf(message: DescMessage): MessageShape {
  let shape = shapes.get(message);
  if (shape) return shape;
  const node = applyNodeOfMessage(message);
  const fields = message.fields.map(
    (field): FieldShape => ({
      local: field.localName,
      element: `f:${field.jsonName}`,
      down: `${field.jsonName.length + 2}:f:${field.jsonName}`,
      node: node.type === 'struct' ? node.field(field.jsonName) : node,
      present: presenceOf(field),
      message: childMessage(field),
    }),
  );
  const byJsonName = new Map(message.fields.map((f, i) => [f.jsonName, fields[i] as FieldShape]));
  shape = { fields, byJsonName };
  shapes.set(message, shape);
  return shape;
}

const isSetList = (v: unknown) => Array.isArray(v) && v.length > 0;
const isSetMessage = (v: unknown) => v !== undefined;
const isNotEmptyString = (v: unknown) => v !== undefined && v !== '';
const isTrue = (v: unknown) => v === true;
const isNotZero = (v: unknown) => v !== undefined && v !== 0;
const isNotZeroLong = (v: unknown) => v !== undefined && v !== '0';
const hasBytes = (v: unknown) => v instanceof Uint8Array && v.length > 0;

function isSetMap(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  for (const _ in v) return true;
  return false;
}

/** ts-proto's `toJSON` conditions (`useOptionals=messages`, `forceLong=string`). */
function presenceOf(field: DescField): (v: unknown) => boolean {
  switch (field.fieldKind) {
    case 'list':
      return isSetList;
    case 'map':
      return isSetMap;
    case 'message':
      return isSetMessage;
    case 'enum':
      return field.proto.proto3Optional ? isSetMessage : isNotZero;
    case 'scalar':
      if (field.proto.proto3Optional) return isSetMessage;
      switch (field.scalar) {
        case ScalarType.STRING:
          return isNotEmptyString;
        case ScalarType.BOOL:
          return isTrue;
        case ScalarType.BYTES:
          return hasBytes;
        case ScalarType.INT64:
        case ScalarType.UINT64:
        case ScalarType.SINT64:
        case ScalarType.FIXED64:
        case ScalarType.SFIXED64:
          return isNotZeroLong;
        default:
          return isNotZero;
      }
  }
}

/**
 * Equality of generated values as their JSON compares: dates by time, bytes by content,
 * a property set to undefined the same as one left out.
 */
export function typedEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!typedEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || b instanceof Date || b instanceof Uint8Array) return false;
  const x = a as Rec;
  const y = b as Rec;
  for (const k in x) {
    if (x[k] === undefined) {
      if (y[k] !== undefined) return false;
    } else if (!typedEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined && !(k in x)) return false;
  return true;
}

/** The changes found so far and the path being walked (one array, pushed and popped). */
interface Walk {
  readonly added: string[][];
  readonly modified: string[][];
  readonly removed: string[][];
  readonly path: string[];
}

/**
 * What changed from `before` (undefined for a create) to `after`, generated objects of
 * the message `shape` was compiled from, within `scope` and leaving out the root's
 * metadata.managedFields: `compare` of their manifest JSON.
 */
export function compareTyped(
  shape: MessageShape,
  before: object | undefined,
  after: object,
  scope: CompareScope,
): Comparison {
  const w: Walk = { added: [], modified: [], removed: [], path: [] };
  const a = before as Rec | undefined;
  const b = after as Rec;
  for (const f of shape.fields) {
    if (
      scope.subresource === 'status' ? f.element !== 'f:status' : scope.hasStatus && f.element === 'f:status'
    )
      continue;
    const omit = f.element === 'f:metadata' ? 'managedFields' : undefined;
    walkField(w, f, a?.[f.local], b[f.local], omit);
  }
  return { added: setOf(w.added), modified: setOf(w.modified), removed: setOf(w.removed) };
}

function setOf(paths: string[][]): FieldSet {
  if (paths.length === 0) return FieldSet.empty;
  return FieldSet.build((add) => {
    for (const path of paths) add(path);
  });
}

function walkField(w: Walk, f: FieldShape, x: unknown, y: unknown, omit?: string): void {
  const px = f.present(x);
  const py = f.present(y);
  if (!px && !py) return;
  if (px && py && x === y) return;
  w.path.push(f.element);
  walkValue(w, f.node, f.message, px ? x : undefined, py ? y : undefined, omit);
  w.path.pop();
}

function walkValue(
  w: Walk,
  node: ApplyNode,
  message: DescMessage | undefined,
  x: unknown,
  y: unknown,
  omit?: string,
): void {
  switch (node.type) {
    case 'struct': {
      const shape = shapeOf(message as DescMessage);
      if (x === undefined && isEmptyMessage(shape, y as Rec, omit)) w.added.push(w.path.slice());
      if (y === undefined && isEmptyMessage(shape, x as Rec, omit)) w.removed.push(w.path.slice());
      for (const f of shape.fields) {
        if (f.local === omit) continue;
        walkField(w, f, (x as Rec | undefined)?.[f.local], (y as Rec | undefined)?.[f.local]);
      }
      return;
    }
    case 'map': {
      const mx = x as Rec | undefined;
      const my = y as Rec | undefined;
      if (mx === undefined) w.added.push(w.path.slice());
      if (my === undefined) w.removed.push(w.path.slice());
      if (mx !== undefined) {
        for (const k in mx) {
          const vy = my?.[k];
          if (vy !== undefined && mx[k] === vy) continue;
          w.path.push(`f:${k}`);
          walkValue(w, node.values, message, mx[k], vy);
          w.path.pop();
        }
      }
      if (my !== undefined) {
        for (const k in my) {
          if (mx !== undefined && k in mx) continue;
          w.path.push(`f:${k}`);
          walkValue(w, node.values, message, undefined, my[k]);
          w.path.pop();
        }
      }
      return;
    }
    case 'mapList':
    case 'set': {
      if (x !== undefined && y !== undefined && typedEqual(x, y)) return;
      const ix = indexTyped(node, message, (x as unknown[] | undefined) ?? []);
      const iy = indexTyped(node, message, (y as unknown[] | undefined) ?? []);
      if (!ix || !iy) break;
      for (const [element, item] of ix) {
        const other = iy.get(element);
        if (other !== undefined && item === other) continue;
        w.path.push(element);
        if (other === undefined) w.removed.push(w.path.slice());
        if (node.type === 'mapList') walkValue(w, node.items, message, item, other);
        w.path.pop();
      }
      for (const [element, item] of iy) {
        if (ix.has(element)) continue;
        w.path.push(element);
        w.added.push(w.path.slice());
        if (node.type === 'mapList') walkValue(w, node.items, message, undefined, item);
        w.path.pop();
      }
      return;
    }
    default:
  }
  if (x === undefined) w.added.push(w.path.slice());
  else if (y === undefined) w.removed.push(w.path.slice());
  else if (!typedEqual(x, y)) w.modified.push(w.path.slice());
}

/** Whether the message's JSON would be `{}`. */
export function isEmptyMessage(shape: MessageShape, v: Rec | undefined, omit?: string): boolean {
  if (v === undefined) return false;
  for (const f of shape.fields) if (f.local !== omit && f.present(v[f.local])) return false;
  return true;
}

/**
 * A list's items by path element, in order; undefined when items cannot be told apart
 * (a missing key, a duplicate), and the list then compares whole.
 */
export function indexTyped(
  node: ApplyNode,
  message: DescMessage | undefined,
  list: readonly unknown[],
): Map<string, unknown> | undefined {
  const items = new Map<string, unknown>();
  const itemShape = node.type === 'mapList' && message ? shapeOf(message) : undefined;
  for (const item of list) {
    let element: string;
    if (node.type === 'set') {
      element = valueElement(item as string);
    } else if (node.type === 'mapList' && itemShape) {
      const keys: Record<string, string | number | boolean> = {};
      for (const key of node.keys) {
        const f = itemShape.byJsonName.get(key);
        const raw = f ? (item as Rec)[f.local] : undefined;
        const value = f?.present(raw) ? raw : node.defaults[key];
        if (value === undefined || value === null) return undefined;
        keys[key] = value as string | number | boolean;
      }
      element = keyElement(keys);
    } else {
      return undefined;
    }
    if (items.has(element)) return undefined;
    items.set(element, item);
  }
  return items;
}
