/**
 * Kubernetes' strategic merge patch, applied to objects in their manifest JSON
 * form. A strategic merge patch is a JSON merge patch (objects merge, `null`
 * removes a key, anything else replaces) in which the fields tagged in
 * patch-strategy.ts merge instead: lists of objects by their merge key
 * (containers by `name`), lists of primitives as sets (finalizers). Directives
 * say what a merge alone cannot:
 *
 * - `$patch: replace` in an object or as an element of a list replaces it whole;
 *   `$patch: delete` in an object empties it, as an element of a list removes
 *   the element with that merge key; `$patch: merge` is the default, spelt out.
 * - `$retainKeys: [..]` clears every key of the live object it does not list.
 * - `$deleteFromPrimitiveList/<field>: [..]` removes those values from a merged list of primitives.
 * - `$setElementOrder/<field>: [..]` orders a merged list: the listed elements
 *   in that order, the elements only the live object has kept near their
 *   neighbours.
 */
import type { Json, JsonObject } from '../manifest/decode.js';
import { lookupField, type PatchMeta, type PatchSchema, schemaOfKind } from './patch-strategy.js';

/** JSON values as manifests hold them: `null | boolean | number | string | Json[] | JsonObject`. */
export type { Json, JsonObject };

/**
 * A patch that cannot be applied or computed. `message` says what is wrong and
 * how to fix it; `path` says where, as `spec.containers[name=web].ports`
 * (empty for the whole object).
 */
export class PatchError extends Error {
  override readonly name = 'PatchError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export const directiveMarker = '$patch';
export const retainKeysDirective = '$retainKeys';
export const setElementOrderPrefix = '$setElementOrder/';
export const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type of a value, which decides whether two values merge or one replaces the other. */
export function jsonType(value: Json): 'null' | 'object' | 'array' | 'string' | 'number' | 'boolean' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'object' | 'string' | 'number' | 'boolean';
}

export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], get(b, k)))
    );
  }
  return false;
}

/** A value's identity as a string: `1` and `"1"` differ, as they do in Kubernetes. */
export function identity(value: Json | undefined): string {
  return JSON.stringify(value) ?? 'undefined';
}

