/**
 * JSON Patch (RFC 6902): a list of operations (add, remove, replace, move, copy, test)
 * on JSON Pointers (RFC 6901), applied all or nothing. Kubernetes accepts it as
 * `application/json-patch+json`; here it is PatchType JSON.
 */
import type { Json, JsonObject } from '../manifest/decode.js';

export type { Json, JsonObject };

/**
 * A patch that cannot be applied: malformed, or an operation that does not fit the
 * document (a missing path, a failed `test`). `path` is the JSON Pointer of the operation
 * (or of the patch document's own part that is malformed, such as `/2/op`), for callers
 * that report field paths.
 */
export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
  constructor(
    message: string,
    readonly path: string,
    /** True when a `test` operation found a different value: the patch is well formed. */
    readonly testFailed = false,
  ) {
    super(message);
  }
}

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

const ops = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * Checks that `patch` is a JSON Patch document (an array of operations, each with a known
 * `op`, a `path`, and the `value` or `from` its op needs) and returns it typed.
 */
export function parseJsonPatch(patch: unknown): JsonPatchOperation[] {
  if (!Array.isArray(patch)) {
    throw new JsonPatchError(
      `a JSON patch must be an array of operations such as [{"op": "replace", "path": "/spec/replicas", "value": 3}], got ${kindOf(patch)}`,
      '',
    );
  }
  return patch.map((raw: unknown, i): JsonPatchOperation => {
    if (!isObject(raw))
      throw new JsonPatchError(`operation ${i}: expected an object, got ${kindOf(raw)}`, `/${i}`);
    const { op, path } = raw;
    if (typeof op !== 'string' || !ops.has(op)) {
      throw new JsonPatchError(
        `operation ${i}: "op" must be one of add, remove, replace, move, copy, test, got ${JSON.stringify(op ?? null)}`,
        `/${i}/op`,
      );
    }
    if (typeof path !== 'string') {
      throw new JsonPatchError(`operation ${i} (${op}): "path" must be a JSON pointer string`, `/${i}/path`);
    }
    parsePointer(path, `operation ${i} (${op})`);
    switch (op) {
      case 'add':
      case 'replace':
      case 'test':
        if (!('value' in raw) || raw.value === undefined) {
          throw new JsonPatchError(`operation ${i} (${op} ${path}): "value" is required`, `/${i}/value`);
        }
        return { op, path, value: raw.value as Json };
      case 'remove':
        return { op, path };
      default: {
        const { from } = raw;
        if (typeof from !== 'string') {
          throw new JsonPatchError(
            `operation ${i} (${op} ${path}): "from" must be a JSON pointer string`,
            `/${i}/from`,
          );
        }
        parsePointer(from, `operation ${i} (${op})`);
        return { op: op as 'move' | 'copy', from, path };
      }
    }
  });
}

/**
 * Applies a JSON Patch to `document` and returns the result; `document` is not changed.
 * Either every operation applies or the call throws a JsonPatchError naming the first
 * that did not. The result shares the parts no operation changed with `document`
 * (copy on write: only the objects and arrays on the path of a change are copied), so
 * a caller that changes one of the two afterwards copies it first.
 */
export function applyJsonPatch(document: Json, patch: unknown): Json {
  const operations = parseJsonPatch(patch);
  // A holder lets the root ("" pointer) be replaced like any member; `owned` holds the
  // containers this call made, which it may change in place.
  const root: Root = { doc: document, owned: new Set() };
  operations.forEach((operation, i) => {
    const where = `operation ${i} (${operation.op} ${operation.path})`;
    const path = parsePointer(operation.path, where);
    switch (operation.op) {
      case 'add':
        add(root, path, structuredClone(operation.value), where, operation.path);
        break;
      case 'remove':
        remove(root, path, where, operation.path);
        break;
      case 'replace':
        if (path.length === 0) {
          root.doc = structuredClone(operation.value);
          break;
        }
        remove(root, path, where, operation.path);
        add(root, path, structuredClone(operation.value), where, operation.path);
        break;
      case 'move': {
        const from = parsePointer(operation.from, where);
        if (operation.from === operation.path) break;
        if (isProperPrefix(from, path)) {
          throw new JsonPatchError(
            `${where}: cannot move "${operation.from}" into one of its own children`,
            operation.path,
          );
        }
        const value = remove(root, from, where, operation.from);
        add(root, path, value, where, operation.path);
        break;
      }
      case 'copy': {
        const value = get(root, parsePointer(operation.from, where), where, operation.from);
        add(root, path, structuredClone(value), where, operation.path);
        break;
      }
      case 'test': {
        const value = get(root, path, where, operation.path);
        if (!jsonEqual(value, operation.value)) {
          throw new JsonPatchError(
            `${where}: test failed: the value is ${truncated(value)}, not ${truncated(operation.value)}`,
            operation.path,
            true,
          );
        }
        break;
      }
    }
  });
  return root.doc;
}

