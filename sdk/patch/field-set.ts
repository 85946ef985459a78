/**
 * Sets of field paths, as server-side apply records who owns what: a tree whose edges are
 * path elements written as Kubernetes writes them in `metadata.managedFields[].fieldsV1`:
 *
 * - `f:<name>`: a field of an object or a key of a map;
 * - `k:<json>`: an item of a list keyed by its merge keys (`k:{"name":"nginx"}`,
 *   `k:{"containerPort":80,"protocol":"TCP"}`), the keys sorted by name;
 * - `v:<json>`: an item of a set (a list of primitives such as `finalizers`);
 * - `i:<index>`: an item of a list with neither.
 *
 * A node is a member of the set itself (`.` in fieldsV1) or only leads to members below it.
 * Leaves are always members. Sets are values: every operation returns a new set.
 */
import type { Json, JsonObject } from '../manifest/index.js';

export class FieldSet {
  private constructor(
    /** Whether the path leading here is itself in the set. */
    readonly member: boolean,
    readonly children: ReadonlyMap<string, FieldSet>,
  ) {}

  static readonly empty: FieldSet = new FieldSet(false, new Map());
  /** A member with nothing below it. */
  static readonly leaf: FieldSet = new FieldSet(true, new Map());

  /** @internal The node itself; `children` is taken, not copied. */
  static create(member: boolean, children: Map<string, FieldSet>): FieldSet {
    return new FieldSet(member, children);
  }

  /** A set of the given paths, each a list of path elements (`['f:spec', 'f:replicas']`). */
  static of(...paths: readonly (readonly string[])[]): FieldSet {
    let set = FieldSet.empty;
    for (const path of paths) set = set.with(path);
    return set;
  }

  /**
   * A set built by adding paths one at a time (`add(['f:spec', 'f:replicas'])`): cheaper
   * than `with` for many paths, which copies the nodes along each path.
   */
  static build(fill: (add: (path: readonly string[]) => void) => void): FieldSet {
    const root: BuildNode = { member: false, children: new Map() };
    fill((path) => {
      let node = root;
      for (const element of path) {
        let child = node.children.get(element);
        if (!child) {
          child = { member: false, children: new Map() };
          node.children.set(element, child);
        }
        node = child;
      }
      node.member = true;
    });
    return freeze(root);
  }

  /**
   * Reads a `fieldsV1` tree. Throws an Error saying where for anything that is not one:
   * a key that is not a path element, a value that is not an object.
   */
  static fromFieldsV1(json: Json | undefined, where = 'fieldsV1'): FieldSet {
    if (json === undefined || json === null) return FieldSet.empty;
    if (typeof json !== 'object' || Array.isArray(json)) {
      throw new Error(`${where}: expected an object of path elements, got ${JSON.stringify(json)}`);
    }
    let member = false;
    const children = new Map<string, FieldSet>();
    for (const [key, value] of Object.entries(json)) {
      if (key === '.') {
        member = true;
        continue;
      }
      if (!/^[fkvi]:/.test(key)) {
        throw new Error(
          `${where}: "${key}" is not a path element; use f:<field>, k:<keys>, v:<value> or i:<index>`,
        );
      }
      const child = FieldSet.fromFieldsV1(value, `${where}.${key}`);
      // `{}` is a leaf: a member with nothing below it.
      children.set(key, child.children.size === 0 ? FieldSet.leaf : child);
    }
    return new FieldSet(member, children);
  }

