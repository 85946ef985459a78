/**
 * JSON Patch (RFC 6902) over JSON Pointers (RFC 6901): the form in which mutating
 * webhooks return their changes. A patch applies as a whole or not at all: the
 * document given is never modified, and any failing operation (including a failed
 * `test`) throws a JsonPatchError naming the operation.
 */
import type { Json, JsonObject } from '../../../sdk/manifest/index.js';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
}

/** Parses a patch document (the bytes a webhook sent) and checks the shape of each operation. */
export function parseJsonPatch(text: string): JsonPatchOperation[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new JsonPatchError(`the patch is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new JsonPatchError('a JSON Patch must be an array of operations');
  return doc.map((raw: unknown, i) => parseOperation(raw, i));
}

function parseOperation(raw: unknown, i: number): JsonPatchOperation {
  if (!isObject(raw)) throw new JsonPatchError(`operation ${i}: expected an object`);
  const { op, path, from } = raw;
  const str = (v: unknown, field: string): string => {
    if (typeof v !== 'string')
      throw new JsonPatchError(`operation ${i} (${String(op)}): "${field}" must be a string`);
    return v;
  };
  switch (op) {
    case 'add':
    case 'replace':
    case 'test':
      if (!('value' in raw)) throw new JsonPatchError(`operation ${i} (${op}): "value" is required`);
      return { op, path: str(path, 'path'), value: raw.value as Json };
    case 'remove':
      return { op, path: str(path, 'path') };
    case 'move':
    case 'copy':
      return { op, from: str(from, 'from'), path: str(path, 'path') };
    default:
      throw new JsonPatchError(`operation ${i}: unknown op ${JSON.stringify(op)}`);
  }
}

/** Applies `patch` to a copy of `doc` and returns the copy. */
export function applyJsonPatch(doc: Json, patch: readonly JsonPatchOperation[]): Json {
  let result = structuredClone(doc);
  patch.forEach((operation, i) => {
    try {
      result = applyOperation(result, operation);
    } catch (err) {
      if (err instanceof JsonPatchError) {
        throw new JsonPatchError(`operation ${i} (${operation.op} ${operation.path}): ${err.message}`);
      }
      throw err;
    }
  });
  return result;
}

function applyOperation(doc: Json, operation: JsonPatchOperation): Json {
  switch (operation.op) {
    case 'add':
      return add(doc, parsePointer(operation.path), structuredClone(operation.value));
    case 'remove':
      return remove(doc, parsePointer(operation.path)).doc;
    case 'replace': {
      const tokens = parsePointer(operation.path);
      const removed = remove(doc, tokens);
      return add(removed.doc, tokens, structuredClone(operation.value));
    }
    case 'move': {
      const from = parsePointer(operation.from);
      const to = parsePointer(operation.path);
      if (to.length > from.length && from.every((t, i) => t === to[i])) {
        throw new JsonPatchError(`cannot move ${operation.from} into one of its own children`);
      }
      const removed = remove(doc, from);
      return add(removed.doc, to, removed.value);
    }
    case 'copy':
      return add(doc, parsePointer(operation.path), structuredClone(get(doc, parsePointer(operation.from))));
    case 'test': {
      const actual = get(doc, parsePointer(operation.path));
      if (!deepEqual(actual, operation.value)) {
        throw new JsonPatchError(`test failed: the value is ${JSON.stringify(actual)}`);
      }
      return doc;
    }
  }
}

/** The reference tokens of a JSON Pointer; [] is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw new JsonPatchError(`"${pointer}" is not a JSON Pointer: it must start with /`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Json, tokens: readonly string[]): Json {
  let node = doc;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      const value = node[arrayIndex(token, node.length - 1)];
      if (value === undefined) throw new JsonPatchError(`index ${token} is out of range`);
      node = value;
    } else if (isObject(node) && Object.hasOwn(node, token)) {
      node = node[token] as Json;
    } else {
      throw new JsonPatchError(`no value at ${token === '' ? 'the empty key' : `"${token}"`}`);
    }
  }
  return node;
}

/** The container that holds the last token's value, and that token. */
function parentOf(doc: Json, tokens: readonly string[]): { parent: Json; last: string } {
  const last = tokens[tokens.length - 1];
  if (last === undefined) throw new Error('parentOf called for the root');
  return { parent: get(doc, tokens.slice(0, -1)), last };
}

function add(doc: Json, tokens: readonly string[], value: Json): Json {
  if (tokens.length === 0) return value;
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : arrayIndex(last, parent.length);
    parent.splice(index, 0, value);
  } else if (isObject(parent)) {
    parent[last] = value;
  } else {
    throw new JsonPatchError(`the parent of "${last}" is neither an object nor an array`);
  }
  return doc;
}

function remove(doc: Json, tokens: readonly string[]): { doc: Json; value: Json } {
  if (tokens.length === 0) return { doc: null, value: doc };
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const index = arrayIndex(last, parent.length - 1);
    const [value] = parent.splice(index, 1);
    return { doc, value: value as Json };
  }
  if (isObject(parent) && Object.hasOwn(parent, last)) {
    const value = parent[last] as Json;
    delete parent[last];
    return { doc, value };
  }
  throw new JsonPatchError(`no value at "${last}"`);
}

/** An array index token, at most `max`: digits without leading zeros (RFC 6901 §4). */
function arrayIndex(token: string, max: number): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError(`"${token}" is not an array index`);
  const index = Number(token);
  if (index > max) throw new JsonPatchError(`index ${index} is out of range`);
  return index;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i] as Json));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k] as Json, b[k] as Json))
    );
  }
  return false;
}
