/**
 * The shape of a kind's manifest as server-side apply sees it: Kubernetes' list types
 * (`+listType=map` keyed by `+listMapKey`s, `+listType=set`, `+listType=atomic`) and
 * what else is a leaf. Map lists and sets are the strategic merge patch's merging lists
 * (patch-strategy.ts), with the keys Kubernetes gives server-side apply where they differ
 * from the patch merge key (a container port is keyed by `containerPort` and `protocol`).
 * Every other list is atomic: owned and replaced whole.
 */
import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { kinds, protoTypeOf } from '../kinds.js';
import type { Json } from '../manifest/index.js';
import { fieldsOf, intOrString, messageType, struct, timestamp } from '../manifest/schema.js';
import { patchStrategies } from './patch-strategy.js';

/**
 * `+listMapKey`s that differ from the strategic merge key, by Protobuf message and field,
 * with the defaults Kubernetes fills into a missing key (a port's protocol is TCP).
 */
const listMapKeys: Readonly<Record<string, Readonly<Record<string, ListKeys>>>> = {
  'wheelhouse.core.v1.Container': {
    ports: { keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } },
  },
  'wheelhouse.core.v1.PodSpec': {
    topologySpreadConstraints: { keys: ['topologyKey', 'whenUnsatisfiable'] },
  },
};

interface ListKeys {
  readonly keys: readonly string[];
  readonly defaults?: Readonly<Record<string, Json>>;
}

/** What a value is, for field tracking. */
export type ApplyNode =
  /** Owned and replaced whole: scalars, atomic lists, free-form values, timestamps, int-or-string. */
  | { readonly type: 'leaf' }
  /** An object with declared fields, each tracked on its own. */
  | { readonly type: 'struct'; field(name: string): ApplyNode }
  /** A map (`labels`, `data`): each key tracked on its own. */
  | { readonly type: 'map'; readonly values: ApplyNode }
  /** A list whose items are identified by `keys` (`containers` by name). */
  | {
      readonly type: 'mapList';
      readonly keys: readonly string[];
      readonly defaults: Readonly<Record<string, Json>>;
      readonly items: ApplyNode;
    }
  /** A list of primitives that is a set (`finalizers`). */
  | { readonly type: 'set' };

const leaf: ApplyNode = { type: 'leaf' };
const opaque = new Set([
  intOrString,
  timestamp,
  struct,
  'google.protobuf.Value',
  'google.protobuf.ListValue',
]);
const structs = new WeakMap<DescMessage, ApplyNode>();

function structOf(message: DescMessage): ApplyNode {
  let node = structs.get(message);
  if (node) return node;
  const fields = new Map<string, ApplyNode>();
  node = {
    type: 'struct',
    field(name) {
      let found = fields.get(name);
      if (!found) {
        const field = fieldsOf(message).get(name);
        found = field ? nodeOfField(message, field) : leaf;
        fields.set(name, found);
      }
      return found;
    },
  };
  structs.set(message, node);
  return node;
}

function nodeOfMessage(message: DescMessage): ApplyNode {
  return opaque.has(message.typeName) ? leaf : structOf(message);
}

function nodeOfField(parent: DescMessage, field: DescField): ApplyNode {
  switch (field.fieldKind) {
    case 'message':
      return nodeOfMessage(field.message);
    case 'map':
      return { type: 'map', values: field.mapKind === 'message' ? nodeOfMessage(field.message) : leaf };
    case 'list': {
      const tag = patchStrategies[parent.typeName]?.[field.jsonName];
      if (tag?.strategy !== 'merge') return leaf;
      if (field.listKind !== 'message') return { type: 'set' };
      const override = listMapKeys[parent.typeName]?.[field.jsonName];
      const keys = override?.keys ?? (tag.mergeKey ? [tag.mergeKey] : undefined);
      if (!keys) return leaf;
      return {
        type: 'mapList',
        keys,
        defaults: override?.defaults ?? {},
        items: nodeOfMessage(field.message),
      };
    }
    default:
      return leaf;
  }
}

/** The shape of a message's manifest form: a leaf for the messages written as values (timestamps, int-or-string). */
export function applyNodeOfMessage(message: DescMessage): ApplyNode {
  return nodeOfMessage(message);
}

/** The shape of a kind's manifest, or undefined for a kind not in the kind table. */
export function applyNodeOfKind(kind: string): ApplyNode | undefined {
  const info = kinds.find((k) => k.kind === kind);
  return info ? structOf(messageType(protoTypeOf(info))) : undefined;
}
