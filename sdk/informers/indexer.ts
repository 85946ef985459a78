/**
 * An informer's local cache: the objects by key, plus indexes that answer "which
 * objects have this value" without a scan (the pods of a namespace, the pods bound to a
 * node). An index function returns the values an object is filed under; an object may
 * be filed under several, or none.
 */
import type { KindObject } from '../kind-registry.js';
import { keyOf } from './types.js';

export type IndexFunc<T> = (obj: T) => readonly string[];

export const NAMESPACE_INDEX = 'namespace';
export const NODE_NAME_INDEX = 'spec.nodeName';

export const indexByNamespace: IndexFunc<KindObject> = (obj) => [obj.metadata?.namespace ?? ''];

/** Pods by the node they are bound to; unbound pods are filed under no node. */
export const indexByNodeName: IndexFunc<KindObject> = (obj) => {
  const node = (obj as { spec?: { nodeName?: string } }).spec?.nodeName ?? '';
  return node === '' ? [] : [node];
};

export class Indexer<T extends KindObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → value → keys. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Readonly<Record<string, IndexFunc<T>>> = {}) {
    this.addIndexers({ [NAMESPACE_INDEX]: indexByNamespace, ...indexers });
  }

  /** Adds indexes; the objects already cached are filed at once. A name may be added once. */
  addIndexers(indexers: Readonly<Record<string, IndexFunc<T>>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`index "${name}" exists already`);
      this.indexers.set(name, fn);
      this.indices.set(name, new Map());
      for (const [key, obj] of this.items) this.file(name, fn, key, obj);
    }
  }

  hasIndex(name: string): boolean {
    return this.indexers.has(name);
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  /** The objects filed under `value` in index `name`. */
  byIndex(name: string, value: string): T[] {
    const keys = this.indexOf(name).get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const key of keys) {
      const obj = this.items.get(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Stores `obj` under its key; returns what it replaced. */
  set(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      if (!old) {
        this.file(name, fn, key, obj);
        continue;
      }
      // Most updates (status writes) keep every index value: the key then stays where it
      // is filed, rather than leaving and re-entering each set.
      const before = fn(old);
      const after = fn(obj);
      if (before.length === after.length && before.every((v, i) => v === after[i])) continue;
      this.unfile(name, before, key);
      this.file(name, fn, key, obj);
    }
    return old;
  }

  /** Removes the object at `key`; returns it. */
  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unfileAll(key, old);
    this.items.delete(key);
    return old;
  }

  private indexOf(name: string): Map<string, Set<string>> {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no index "${name}"`);
    return index;
  }

  private file(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const index = this.indexOf(name);
    for (const value of fn(obj)) {
      let keys = index.get(value);
      if (!keys) {
        keys = new Set();
        index.set(value, keys);
      }
      keys.add(key);
    }
  }

  private unfileAll(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) this.unfile(name, fn(obj), key);
  }

  private unfile(name: string, values: readonly string[], key: string): void {
    const index = this.indexOf(name);
    for (const value of values) {
      const keys = index.get(value);
      keys?.delete(key);
      if (keys?.size === 0) index.delete(value);
    }
  }
}
