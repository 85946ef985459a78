/**
 * Makes an object just decoded for the watch cache smaller in heap, without changing
 * what it holds: the cache keeps every current object for as long as it exists, so
 * what a decoded Pod weighs is multiplied by every Pod of the cluster.
 *
 * A decoder allocates every string and timestamp anew, and grows every repeated field
 * by pushes, so a decoded object carries:
 * - copies of strings that most objects share (label keys and values, image names,
 *   namespaces, node names, condition types and reasons, owner names): here the first
 *   copy met is kept and later equal ones point to it;
 * - copies of equal timestamps (a pod's conditions mostly change at the same instant,
 *   the pods of a burst within the same second): shared the same way;
 * - arrays with room to grow (V8 gives an array filled by push room for 16 and more):
 *   here copied to their exact length.
 *
 * Sharing is safe because the cache's objects are never mutated (types.ts): a shared
 * string is indistinguishable from a copy, and a shared Date is read, never set.
 * `managedFields` is left alone: on the cache's metadata it is an accessor over bytes
 * (lazy-managed-fields.ts) that reading would decode.
 */

/** Longer strings are mostly unique (ids, messages, data): not worth a lookup. */
const MAX_POOLED_LENGTH = 64;
/**
 * Entries per pool before it starts over. A bound, not a cache size to tune: the values
 * that repeat come back into the pool at once; the unique ones (names, uids, IPs) would
 * otherwise accumulate for as long as the process runs.
 */
const MAX_POOLED = 1 << 16;
/**
 * Fields whose strings are mostly unique to their object (uids, resourceVersions, a pod's
 * IPs — `podIps[].ip`, though a node's `hostIps[].ip` repeat —, container ids): pooling
 * them saves little and fills the pool with values never met again, which clears it of
 * those that repeat sooner.
 */
const UNIQUE_VALUED: ReadonlySet<string> = new Set(['uid', 'resourceVersion', 'podIp', 'ip', 'containerId']);

/** The first copy of each short string and timestamp seen, up to MAX_POOLED of each. */
export class ValuePool {
  private readonly strings = new Map<string, string>();
  private readonly dates = new Map<number, Date>();

  /** `s`, or an earlier string equal to it. */
  string(s: string): string {
    if (s.length === 0 || s.length > MAX_POOLED_LENGTH) return s;
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    if (this.strings.size >= MAX_POOLED) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }

  /** `d`, or an earlier Date of the same time. */
  date(d: Date): Date {
    const t = d.getTime();
    if (Number.isNaN(t)) return d;
    const known = this.dates.get(t);
    if (known !== undefined) return known;
    if (this.dates.size >= MAX_POOLED) this.dates.clear();
    this.dates.set(t, d);
    return d;
  }

  /** Whether the pool holds `s` (for tests). */
  holds(s: string): boolean {
    return this.strings.has(s);
  }

  /** Strings and Dates held (for tests). */
  get size(): number {
    return this.strings.size + this.dates.size;
  }
}

/** One pool for every kind's cache: namespaces, node names and labels recur across kinds. */
export const sharedValuePool = new ValuePool();

/**
 * Compacts `obj` in place (see above) and returns it. Only for an object nothing else
 * holds yet: its arrays and values are replaced by equal ones.
 */
export function compactObject<T extends object>(obj: T, pool: ValuePool): T {
  compactFields(obj as Record<string, unknown>, pool);
  return obj;
}

function compactFields(obj: Record<string, unknown>, pool: ValuePool): void {
  // Decoded messages and maps inherit no enumerable keys: for-in sees their own only.
  for (const key in obj) {
    if (key === 'managedFields') continue;
    const value = obj[key];
    if (typeof value === 'string' && UNIQUE_VALUED.has(key)) continue;
    const compacted = compactValue(value, pool);
    if (compacted !== value) obj[key] = compacted;
  }
}

function compactValue(value: unknown, pool: ValuePool): unknown {
  if (typeof value === 'string') return pool.string(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Date) return pool.date(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return value;
    // slice() allocates exactly `length` elements; the decoder's array had room to grow.
    const out = value.slice();
    for (let i = 0; i < out.length; i++) out[i] = compactValue(out[i], pool);
    return out;
  }
  // Bytes fields, Maps and the like are kept as they are.
  if (ArrayBuffer.isView(value) || Object.getPrototypeOf(value) !== Object.prototype) return value;
  compactFields(value as Record<string, unknown>, pool);
  return value;
}
