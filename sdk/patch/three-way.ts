/**
 * Computing strategic merge patches, as kubectl does: the two-way patch that
 * turns one object into another (`edit`), and the three-way patch of
 * client-side `apply`, which changes the live object to match a manifest while
 * leaving alone whatever the manifest never set (a scaled Deployment's
 * replicas, a finalizer a controller added).
 *
 * A diff of lists follows the fields' strategies: a merging list of objects
 * sends its changed elements by merge key and `$patch: delete` for removed
 * ones, a merging list of primitives sends additions and a
 * `$deleteFromPrimitiveList/` list, both with a `$setElementOrder/` list that
 * fixes the order; any other list is sent whole when it changed.
 */
import { lookupField, type PatchMeta, type PatchSchema, schemaOfKind } from './patch-strategy.js';
import {
  deepEqual,
  deleteFromPrimitiveListPrefix,
  directiveMarker,
  elementKind,
  elementPath,
  fieldPath,
  get,
  identity,
  isObject,
  type Json,
  type JsonObject,
  jsonType,
  PatchError,
  retainKeysDirective,
  set,
  setElementOrderPrefix,
} from './strategic-merge.js';

interface DiffOptions {
  /** Leave out what `from` has and `to` lacks. */
  readonly ignoreDeletions?: boolean;
  /** Leave out what `to` adds or changes. */
  readonly ignoreChangesAndAdditions?: boolean;
  /** Send `$setElementOrder/` lists for merging lists. */
  readonly setElementOrder?: boolean;
}

/** A two-way strategic merge patch turning `from` into `to` (used by `edit`). */
export function createTwoWayMergePatch(kind: string, from: JsonObject, to: JsonObject): JsonObject {
  return diffObjects(from, to, schemaOfKind(kind), { setElementOrder: true }, '', false);
}

/**
 * kubectl's client-side apply patch: from the last-applied configuration, the
 * new manifest and the live object; deletes what was applied before and is no
 * longer in `modified`, never touches fields others set. With `overwrite`
 * false, throws PatchError on a conflict with `current`.
 *
 * The patch is the additions and changes from `current` to `modified` plus the
 * deletions from `original` to `modified`: only what the user once applied is
 * ever deleted.
 */
export function createThreeWayMergePatch(
  kind: string,
  original: JsonObject | undefined,
  modified: JsonObject,
  current: JsonObject,
  opts: { overwrite?: boolean } = {},
): JsonObject {
  const schema = schemaOfKind(kind);
  const last = original ?? {};
  const delta = diffObjects(
    current,
    modified,
    schema,
    { ignoreDeletions: true, setElementOrder: true },
    '',
    false,
  );
  const deletions = diffObjects(
    last,
    modified,
    schema,
    { ignoreChangesAndAdditions: true, setElementOrder: true },
    '',
    false,
  );
  const patch = mergePatches(deletions, delta, schema);
  if (opts.overwrite === false) {
    const changed = diffObjects(last, current, schema, {}, '', false);
    const conflict = findConflict(patch, changed, schema, '', {});
    if (conflict !== undefined) {
      throw new PatchError(
        'the manifest changes a field that was also changed on the live object since it was last applied; ' +
          'apply with overwrite to take the manifest, or update the manifest to the live value',
        conflict,
      );
    }
  }
  return patch;
}

function diffObjects(
  from: JsonObject,
  to: JsonObject,
  schema: PatchSchema | undefined,
  opts: DiffOptions,
  path: string,
  retainKeys: boolean,
): JsonObject {
  const patch: JsonObject = {};
  const retained: string[] = [];
  for (const [key, value] of Object.entries(to)) {
    if (retainKeys && value !== null) retained.push(key);
    const at = fieldPath(path, key);
    const old = get(from, key);
    if (old === undefined || jsonType(old) !== jsonType(value)) {
      if (!opts.ignoreChangesAndAdditions) set(patch, key, value);
      continue;
    }
    const { meta, schema: sub } = lookupField(schema, key);
    if (isObject(old) && isObject(value)) {
      if (meta.strategy === 'replace') {
        if (!opts.ignoreChangesAndAdditions && !deepEqual(old, value)) set(patch, key, value);
        continue;
      }
      const diff = diffObjects(old, value, sub, opts, at, meta.retainKeys === true);
      if (Object.keys(diff).length > 0) set(patch, key, diff);
    } else if (Array.isArray(old) && Array.isArray(value) && meta.strategy === 'merge') {
      diffLists(patch, key, old, value, meta, sub, opts, at);
    } else if (!opts.ignoreChangesAndAdditions && !deepEqual(old, value)) {
      set(patch, key, value);
    }
  }
  if (!opts.ignoreDeletions) {
    for (const key of Object.keys(from)) if (!Object.hasOwn(to, key)) set(patch, key, null);
  }
  const clearsMore = Object.entries(from).some(([k, v]) => v !== null && !Object.hasOwn(to, k));
  if (retained.length > 0 && (Object.keys(patch).length > 0 || clearsMore)) {
    patch[retainKeysDirective] = retained.sort();
  }
  return patch;
}