/** `object[key]` if the object has it itself: `constructor` or `__proto__` are keys like any other. */
export function get(object: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Sets `object[key]` as an own property, even for `__proto__`. */
export function set(object: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

export function fieldPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

export function elementPath(
  list: string,
  mergeKey: string | undefined,
  element: Json,
  index: number,
): string {
  if (mergeKey && isObject(element) && element[mergeKey] !== undefined) {
    const key = element[mergeKey];
    return `${list}[${mergeKey}=${typeof key === 'string' ? key : identity(key)}]`;
  }
  return `${list}[${index}]`;
}

/**
 * Whether a list holds objects or primitives; mixed lists and lists of lists
 * cannot be merged.
 */
export function elementKind(path: string, ...lists: Json[][]): 'object' | 'primitive' {
  let kind: 'object' | 'primitive' | undefined;
  for (const list of lists) {
    for (const element of list) {
      if (Array.isArray(element)) {
        throw new PatchError('a list of lists cannot be merged; replace the list instead', path);
      }
      const k = isObject(element) ? 'object' : 'primitive';
      if (kind !== undefined && kind !== k) {
        throw new PatchError(
          'the list mixes objects and primitives and cannot be merged; give every element the same type',
          path,
        );
      }
      kind = k;
    }
  }
  return kind ?? 'primitive';
}

/** The key that identifies an element for ordering: its merge key's value, or the element itself. */
function keyFunction(mergeKey: string | undefined): (element: Json) => string {
  return (element) => identity(mergeKey && isObject(element) ? element[mergeKey] : element);
}

/**
 * Applies a strategic merge patch to `original` (the object in its manifest JSON
 * form, i.e. `<Type>.toJSON`), returning a new object; never mutates its
 * inputs. Throws PatchError for malformed patches and directives.
 */
export function applyStrategicMergePatch(kind: string, original: JsonObject, patch: JsonObject): JsonObject {
  if (!isObject(patch)) throw new PatchError('a strategic merge patch must be a JSON object', '');
  return mergeObject(structuredClone(original), structuredClone(patch), schemaOfKind(kind), '');
}

/** Merges `patch` into `original`, which it changes and returns (or replaces, for a directive). */
function mergeObject(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema | undefined,
  path: string,
): JsonObject {
  const directive = patch[directiveMarker];
  if (directive !== undefined) {
    const { [directiveMarker]: _, ...rest } = patch;
    if (directive === 'delete') return {};
    if (directive === 'replace') return mergeObject({}, rest, schema, path);
    if (directive !== 'merge') {
      throw new PatchError(
        `unknown $patch directive ${identity(directive)}: use "replace", "merge" or "delete"`,
        path,
      );
    }
    patch = rest;
  }
  applyRetainKeys(original, patch, path);

  const ordered = new Set<string>();
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const field = key.slice(setElementOrderPrefix.length);
    ordered.add(field);
    applySetElementOrder(original, patch, field, order, schema, fieldPath(path, field));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (
      key === retainKeysDirective ||
      key.startsWith(setElementOrderPrefix) ||
      key.startsWith(deleteFromPrimitiveListPrefix) ||
      ordered.has(key)
    ) {
      continue;
    }
    mergeField(original, key, value, schema, path);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(deleteFromPrimitiveListPrefix)) {
      deleteFromPrimitiveList(original, key.slice(deleteFromPrimitiveListPrefix.length), value, path);
    }
  }
  return original;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject, path: string): void {
  const retain = patch[retainKeysDirective];
  if (retain === undefined) return;
  if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) {
    throw new PatchError('$retainKeys must be a list of field names', path);
  }
  const keep = new Set<string>(retain as string[]);
  for (const [key, value] of Object.entries(patch)) {
    if (value !== null && !key.startsWith('$') && !keep.has(key)) {
      throw new PatchError(
        `the patch sets ${key} but its $retainKeys does not list it: add ${key} to $retainKeys or remove it from the patch`,
        path,
      );
    }
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

function mergeField(
  original: JsonObject,
  key: string,
  value: Json,
  schema: PatchSchema | undefined,
  path: string,
): void {
  const at = fieldPath(path, key);
  if (value === null) {
    delete original[key];
    return;
  }
  const { meta, schema: sub } = lookupField(schema, key);
  const live = get(original, key);
  let merged: Json | undefined;
  if (live === undefined || jsonType(live) !== jsonType(value)) {
    merged = fresh(value, meta, sub, at);
  } else if (isObject(live) && isObject(value)) {
    merged =
      meta.strategy === 'replace' ? mergeObject({}, value, sub, at) : mergeObject(live, value, sub, at);
  } else if (Array.isArray(live) && Array.isArray(value)) {
    merged = meta.strategy === 'merge' ? mergeList(live, value, meta, sub, at) : freshList(value, sub, at);
  } else {
    merged = value;
  }
  if (merged === undefined) delete original[key];
  else set(original, key, merged);
}

/**
 * A patch value for a key the live object does not have: the value with its
 * directives applied to nothing and its nulls dropped. `undefined` when it
 * deletes itself.
 */
function fresh(
  value: Json,
  meta: PatchMeta,
  schema: PatchSchema | undefined,
  path: string,
): Json | undefined {
  if (isObject(value)) {
    if (value[directiveMarker] === 'delete') return undefined;
    return mergeObject({}, value, schema, path);
  }
  if (Array.isArray(value)) {
    return meta.strategy === 'merge'
      ? mergeList([], value, meta, schema, path)
      : freshList(value, schema, path);
  }
  return value;
}

/** A list that replaces the live one: its object elements with their directives applied to nothing. */
function freshList(list: Json[], schema: PatchSchema | undefined, path: string): Json[] {
  const out: Json[] = [];
  list.forEach((element, i) => {
    const value = fresh(element, {}, schema, `${path}[${i}]`);
    if (value !== undefined) out.push(value);
  });
  return out;
}

function mergeList(
  original: Json[],
  patch: Json[],
  meta: PatchMeta,
  schema: PatchSchema | undefined,
  path: string,
): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const key = keyFunction(meta.mergeKey);
  if (elementKind(path, original, patch) === 'primitive') {
    const seen = new Set<string>();
    const merged = [...original, ...patch].filter((v) => {
      const id = identity(v);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    return orderMerged(merged, patch, original, key);
  }

  const mergeKey = meta.mergeKey;
  if (!mergeKey) {
    throw new PatchError('the list has a merge strategy but no merge key; replace the list instead', path);
  }
  let base = original;
  const items: JsonObject[] = [];
  let replace = false;
  patch.forEach((element, i) => {
    const el = element as JsonObject;
    const directive = el[directiveMarker];
    const at = elementPath(path, mergeKey, el, i);
    if (directive === undefined) {
      items.push(el);
    } else if (directive === 'delete') {
      if (el[mergeKey] === undefined) {
        throw new PatchError(
          `a "$patch: delete" element must name the ${mergeKey} of the element to delete`,
          at,
        );
      }
      const id = identity(el[mergeKey]);
      base = base.filter((o) => key(o) !== id);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      const { [directiveMarker]: _, ...rest } = el;
      if (Object.keys(rest).length > 0) items.push(rest);
    } else {
      throw new PatchError(
        `unknown $patch directive ${identity(directive)}: use "replace", "merge" or "delete"`,
        at,
      );
    }
  });
  if (replace) return items.map((el, i) => mergeObject({}, el, schema, elementPath(path, mergeKey, el, i)));

  const merged = [...base];
  const index = new Map<string, number>();
  merged.forEach((el, i) => {
    const id = key(el);
    if (!index.has(id)) index.set(id, i);
  });
  items.forEach((el, i) => {
    const at = elementPath(path, mergeKey, el, i);
    if (el[mergeKey] === undefined) {
      throw new PatchError(
        `the element has no ${mergeKey}: every element of a list merged by ${mergeKey} must have one`,
        at,
      );
    }
    const id = key(el);
    const found = index.get(id);
    if (found === undefined) {
      index.set(id, merged.length);
      merged.push(mergeObject({}, el, schema, at));
    } else {
      merged[found] = mergeObject(merged[found] as JsonObject, el, schema, at);
    }
  });
  return orderMerged(merged, items, base, key);
}

/**
 * Orders a merged list as Kubernetes does: the elements the patch names in the
 * patch's order, the elements only the live list has in the live order, each
 * of those placed before the first patch element that follows it live.
 */
function orderMerged(
  merged: Json[],
  patchOrder: Json[],
  serverOrder: Json[],
  key: (e: Json) => string,
): Json[] {
  const inPatch = new Set(patchOrder.map(key));
  const patchItems = merged.filter((e) => inPatch.has(key(e)));
  const serverOnly = merged.filter((e) => !inPatch.has(key(e)));
  return mergeSorted(
    sortByOrder(serverOnly, serverOrder, key),
    sortByOrder(patchItems, patchOrder, key),
    serverOrder,
    key,
  );
}

function positions(order: Json[], key: (e: Json) => string): Map<string, number> {
  const at = new Map<string, number>();
  order.forEach((e, i) => {
    const id = key(e);
    if (!at.has(id)) at.set(id, i);
  });
  return at;
}

/** `items` in the order of `order`; items it does not name keep their order, after the others. */
function sortByOrder(items: Json[], order: Json[], key: (e: Json) => string): Json[] {
  const at = positions(order, key);
  const known = items.filter((e) => at.has(key(e)));
  const unknown = items.filter((e) => !at.has(key(e)));
  known.sort((a, b) => (at.get(key(a)) ?? 0) - (at.get(key(b)) ?? 0));
  return [...known, ...unknown];
}

/**
 * Interleaves server-only elements (`left`) into the patch's (`right`), keeping
 * the order within each; a server-only element goes first when the live list
 * has it before the patch element it is compared with.
 */
function mergeSorted(left: Json[], right: Json[], serverOrder: Json[], key: (e: Json) => string): Json[] {
  const at = positions(serverOrder, key);
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++] as Json);
    else if (j >= right.length) out.push(left[i++] as Json);
    else {
      const li = at.get(key(left[i] as Json));
      const ri = at.get(key(right[j] as Json));
      if (li !== undefined && ri !== undefined && li < ri) out.push(left[i++] as Json);
      else out.push(right[j++] as Json);
    }
  }
  return out;
}