  /** The `fieldsV1` tree: `.` first, then the elements in order (fields, keys, values, indexes). */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    const size = this.children.size;
    if (size === 0) return out;
    if (this.member) out['.'] = {};
    if (size === 1) {
      for (const [key, child] of this.children) out[key] = child.toFieldsV1();
      return out;
    }
    const keys = [...this.children.keys()].sort(comparePathElements);
    for (const key of keys) out[key] = (this.children.get(key) as FieldSet).toFieldsV1();
    return out;
  }

  /**
   * `JSON.stringify(this.toFieldsV1())`, written directly: the text a managed-fields entry
   * carries, without building the tree first (a created Pod's set has hundreds of nodes).
   */
  toFieldsV1Text(): string {
    const size = this.children.size;
    if (size === 0) return '{}';
    let out = this.member ? '{".":{}' : '{';
    let first = !this.member;
    const keys = size === 1 ? this.children.keys() : [...this.children.keys()].sort(comparePathElements);
    for (const key of keys) {
      out += `${first ? '' : ','}${quoted(key)}:${(this.children.get(key) as FieldSet).toFieldsV1Text()}`;
      first = false;
    }
    return `${out}}`;
  }

  isEmpty(): boolean {
    return !this.member && this.children.size === 0;
  }

  /** Whether every member of `other` is a member of this set. */
  includesAll(other: FieldSet): boolean {
    if (other.member && !this.member) return false;
    for (const [key, theirs] of other.children) {
      const mine = this.children.get(key);
      if (mine === undefined ? !theirs.isEmpty() : !mine.includesAll(theirs)) return false;
    }
    return true;
  }

  /** Whether this set and `other` have a member in common. */
  intersects(other: FieldSet): boolean {
    if (this.member && other.member) return true;
    for (const [key, theirs] of other.children) {
      const mine = this.children.get(key);
      if (mine?.intersects(theirs)) return true;
    }
    return false;
  }

  /** The node at `path`, or undefined when the set has nothing there. */
  at(path: readonly string[]): FieldSet | undefined {
    let node: FieldSet | undefined = this;
    for (const element of path) {
      node = node.children.get(element);
      if (!node) return undefined;
    }
    return node;
  }

  /** Whether the path itself is in the set. */
  has(path: readonly string[]): boolean {
    return this.at(path)?.member === true;
  }

  /** This set with `path` added. */
  with(path: readonly string[]): FieldSet {
    if (path.length === 0) return this.member ? this : new FieldSet(true, this.children);
    const [head, ...rest] = path as [string, ...string[]];
    const children = new Map(this.children);
    children.set(head, (this.children.get(head) ?? FieldSet.empty).with(rest));
    return new FieldSet(this.member, children);
  }

  /** This set with everything at and below `path` taken out. */
  withoutSubtree(path: readonly string[]): FieldSet {
    if (path.length === 0) return FieldSet.empty;
    const [head, ...rest] = path as [string, ...string[]];
    const child = this.children.get(head);
    if (!child) return this;
    const children = new Map(this.children);
    const next = child.withoutSubtree(rest);
    if (next.isEmpty()) children.delete(head);
    else children.set(head, next);
    return new FieldSet(this.member, children);
  }

  /** This set without the children of the node at `path` named in `elements`, or everything below them. */
  withoutChildren(path: readonly string[], elements: ReadonlySet<string>): FieldSet {
    if (path.length > 0) {
      const [head, ...rest] = path as [string, ...string[]];
      const child = this.children.get(head);
      if (!child) return this;
      const next = child.withoutChildren(rest, elements);
      if (next === child) return this;
      const children = new Map(this.children);
      if (next.isEmpty()) children.delete(head);
      else children.set(head, next);
      return new FieldSet(this.member, children);
    }
    let children: Map<string, FieldSet> | undefined;
    for (const key of this.children.keys()) {
      if (!elements.has(key)) continue;
      children ??= new Map(this.children);
      children.delete(key);
    }
    return children ? new FieldSet(this.member, children) : this;
  }

  /** Only what is at and below `path`. */
  onlySubtree(path: readonly string[]): FieldSet {
    const node = this.at(path);
    if (!node || node.isEmpty()) return FieldSet.empty;
    let out = node;
    for (let i = path.length - 1; i >= 0; i--) out = new FieldSet(false, new Map([[path[i] as string, out]]));
    return out;
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const children = new Map(this.children);
    for (const [key, child] of other.children) {
      const mine = children.get(key);
      children.set(key, mine ? mine.union(child) : child);
    }
    return new FieldSet(this.member || other.member, children);
  }

  intersection(other: FieldSet): FieldSet {
    const children = new Map<string, FieldSet>();
    for (const [key, child] of this.children) {
      const theirs = other.children.get(key);
      if (!theirs) continue;
      const both = child.intersection(theirs);
      if (!both.isEmpty()) children.set(key, both);
    }
    return new FieldSet(this.member && other.member, children);
  }

  /** The members of this set that are not members of `other`. */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    const children = new Map<string, FieldSet>();
    for (const [key, child] of this.children) {
      const theirs = other.children.get(key);
      const rest = theirs ? child.difference(theirs) : child;
      if (!rest.isEmpty()) children.set(key, rest);
    }
    return new FieldSet(this.member && !other.member, children);
  }

  equals(other: FieldSet): boolean {
    if (this.member !== other.member || this.children.size !== other.children.size) return false;
    for (const [key, child] of this.children) {
      const theirs = other.children.get(key);
      if (!theirs || !child.equals(theirs)) return false;
    }
    return true;
  }

  /** Every member path, parents before children, in fieldsV1 order. */
  paths(): string[][] {
    const out: string[][] = [];
    const walk = (node: FieldSet, prefix: string[]) => {
      if (node.member && prefix.length > 0) out.push(prefix);
      for (const key of [...node.children.keys()].sort(comparePathElements)) {
        walk(node.children.get(key) as FieldSet, [...prefix, key]);
      }
    };
    walk(this, []);
    return out;
  }
}

