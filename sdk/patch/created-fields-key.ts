/**
 * What a create's field set depends on, as a string: the key under which the field
 * manager memoises the fieldsV1 of objects created alike (every Pod of a ReplicaSet).
 *
 * A create compares nothing: `compareTyped(shape, undefined, obj, scope)` only adds, and
 * what it adds is the path of every value the object has. So the set depends on which
 * fields are present (a proto3 scalar that is not its default, a non-empty list...), on
 * map keys and list item keys (path elements), on whether a present message is empty (it
 * is then a member itself) and on whether a keyed list's items can be told apart (a list
 * with a missing or duplicate key is owned whole) -- not on names, uids, timestamps or
 * any other value.
 *
 * The key is that walk written out, step for step: each step down (its path element,
 * prefixed with its length, so no element can be mistaken for another or for a mark),
 * `)` for each step back up, `.` for each member added. The set is a function of that
 * sequence, so two objects with the same key have the same set. The walk is the one
 * typed-compare.ts makes for a create, without the paths, sets and list indexes it
 * builds for the comparison: created-fields-key.test.ts holds it to that.
 */
import type { DescMessage } from '@bufbuild/protobuf';
import type { ApplyNode } from './list-types.js';
import {
  type CompareScope,
  type FieldShape,
  indexTyped,
  isEmptyMessage,
  type MessageShape,
  shapeOf,
} from './typed-compare.js';

type Rec = Record<string, unknown>;

/** The walk so far (a string grown in place: V8 joins the pieces once, when it is hashed). */
interface Key {
  text: string;
}

/**
 * The key of the fields `compareTyped(shape, undefined, obj, scope)` finds added: equal
 * keys, equal sets. Leaves out the root's metadata.managedFields, as the comparison does.
 */
export function createdFieldsKey(shape: MessageShape, obj: object, scope: CompareScope): string {
  const k: Key = { text: '' };
  const o = obj as Rec;
  for (const f of shape.fields) {
    if (
      scope.subresource === 'status' ? f.element !== 'f:status' : scope.hasStatus && f.element === 'f:status'
    )
      continue;
    keyField(k, f, o[f.local], f.element === 'f:metadata' ? 'managedFields' : undefined);
  }
  return k.text;
}

function down(k: Key, element: string): void {
  k.text += `${element.length}:${element}`;
}

function keyField(k: Key, f: FieldShape, v: unknown, omit?: string): void {
  if (!f.present(v)) return;
  k.text += f.down;
  keyValue(k, f.node, f.message, v, omit);
  k.text += ')';
}

function keyValue(
  k: Key,
  node: ApplyNode,
  message: DescMessage | undefined,
  v: unknown,
  omit?: string,
): void {
  switch (node.type) {
    case 'struct': {
      const shape = shapeOf(message as DescMessage);
      if (isEmptyMessage(shape, v as Rec, omit)) k.text += '.';
      for (const f of shape.fields) {
        if (f.local === omit) continue;
        keyField(k, f, (v as Rec)[f.local]);
      }
      return;
    }
    case 'map': {
      k.text += '.';
      const m = v as Rec;
      for (const key in m) {
        down(k, `f:${key}`);
        keyValue(k, node.values, message, m[key]);
        k.text += ')';
      }
      return;
    }
    case 'mapList':
    case 'set': {
      const items = indexTyped(node, message, v as unknown[]);
      // Items that cannot be told apart: the list is owned whole, as a leaf.
      if (!items) break;
      for (const [element, item] of items) {
        down(k, element);
        k.text += '.';
        if (node.type === 'mapList') keyValue(k, node.items, message, item);
        k.text += ')';
      }
      return;
    }
    default:
  }
  k.text += '.';
}
