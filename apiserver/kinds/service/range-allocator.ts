/**
 * Reserves values of a ServiceRange (cluster IPs, node ports) in the store, one key a
 * value: `<prefix><value>`, holding the owner (`namespace/name uid`). A create that fails
 * when the key exists is what makes a reservation atomic across apiservers, so no two
 * Services ever hold the same IP or port (Kubernetes keeps IPAddress objects for this
 * since 1.33; before, one bitmap object written with compare-and-swap).
 */
import { ApiError, Code } from '../../../sdk/errors.js';
import type { StoreAccess } from '../../storage/store-access.js';
import type { ServiceRange } from './service-ranges.js';

/** Random tries before a full scan: a range this sparse is found free at once. */
const RANDOM_TRIES = 8;

export class RangeFullError extends Error {}
export class ValueTakenError extends Error {}
export class OutsideRangeError extends Error {}

export interface RangeAllocator {
  readonly range: ServiceRange;
  /** Reserves `value` for `owner`; throws OutsideRangeError or ValueTakenError. */
  allocate(value: string, owner: string): Promise<void>;
  /** Reserves a free value chosen at random; throws RangeFullError when none is left. */
  allocateNext(owner: string): Promise<string>;
  /** Checks what allocate would (dry runs): throws as it would, reserves nothing. */
  check(value: string): Promise<void>;
  /** A value that is free now, not reserved (dry runs). */
  peekNext(): Promise<string>;
  /** Frees `value` if `owner` holds it; a value held by someone else is left alone. */
  release(value: string, owner: string): Promise<void>;
  /** Every reservation: value → owner. */
  reservations(): Promise<Map<string, string>>;
}

export function createRangeAllocator(
  store: StoreAccess,
  prefix: string,
  range: ServiceRange,
  random: () => number = Math.random,
): RangeAllocator {
  const keyOf = (value: string) => `${prefix}${value}`;

  function offsetOrThrow(value: string): number {
    const offset = range.offsetOf(value);
    if (offset === undefined)
      throw new OutsideRangeError(`provided ${value} is not in the valid range ${range.text}`);
    return offset;
  }

  async function tryReserve(value: string, owner: string): Promise<boolean> {
    try {
      await store.create(keyOf(value), Buffer.from(owner));
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === Code.ALREADY_EXISTS) return false;
      throw err;
    }
  }

  async function reservations(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let startAfter: string | undefined;
    for (;;) {
      const page = await store.list(prefix, { limit: 5000, ...(startAfter ? { startAfter } : {}) });
      for (const kv of page.kvs) out.set(kv.key.slice(prefix.length), kv.value.toString());
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || last === undefined) return out;
      startAfter = last.key;
    }
  }

  /** The free values, in range order, from a scan of every reservation. */
  async function freeValues(): Promise<string[]> {
    const taken = await reservations();
    const free: string[] = [];
    for (let i = 0; i < range.size; i++) {
      const v = range.valueAt(i);
      if (!taken.has(v)) free.push(v);
    }
    return free;
  }

  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const full = () => new RangeFullError(`range ${range.text} is full`);

  return {
    range,

    async allocate(value, owner) {
      offsetOrThrow(value);
      if (!(await tryReserve(value, owner)))
        throw new ValueTakenError(`provided ${value} is already allocated`);
    },

    async allocateNext(owner) {
      for (let i = 0; i < RANDOM_TRIES; i++) {
        const value = range.valueAt(Math.floor(random() * range.size));
        if (await tryReserve(value, owner)) return value;
      }
      // Crowded: choose among what a scan finds free, again until a reservation holds.
      for (;;) {
        const value = pick(await freeValues());
        if (value === undefined) throw full();
        if (await tryReserve(value, owner)) return value;
      }
    },

    async check(value) {
      offsetOrThrow(value);
      const { kv } = await store.get(keyOf(value));
      if (kv !== undefined) throw new ValueTakenError(`provided ${value} is already allocated`);
    },

    async peekNext() {
      for (let i = 0; i < RANDOM_TRIES; i++) {
        const value = range.valueAt(Math.floor(random() * range.size));
        if ((await store.get(keyOf(value))).kv === undefined) return value;
      }
      const value = pick(await freeValues());
      if (value === undefined) throw full();
      return value;
    },

    async release(value, owner) {
      const { kv } = await store.get(keyOf(value));
      if (kv === undefined || kv.value.toString() !== owner) return;
      try {
        await store.delete(keyOf(value), kv.modRevision);
      } catch (err) {
        // Released or taken over meanwhile: not ours to free any more.
        if (err instanceof ApiError && (err.code === Code.NOT_FOUND || err.code === Code.ABORTED)) return;
        throw err;
      }
    },

    reservations,
  };
}