interface BuildNode {
  member: boolean;
  children: Map<string, BuildNode>;
}

/** Path elements as JSON strings, remembered: the same few hundred names recur in every set. */
const quotedElements = new Map<string, string>();
const QUOTED_ELEMENTS_MAX = 8192;

function quoted(element: string): string {
  let q = quotedElements.get(element);
  if (q === undefined) {
    q = JSON.stringify(element);
    if (quotedElements.size >= QUOTED_ELEMENTS_MAX) quotedElements.clear();
    quotedElements.set(element, q);
  }
  return q;
}

function freeze(node: BuildNode): FieldSet {
  if (node.children.size === 0 && node.member) return FieldSet.leaf;
  const children = new Map<string, FieldSet>();
  for (const [key, child] of node.children) children.set(key, freeze(child));
  return FieldSet.create(node.member, children);
}

const elementOrder = { f: 0, k: 1, v: 2, i: 3 } as const;

/** The order of path elements in fieldsV1: fields, keys, values, then indexes by number. */
export function comparePathElements(a: string, b: string): number {
  const ka = elementOrder[a[0] as keyof typeof elementOrder] ?? 4;
  const kb = elementOrder[b[0] as keyof typeof elementOrder] ?? 4;
  if (ka !== kb) return ka - kb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `f:<name>` */
export function fieldElement(name: string): string {
  return `f:${name}`;
}

/** `k:{"a":1,"b":"x"}` for the merge keys of a list item, sorted by key name. */
export function keyElement(keys: Readonly<Record<string, Json>>): string {
  const sorted: JsonObject = {};
  for (const name of Object.keys(keys).sort()) sorted[name] = keys[name] as Json;
  return `k:${JSON.stringify(sorted)}`;
}

/** `v:<json>` for an item of a set. */
export function valueElement(value: Json): string {
  return `v:${JSON.stringify(value)}`;
}

/**
 * A path as Kubernetes prints it in conflicts: `.spec.replicas`,
 * `.spec.containers[name="nginx"].image`, `.metadata.finalizers[="x"]`, `.spec.args[0]`.
 */
export function pathString(path: readonly string[]): string {
  let out = '';
  for (const element of path) {
    const body = element.slice(2);
    switch (element[0]) {
      case 'f':
        out += `.${body}`;
        break;
      case 'k': {
        const keys = JSON.parse(body) as JsonObject;
        out += `[${Object.entries(keys)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
        break;
      }
      case 'v':
        out += `[=${body}]`;
        break;
      default:
        out += `[${body}]`;
    }
  }
  return out;
}