/** Puts the diff of a merging list into `patch`: the list itself and its parallel directive lists. */
function diffLists(
  patch: JsonObject,
  key: string,
  from: Json[],
  to: Json[],
  meta: PatchMeta,
  schema: PatchSchema | undefined,
  opts: DiffOptions,
  path: string,
): void {
  if (from.length === 0) {
    if (to.length > 0 && !opts.ignoreChangesAndAdditions) set(patch, key, to);
    return;
  }
  if (elementKind(path, from, to) === 'primitive') {
    const fromIds = new Set(from.map(identity));
    const toIds = new Set(to.map(identity));
    const added = opts.ignoreChangesAndAdditions ? [] : unique(to.filter((v) => !fromIds.has(identity(v))));
    const deleted = opts.ignoreDeletions ? [] : unique(from.filter((v) => !toIds.has(identity(v))));
    if (added.length > 0) set(patch, key, added);
    if (deleted.length > 0) patch[`${deleteFromPrimitiveListPrefix}${key}`] = deleted;
    if (
      opts.setElementOrder &&
      ((!opts.ignoreDeletions && deleted.length > 0) ||
        (!opts.ignoreChangesAndAdditions && !deepEqual(from, to)))
    ) {
      patch[`${setElementOrderPrefix}${key}`] = to;
    }
    return;
  }

  const mergeKey = meta.mergeKey;
  if (!mergeKey) throw new PatchError('the list has a merge strategy but no merge key', path);
  const keyOf = (element: Json, i: number, list: string): string => {
    const value = (element as JsonObject)[mergeKey];
    if (value === undefined) {
      throw new PatchError(
        `the element has no ${mergeKey}: every element of a list merged by ${mergeKey} must have one`,
        `${list}[${i}]`,
      );
    }
    return identity(value);
  };
  const fromByKey = new Map<string, JsonObject>();
  from.forEach((el, i) => {
    const id = keyOf(el, i, path);
    if (!fromByKey.has(id)) fromByKey.set(id, el as JsonObject);
  });
  const toKeys = new Set<string>();
  const list: Json[] = [];
  to.forEach((el, i) => {
    const id = keyOf(el, i, path);
    toKeys.add(id);
    const old = fromByKey.get(id);
    if (old === undefined) {
      if (!opts.ignoreChangesAndAdditions) list.push(el);
      return;
    }
    const element = el as JsonObject;
    const diff = diffObjects(
      old,
      element,
      schema,
      opts,
      elementPath(path, mergeKey, el, i),
      meta.retainKeys === true,
    );
    if (Object.keys(diff).length > 0) list.push({ ...diff, [mergeKey]: element[mergeKey] as Json });
  });
  if (!opts.ignoreDeletions) {
    for (const [id, el] of fromByKey) {
      if (!toKeys.has(id)) list.push({ [mergeKey]: el[mergeKey] as Json, [directiveMarker]: 'delete' });
    }
  }
  if (list.length > 0) set(patch, key, list);
  const sameOrder =
    from.length === to.length &&
    from.every(
      (el, i) => identity((el as JsonObject)[mergeKey]) === identity((to[i] as JsonObject)[mergeKey]),
    );
  if (
    opts.setElementOrder &&
    ((!opts.ignoreChangesAndAdditions && (list.length > 0 || !sameOrder)) ||
      (!opts.ignoreDeletions && list.length > 0))
  ) {
    patch[`${setElementOrderPrefix}${key}`] = to.map((el) => ({
      [mergeKey]: (el as JsonObject)[mergeKey] as Json,
    }));
  }
}

