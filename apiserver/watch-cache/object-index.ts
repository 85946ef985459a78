/**
 * The cache's current objects by key, iterable in key order under a prefix. A map
 * answers gets; a sorted array of keys answers ranges. Inserting or removing a key
 * moves part of the array, which for tens of thousands of keys costs microseconds and
 * keeps memory at one string reference per key (no tree nodes).
 */
export class ObjectIndex<E> {
  private readonly byKey = new Map<string, E>();
  private keys: string[] = [];

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): E | undefined {
    return this.byKey.get(key);
  }

  set(key: string, entry: E): void {
    if (!this.byKey.has(key)) {
      const last = this.keys[this.keys.length - 1];
      // Keys mostly arrive in order on a list: append without searching.
      if (last === undefined || last < key) this.keys.push(key);
      else this.keys.splice(lowerBound(this.keys, key), 0, key);
    }
    this.byKey.set(key, entry);
  }

  delete(key: string): boolean {
    if (!this.byKey.delete(key)) return false;
    this.keys.splice(lowerBound(this.keys, key), 1);
    return true;
  }

  clear(): void {
    this.byKey.clear();
    this.keys = [];
  }

  /** Calls `visit` for every entry whose key starts with `prefix`, in key order. */
  scan(prefix: string, visit: (entry: E) => void): void {
    for (let i = lowerBound(this.keys, prefix); i < this.keys.length; i++) {
      const key = this.keys[i]!;
      if (!key.startsWith(prefix)) return;
      visit(this.byKey.get(key)!);
    }
  }
}

/** The index of the first key not less than `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