function applySetElementOrder(
  original: JsonObject,
  patch: JsonObject,
  field: string,
  order: Json,
  schema: PatchSchema | undefined,
  path: string,
): void {
  if (!Array.isArray(order)) {
    throw new PatchError(`${setElementOrderPrefix}${field} must be a list`, path);
  }
  const { meta, schema: sub } = lookupField(schema, field);
  const live = get(original, field) ?? undefined;
  const patched = get(patch, field);
  if (live !== undefined && !Array.isArray(live)) {
    throw new PatchError(`${setElementOrderPrefix}${field} orders a list, and ${field} is not one`, path);
  }
  if (patched !== undefined && !Array.isArray(patched)) {
    throw new PatchError(
      `${setElementOrderPrefix}${field} orders a list, and the patch's ${field} is not one`,
      path,
    );
  }
  if (live === undefined && patched === undefined) return;
  const key = keyFunction(meta.mergeKey);
  let merged: Json[];
  if (patched === undefined) {
    merged = live ?? [];
  } else {
    checkOrderCoversPatch(patched, order, key, path);
    if (live === undefined) merged = fresh(patched, meta, sub, path) as Json[];
    else if (meta.strategy === 'merge') merged = mergeList(live, patched, meta, sub, path);
    else merged = freshList(patched, sub, path);
  }
  set(original, field, orderMerged(merged, order, live ?? [], key));
}

/** The elements a patch list sets must appear in its `$setElementOrder` list, in the same order. */
function checkOrderCoversPatch(patched: Json[], order: Json[], key: (e: Json) => string, path: string): void {
  const at = positions(order, key);
  let last = -1;
  for (const element of patched) {
    if (isObject(element) && element[directiveMarker] !== undefined) continue;
    const i = at.get(key(element));
    if (i === undefined || i < last) {
      throw new PatchError(
        `the patch list and its ${setElementOrderPrefix} list disagree: ${identity(element)} is missing from the order or out of it; list every element the patch sets, in the same order`,
        path,
      );
    }
    last = i;
  }
}

function deleteFromPrimitiveList(original: JsonObject, field: string, values: Json, path: string): void {
  const at = fieldPath(path, field);
  if (!Array.isArray(values)) {
    throw new PatchError(
      `${deleteFromPrimitiveListPrefix}${field} must be a list of the values to delete`,
      at,
    );
  }
  const live = get(original, field);
  if (live === undefined || live === null) return;
  if (!Array.isArray(live)) {
    throw new PatchError(
      `${deleteFromPrimitiveListPrefix}${field} deletes from a list, and ${field} is not one`,
      at,
    );
  }
  const gone = new Set(values.map(identity));
  set(
    original,
    field,
    live.filter((v) => !gone.has(identity(v))),
  );
}
