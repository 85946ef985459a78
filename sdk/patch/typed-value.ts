/**
 * Objects in their manifest JSON form walked by their shape (list-types.ts), as
 * structured-merge-diff walks typed values: the fields an object sets, the fields that
 * differ between two objects, the merge of an applied configuration into a live object,
 * and the removal of fields. Pure: inputs are never changed.
 */
import type { Json, JsonObject } from '../manifest/index.js';
import { FieldSet, fieldElement, keyElement, pathString, valueElement } from './field-set.js';
import type { ApplyNode } from './list-types.js';

/** A value that does not fit its shape (a map list item without its key, a duplicate key). */
export class FieldPathError extends Error {
  override readonly name = 'FieldPathError';
  constructor(
    /** The path of the offending value, as `pathString` writes it. */
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || '.'}: ${problem}`);
  }
}

/** Fields that were added, changed or removed between two objects. */
export interface Comparison {
  readonly added: FieldSet;
  readonly modified: FieldSet;
  readonly removed: FieldSet;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Structural equality of JSON values (key order does not matter). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k in b && jsonEqual(a[k], b[k]));
}

/** The value without `null`s anywhere: in an applied configuration a null states nothing. */
export function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(withoutNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNulls(v);
  return out;
}

type Indexed = { readonly keys: string[]; readonly items: Map<string, Json> };

/**
 * The items of a list by their path element. `strict`: a missing key or a duplicate is a
 * FieldPathError; otherwise undefined (the list is then tracked whole).
 */
function indexList(node: ApplyNode, list: Json[], path: string[], strict: boolean): Indexed | undefined {
  const keys: string[] = [];
  const items = new Map<string, Json>();
  for (const [i, item] of list.entries()) {
    let element: string;
    if (node.type === 'set') {
      element = valueElement(item);
    } else if (node.type === 'mapList') {
      if (!isObject(item)) {
        if (!strict) return undefined;
        throw new FieldPathError(
          pathString([...path, `i:${i}`]),
          `expected an object, got ${JSON.stringify(item)}`,
        );
      }
      const keyValues: Record<string, Json> = {};
      for (const key of node.keys) {
        const value = item[key] ?? node.defaults[key];
        if (value === undefined || value === null) {
          if (!strict) return undefined;
          throw new FieldPathError(
            pathString([...path, `i:${i}`]),
            `the item has no "${key}", which identifies the items of this list (keys: ${node.keys.join(', ')}); set it`,
          );
        }
        keyValues[key] = value;
      }
      element = keyElement(keyValues);
    } else {
      element = `i:${i}`;
    }
    if (items.has(element)) {
      if (!strict) return undefined;
      throw new FieldPathError(
        pathString([...path, element]),
        'duplicate entry: two items of the list have the same key; remove one',
      );
    }
    keys.push(element);
    items.set(element, item);
  }
  return { keys, items };
}

function asList(v: Json | undefined): Json[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

/**
 * The fields a configuration sets: its leaves and the items of its map lists and sets,
 * as server-side apply makes them the applier's. Objects are not members themselves.
 * Throws FieldPathError for a map list item without its keys or a duplicate.
 */
export function fieldSetOf(node: ApplyNode, value: Json): FieldSet {
  const paths: string[][] = [];
  const walk = (n: ApplyNode, v: Json, path: string[]) => {
    if (v === null) return;
    switch (n.type) {
      case 'struct':
      case 'map':
        if (!isObject(v)) break;
        for (const [k, child] of Object.entries(v)) {
          walk(n.type === 'map' ? n.values : n.field(k), child, [...path, fieldElement(k)]);
        }
        return;
      case 'mapList':
      case 'set': {
        const list = asList(v);
        if (!list) break;
        const indexed = indexList(n, list, path, true) as Indexed;
        for (const element of indexed.keys) {
          paths.push([...path, element]);
          if (n.type === 'mapList') walk(n.items, indexed.items.get(element) as Json, [...path, element]);
        }
        return;
      }
      default:
    }
    if (path.length > 0) paths.push(path);
  };
  walk(node, value, []);
  return FieldSet.build((add) => {
    for (const path of paths) add(path);
  });
}

/**
 * What changed from `before` to `after`: leaves and items added, removed or changed; an
 * object or map that appears or disappears is itself a member when it is a map or empty
 * (as Kubernetes records a new `labels` map as `.`). Lists whose items cannot be told
 * apart (a missing key, a duplicate) compare whole.
 */
export function compare(node: ApplyNode, before: Json | undefined, after: Json | undefined): Comparison {
  const added: string[][] = [];
  const modified: string[][] = [];
  const removed: string[][] = [];
  const leafChange = (a: Json | undefined, b: Json | undefined, path: string[]) => {
    if (path.length === 0) return;
    if (a === undefined) added.push(path);
    else if (b === undefined) removed.push(path);
    else if (!jsonEqual(a, b)) modified.push(path);
  };
  const walk = (n: ApplyNode, a: Json | undefined, b: Json | undefined, path: string[]) => {
    if (a === null) a = undefined;
    if (b === null) b = undefined;
    if (a === undefined && b === undefined) return;
    switch (n.type) {
      case 'struct':
      case 'map': {
        if ((a !== undefined && !isObject(a)) || (b !== undefined && !isObject(b))) break;
        const own = (v: JsonObject) => n.type === 'map' || Object.keys(v).length === 0;
        if (path.length > 0) {
          if (a === undefined && own(b as JsonObject)) added.push(path);
          if (b === undefined && own(a as JsonObject)) removed.push(path);
        }
        const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
        for (const k of keys) {
          const child = n.type === 'map' ? n.values : n.field(k);
          walk(child, (a as JsonObject | undefined)?.[k], (b as JsonObject | undefined)?.[k], [
            ...path,
            fieldElement(k),
          ]);
        }
        return;
      }
      case 'mapList':
      case 'set': {
        const la = a === undefined ? [] : asList(a);
        const lb = b === undefined ? [] : asList(b);
        if (!la || !lb) break;
        const ia = indexList(n, la, path, false);
        const ib = indexList(n, lb, path, false);
        if (!ia || !ib) break;
        for (const element of new Set([...ia.keys, ...ib.keys])) {
          const x = ia.items.get(element);
          const y = ib.items.get(element);
          const itemPath = [...path, element];
          if (x === undefined) added.push(itemPath);
          if (y === undefined) removed.push(itemPath);
          if (n.type === 'mapList') walk(n.items, x, y, itemPath);
        }
        return;
      }
      default:
    }
    leafChange(a, b, path);
  };
  walk(node, before, after, []);
  const setOf = (paths: string[][]) =>
    paths.length === 0
      ? FieldSet.empty
      : FieldSet.build((add) => {
          for (const path of paths) add(path);
        });
  return { added: setOf(added), modified: setOf(modified), removed: setOf(removed) };
}

/**
 * `config` merged into `live`, as server-side apply merges: objects and maps key by key,
 * map lists item by item (shared items in the configuration's order, live-only items where
 * they were, new ones where the configuration puts them), sets as a union, everything else
 * replaced by the configuration's value.
 */
export function mergeApplied(
  node: ApplyNode,
  live: Json | undefined,
  config: Json | undefined,
): Json | undefined {
  if (config === undefined || config === null) return live;
  if (live === undefined || live === null) return config;
  switch (node.type) {
    case 'struct':
    case 'map': {
      if (!isObject(live) || !isObject(config)) return config;
      const out: JsonObject = { ...live };
      for (const [k, v] of Object.entries(config)) {
        const merged = mergeApplied(node.type === 'map' ? node.values : node.field(k), live[k], v);
        if (merged !== undefined) out[k] = merged;
      }
      return out;
    }
    case 'mapList':
    case 'set': {
      const l = asList(live);
      const r = asList(config);
      if (!l || !r) return config;
      const li = indexList(node, l, [], false);
      const ri = indexList(node, r, [], true);
      if (!li || !ri) return config;
      const items = node.type === 'mapList' ? node.items : undefined;
      return mergeLists(li, ri, (x, y) => (items ? (mergeApplied(items, x, y) as Json) : ((y ?? x) as Json)));
    }
    default:
      return config;
  }
}

/** structured-merge-diff's interleaving of two keyed lists. */
function mergeLists(
  lhs: Indexed,
  rhs: Indexed,
  merge: (l: Json | undefined, r: Json | undefined) => Json,
): Json[] {
  const out: Json[] = [];
  const shared = rhs.keys.filter((k) => lhs.items.has(k));
  let nextShared = 0;
  const merged = new Set<string>();
  const advance = (k: string) => {
    if (shared[nextShared] === k) nextShared++;
  };
  let l = 0;
  let r = 0;
  while (l < lhs.keys.length || r < rhs.keys.length) {
    if (l < lhs.keys.length && r < rhs.keys.length) {
      const k = lhs.keys[l] as string;
      if (k === rhs.keys[r]) {
        merged.add(k);
        out.push(merge(lhs.items.get(k), rhs.items.get(k)));
        advance(k);
        l++;
        r++;
        continue;
      }
      if (rhs.items.has(k) && nextShared < shared.length && shared[nextShared] !== k) {
        l++; // Shared, but its turn comes in the configuration's order.
        continue;
      }
    }
    if (l < lhs.keys.length) {
      const k = lhs.keys[l] as string;
      if (!rhs.items.has(k)) {
        out.push(lhs.items.get(k) as Json);
        l++;
        continue;
      }
      if (merged.has(k)) {
        l++;
        continue;
      }
    }
    if (r < rhs.keys.length) {
      const k = rhs.keys[r] as string;
      merged.add(k);
      out.push(merge(lhs.items.get(k), rhs.items.get(k)));
      advance(k);
      r++;
    }
  }
  return out;
}

/** `value` without the members of `set`: fields deleted, list items dropped. */
export function removeFields(node: ApplyNode, value: Json, set: FieldSet): Json {
  if (set.isEmpty()) return value;
  switch (node.type) {
    case 'struct':
    case 'map': {
      if (!isObject(value)) return value;
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const sub = set.children.get(fieldElement(k));
        if (!sub) out[k] = v;
        else if (!sub.member)
          out[k] = removeFields(node.type === 'map' ? node.values : node.field(k), v, sub);
      }
      return out;
    }
    case 'mapList':
    case 'set': {
      const list = asList(value);
      if (!list) return value;
      const indexed = indexList(node, list, [], false);
      if (!indexed) return value;
      const out: Json[] = [];
      for (const element of indexed.keys) {
        const item = indexed.items.get(element) as Json;
        const sub = set.children.get(element);
        if (!sub) out.push(item);
        else if (!sub.member) out.push(node.type === 'mapList' ? removeFields(node.items, item, sub) : item);
      }
      return out;
    }
    default:
      return value;
  }
}