function unique(values: Json[]): Json[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const id = identity(v);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Merges two patches into one that does what both do: `over` (additions and
 * changes) into `base` (deletions). Their directive lists are computed from
 * the same manifest, so where both have one they are equal.
 */
function mergePatches(base: JsonObject, over: JsonObject, schema: PatchSchema | undefined): JsonObject {
  for (const [key, value] of Object.entries(over)) {
    const old = get(base, key);
    if (key.startsWith('$') || value === null || old === undefined || jsonType(old) !== jsonType(value)) {
      set(base, key, value);
      continue;
    }
    const { meta, schema: sub } = lookupField(schema, key);
    if (isObject(old) && isObject(value)) {
      set(base, key, meta.strategy === 'replace' ? value : mergePatches(old, value, sub));
    } else if (Array.isArray(old) && Array.isArray(value) && meta.strategy === 'merge') {
      set(base, key, mergePatchLists(old, value, meta.mergeKey, sub));
    } else {
      set(base, key, value);
    }
  }
  for (const [key, order] of Object.entries(base)) {
    const field = key.slice(setElementOrderPrefix.length);
    const list = get(base, field);
    if (!key.startsWith(setElementOrderPrefix) || !Array.isArray(order) || !Array.isArray(list)) continue;
    set(base, field, sortByOrder(list, order, lookupField(schema, field).meta.mergeKey));
  }
  return base;
}

/**
 * A merged patch list in the order of its `$setElementOrder/` list, which the
 * patch's elements must follow; elements it does not name (deletions) go last.
 */
function sortByOrder(list: Json[], order: Json[], mergeKey: string | undefined): Json[] {
  const keyOf = (e: Json) => identity(mergeKey && isObject(e) ? e[mergeKey] : e);
  const at = new Map(order.map((e, i) => [keyOf(e), i]));
  const rank = (e: Json) => (isObject(e) && e[directiveMarker] !== undefined ? undefined : at.get(keyOf(e)));
  return [
    ...list.filter((e) => rank(e) !== undefined).sort((a, b) => (rank(a) ?? 0) - (rank(b) ?? 0)),
    ...list.filter((e) => rank(e) === undefined),
  ];
}

function mergePatchLists(
  base: Json[],
  over: Json[],
  mergeKey: string | undefined,
  schema: PatchSchema | undefined,
): Json[] {
  const out = [...base];
  for (const element of over) {
    const id = identity(mergeKey && isObject(element) ? element[mergeKey] : element);
    const i = out.findIndex((e) => identity(mergeKey && isObject(e) ? e[mergeKey] : e) === id);
    const found = out[i];
    if (found === undefined) out.push(element);
    else if (mergeKey && isObject(found) && isObject(element) && found[directiveMarker] === undefined) {
      out[i] = mergePatches(found, element, schema);
    } else if (mergeKey) out[i] = element;
  }
  return out;
}

/**
 * The path of the first field that `patch` and `changed` both change,
 * differently; `undefined` when they agree. Merging lists of primitives never
 * conflict: adding and removing distinct values commute.
 */
function findConflict(
  patch: Json,
  changed: Json,
  schema: PatchSchema | undefined,
  path: string,
  meta: PatchMeta,
): string | undefined {
  if (isObject(patch)) {
    if (!isObject(changed)) return path;
    const mine = patch[directiveMarker];
    const theirs = changed[directiveMarker];
    if ((mine !== undefined || theirs !== undefined) && mine !== theirs) return path;
    if (meta.strategy === 'replace') return undefined;
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) continue;
      const other = get(changed, key);
      if (other === undefined) continue;
      const field = lookupField(schema, key);
      const found = findConflict(value, other, field.schema, fieldPath(path, key), field.meta);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (Array.isArray(patch)) {
    if (!Array.isArray(changed)) return path;
    if (meta.strategy === 'merge') {
      const mergeKey = meta.mergeKey;
      if (!mergeKey || elementKind(path, patch, changed) === 'primitive') return undefined;
      const theirs = new Map(changed.map((e) => [identity((e as JsonObject)[mergeKey]), e]));
      for (const [i, element] of patch.entries()) {
        const other = theirs.get(identity((element as JsonObject)[mergeKey]));
        if (other === undefined) continue;
        const found = findConflict(element, other, schema, elementPath(path, mergeKey, element, i), {});
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (elementKind(path, patch, changed) === 'primitive') {
      // Lists of primitives agree when they hold the same values, in any order.
      const sorted = (list: Json[]) => [...new Set(list.map(identity))].sort();
      return deepEqual(sorted(patch), sorted(changed)) ? undefined : path;
    }
    return deepEqual(patch, changed) ? undefined : path;
  }
  return deepEqual(patch, changed) ? undefined : path;
}