/** The reference tokens of a JSON Pointer ("" is the whole document), unescaped. */
export function parsePointer(pointer: string, where = 'pointer'): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new JsonPatchError(`${where}: "${pointer}" is not a JSON pointer: it must start with "/"`, pointer);
  }
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) {
        throw new JsonPatchError(
          `${where}: "${pointer}" has a bad escape: "~" must be followed by 0 (for "~") or 1 (for "/")`,
          pointer,
        );
      }
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** A JSON Pointer from reference tokens: `~` and `/` escaped. */
export function formatPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Structural equality of JSON values: object members in any order, numbers by value. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

type Container = JsonObject | Json[];

/** The document being patched, and the containers of it that are this patch's own copies. */
interface Root {
  doc: Json;
  readonly owned: Set<Container>;
}

/** `node` as a container this patch owns: itself when already a copy, else a shallow copy. */
function own(root: Root, node: Container): Container {
  if (root.owned.has(node)) return node;
  const copy: Container = Array.isArray(node) ? node.slice() : { ...node };
  root.owned.add(copy);
  return copy;
}

/**
 * The container that holds the last token of `path`, and that token. With `writable`,
 * every container on the way is made the patch's own copy first (and put in place of the
 * original in its own parent), so that the caller may change the one returned.
 */
function parentOf(
  root: Root,
  path: string[],
  where: string,
  pointer: string,
  writable = false,
): { parent: Container | Root; key: string } {
  if (path.length === 0) return { parent: root, key: 'doc' };
  let node: Json = root.doc;
  if (writable && (isObject(node) || Array.isArray(node))) {
    node = own(root, node);
    root.doc = node;
  }
  for (let i = 0; i < path.length - 1; i++) {
    const token = path[i] as string;
    let next = child(node, token);
    if (next === undefined) {
      throw new JsonPatchError(
        `${where}: "${formatPointer(path.slice(0, i + 1))}" does not exist in the object`,
        pointer,
      );
    }
    if (writable && (isObject(next) || Array.isArray(next))) {
      const copy = own(root, next);
      if (copy !== next) {
        setChild(node as Container, token, copy);
        next = copy;
      }
    }
    node = next;
  }
  if (!isObject(node) && !Array.isArray(node)) {
    throw new JsonPatchError(
      `${where}: "${formatPointer(path.slice(0, -1))}" is ${kindOf(node)}, not an object or array`,
      pointer,
    );
  }
  return { parent: node, key: path[path.length - 1] as string };
}

/** Puts `value` at an existing member or index of a container the patch owns. */
function setChild(node: Container, token: string, value: Json): void {
  if (Array.isArray(node)) node[arrayIndex(token) as number] = value;
  else node[token] = value;
}

function child(node: Json, token: string): Json | undefined {
  if (Array.isArray(node)) {
    const i = arrayIndex(token);
    return i === undefined ? undefined : node[i];
  }
  if (isObject(node)) return Object.hasOwn(node, token) ? node[token] : undefined;
  return undefined;
}

function get(root: Root, path: string[], where: string, pointer: string): Json {
  if (path.length === 0) return root.doc;
  const { parent, key } = parentOf(root, path, where, pointer);
  const value = child(parent as Json, key);
  if (value === undefined)
    throw new JsonPatchError(`${where}: "${pointer}" does not exist in the object`, pointer);
  return value;
}

function add(root: Root, path: string[], value: Json, where: string, pointer: string): void {
  const { parent, key } = parentOf(root, path, where, pointer, true);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : arrayIndex(key);
    if (i === undefined || i > parent.length) {
      throw new JsonPatchError(
        `${where}: "${key}" is not an index of the array at "${formatPointer(path.slice(0, -1))}" (0 to ${parent.length}, or "-" to append)`,
        pointer,
      );
    }
    parent.splice(i, 0, value);
    return;
  }
  (parent as Record<string, Json>)[key] = value;
}

function remove(root: Root, path: string[], where: string, pointer: string): Json {
  if (path.length === 0) {
    throw new JsonPatchError(`${where}: the whole document cannot be removed`, pointer);
  }
  const { parent, key } = parentOf(root, path, where, pointer, true);
  const value = child(parent as Json, key);
  if (value === undefined)
    throw new JsonPatchError(`${where}: "${pointer}" does not exist in the object`, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key) as number, 1);
  else delete (parent as Record<string, Json>)[key];
  return value;
}

/** An array index token: digits without leading zeros. */
function arrayIndex(token: string): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  return Number.isSafeInteger(i) ? i : undefined;
}

function isProperPrefix(prefix: string[], path: string[]): boolean {
  return prefix.length < path.length && prefix.every((t, i) => t === path[i]);
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v === 'string' ? 'a string' : typeof v === 'undefined' ? 'nothing' : `a ${typeof v}`}`;
}

function truncated(v: Json): string {
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
