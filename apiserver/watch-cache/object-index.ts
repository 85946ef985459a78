/**
 * The cache's current objects by key, iterable in key order under a prefix. A map
 * answers gets; the keys, in order, answer ranges. They are kept in chunks of at most
 * CHUNK_KEYS (none empty, each sorted, each after the one before): inserting or
 * removing a key moves at most a chunk's references, where one sorted array moved half
 * of them (tens of thousands for the Pods of a large cluster, on every create and
 * delete), and memory stays about one string reference per key (no tree nodes).
 */
const CHUNK_KEYS = 512;

export class ObjectIndex<E> {
  private readonly byKey = new Map<string, E>();
  private chunks: string[][] = [];

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): E | undefined {
    return this.byKey.get(key);
  }

  set(key: string, entry: E): void {
    if (!this.byKey.has(key)) this.insertKey(key);
    this.byKey.set(key, entry);
  }

  delete(key: string): boolean {
    if (!this.byKey.delete(key)) return false;
    const c = this.chunkOf(key);
    const chunk = this.chunks[c]!;
    chunk.splice(lowerBound(chunk, key), 1);
    if (chunk.length === 0) this.chunks.splice(c, 1);
    return true;
  }

  clear(): void {
    this.byKey.clear();
    this.chunks = [];
  }

  /** Calls `visit` for every entry whose key starts with `prefix`, in key order. */
  scan(prefix: string, visit: (entry: E) => void): void {
    if (this.chunks.length === 0) return;
    const first = this.chunkOf(prefix);
    let i = lowerBound(this.chunks[first]!, prefix);
    for (let c = first; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c]!;
      for (; i < chunk.length; i++) {
        const key = chunk[i]!;
        if (!key.startsWith(prefix)) return;
        visit(this.byKey.get(key)!);
      }
    }
  }

  private insertKey(key: string): void {
    const last = this.chunks.at(-1);
    if (last === undefined || last.at(-1)! < key) {
      // Keys mostly arrive in order on a list: append, in a new chunk once the last is full.
      if (last === undefined || last.length >= CHUNK_KEYS) this.chunks.push([key]);
      else last.push(key);
      return;
    }
    const c = this.chunkOf(key);
    const chunk = this.chunks[c]!;
    chunk.splice(lowerBound(chunk, key), 0, key);
    if (chunk.length > CHUNK_KEYS) this.chunks.splice(c + 1, 0, chunk.splice(chunk.length >>> 1));
  }

  /** The chunk `key` belongs in: the last whose first key is not after it (the first if none). Chunks exist. */
  private chunkOf(key: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.chunks[mid]![0]! <= key) lo = mid;
      else hi = mid - 1;
    }
    return lo;
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
