import { randomInt } from 'node:crypto';

/** Slots are pairs of int32 in one array: [hash, entry]; entry -1 marks an empty slot. */
const EMPTY = -1;
const MIN_SLOTS = 1024;

/**
 * The live keys of a store: a hash index from string keys to values, for the hundreds
 * of thousands of keys a store holds. A JavaScript Map of that size costs ~1.2 µs a
 * lookup and insert here, most of it cache misses: V8 walks a chain of entries and loads
 * each candidate key to compare. This index keeps each slot's hash next to its entry
 * number in one typed array (open addressing, linear probing, at most half full), so a
 * key that is absent costs one cache line and a key that is present one more (~0.5 µs
 * measured). Deletion shifts the slots after it back, so no tombstones build up.
 *
 * The hash is FNV-1a with a per-process random seed and a final mix, so that nobody can
 * choose names that all land in one run of slots. Iteration order is unspecified. The
 * table grows with the most keys it has held and does not shrink.
 */
export class KeyIndex<V> {
  private slots: Int32Array;
  private mask: number;
  /** Entry i is keyOf[i] and valueOf[i]; the entries of deleted keys are reused, never shed. */
  private readonly keyOf: (string | undefined)[] = [];
  private readonly valueOf: (V | undefined)[] = [];
  private readonly freeEntries: number[] = [];
  private count = 0;
  private readonly seed = randomInt(2 ** 31) | 0;

  constructor() {
    this.slots = new Int32Array(2 * MIN_SLOTS).fill(EMPTY);
    this.mask = MIN_SLOTS - 1;
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const slot = this.find(key, this.hash(key));
    return slot < 0 ? undefined : this.valueOf[this.slots[2 * slot + 1]!];
  }

  has(key: string): boolean {
    return this.find(key, this.hash(key)) >= 0;
  }

  set(key: string, value: V): void {
    const hash = this.hash(key);
    const slot = this.find(key, hash);
    if (slot >= 0) {
      this.valueOf[this.slots[2 * slot + 1]!] = value;
      return;
    }
    const entry = this.freeEntries.pop() ?? this.keyOf.length;
    this.keyOf[entry] = key;
    this.valueOf[entry] = value;
    this.slots[2 * ~slot] = hash;
    this.slots[2 * ~slot + 1] = entry;
    this.count++;
    if (2 * this.count > this.mask + 1) this.grow();
  }

  delete(key: string): boolean {
    let hole = this.find(key, this.hash(key));
    if (hole < 0) return false;
    const slots = this.slots;
    const entry = slots[2 * hole + 1]!;
    this.keyOf[entry] = undefined;
    this.valueOf[entry] = undefined;
    this.freeEntries.push(entry);
    this.count--;
    // Move back every slot of the run after the hole that may live there: one whose home
    // slot is not cyclically within (hole, slot].
    for (let slot = (hole + 1) & this.mask; slots[2 * slot + 1] !== EMPTY; slot = (slot + 1) & this.mask) {
      const home = slots[2 * slot]! & this.mask;
      const stays = hole < slot ? hole < home && home <= slot : hole < home || home <= slot;
      if (stays) continue;
      slots[2 * hole] = slots[2 * slot]!;
      slots[2 * hole + 1] = slots[2 * slot + 1]!;
      hole = slot;
    }
    slots[2 * hole + 1] = EMPTY;
    return true;
  }

  *keys(): IterableIterator<string> {
    for (const key of this.keyOf) if (key !== undefined) yield key;
  }

  *values(): IterableIterator<V> {
    for (let i = 0; i < this.keyOf.length; i++) if (this.keyOf[i] !== undefined) yield this.valueOf[i]!;
  }

  /** The slot holding `key`, or the bitwise complement of the empty slot where it would go. */
  private find(key: string, hash: number): number {
    const slots = this.slots;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = slots[2 * slot + 1]!;
      if (entry === EMPTY) return ~slot;
      if (slots[2 * slot] === hash && this.keyOf[entry] === key) return slot;
    }
  }

  private hash(key: string): number {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    // murmur3's finalizer: the low bits that pick the slot depend on every bit.
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(2 * old.length).fill(EMPTY);
    this.mask = old.length - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === EMPTY) continue;
      let slot = old[i]! & this.mask;
      while (this.slots[2 * slot + 1] !== EMPTY) slot = (slot + 1) & this.mask;
      this.slots[2 * slot] = old[i]!;
      this.slots[2 * slot + 1] = old[i + 1]!;
    }
  }
}
