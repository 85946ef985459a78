/**
 * A controller's own writes, read back before its informer shows them (Kubernetes'
 * MutationCache).
 *
 * A controller writes an object, and its next sync of that key often runs before the
 * watch has delivered the write: another event queued the key meanwhile. Reading the
 * informer then yields the object as it was before the write, and the next write made
 * from it carries a resourceVersion the apiserver has already moved past: ABORTED, a
 * retry with backoff, and a sync wasted. Remembering what each write returned and
 * preferring it while it is newer than the informer's copy lets the next sync start
 * from the controller's own last write.
 *
 * Invariants:
 * - An entry is only ever returned in place of an informer object with the same uid
 *   and an older resourceVersion; otherwise the informer's copy wins and the entry is
 *   dropped. The cache never makes up objects the informer lacks: an object the
 *   informer has not yet shown, or has shown deleted, reads as absent.
 * - Entries go as soon as the informer delivers the same or a newer resourceVersion of
 *   the key, or its deletion, so the cache holds only writes still in flight on the
 *   watch. An entry is only kept for a key the informer holds, and every write of such
 *   a key is followed by an event of it (or its deletion on a relist), so no entry
 *   outlives its key's next event.
 * - resourceVersions are compared as integers (the store's revisions); one that is not
 *   an integer is never taken as newer, which falls back to the informer.
 */
import type { TypedClient } from '../client/typed-client.js';
import type { KindObject } from '../kind-registry.js';
import type { SharedInformer } from './shared-informer.js';
import { DeletedFinalStateUnknown, keyOf } from './types.js';

/** A resourceVersion as a number to compare, or undefined when it is not one. */
function revisionOf(obj: KindObject): bigint | undefined {
  const rv = obj.metadata?.resourceVersion ?? '';
  if (!/^\d+$/.test(rv)) return undefined;
  return BigInt(rv);
}

/** Whether `a` is a later state of the same object than `b`. */
function newer(a: KindObject, b: KindObject): boolean {
  if ((a.metadata?.uid ?? '') !== (b.metadata?.uid ?? '')) return false;
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  return ra !== undefined && rb !== undefined && ra > rb;
}

export class MutationCache<T extends KindObject> {
  private readonly written = new Map<string, T>();

  constructor(private readonly informer: SharedInformer<T>) {
    const settle = (obj: T) => {
      const key = keyOf(obj);
      const entry = this.written.get(key);
      if (entry && !newer(entry, obj)) this.written.delete(key);
    };
    informer.addEventHandler({
      onAdd: settle,
      onUpdate: (_old, obj) => settle(obj),
      onDelete: (obj) => {
        this.written.delete(obj instanceof DeletedFinalStateUnknown ? obj.key : keyOf(obj));
      },
    });
  }

  /** Entries held: writes the informer has not shown yet. */
  get size(): number {
    return this.written.size;
  }

  /** Records the object a write (update, status update, patch) answered with. */
  mutated(obj: T): void {
    const key = keyOf(obj);
    const entry = this.written.get(key);
    if (entry && !newer(obj, entry)) return;
    const cached = this.informer.indexer.get(key);
    // Not shown yet (just created) or already gone: nothing to read it in place of, and
    // no later event of the key would be sure to drop the entry.
    if (!cached || !newer(obj, cached)) {
      this.written.delete(key);
      return;
    }
    this.written.set(key, obj);
  }

  /** Forgets the key: the object was deleted by this controller. */
  deleted(key: string): void {
    this.written.delete(key);
  }

  /** The informer's object at `key`, or this controller's later write of it. */
  get(key: string): T | undefined {
    const cached = this.informer.indexer.get(key);
    if (!cached) return undefined;
    return this.newest(key, cached);
  }

  /** `objs` (from the informer) with each replaced by this controller's later write of it. */
  overlay(objs: readonly T[]): T[] {
    if (this.written.size === 0) return [...objs];
    return objs.map((obj) => this.newest(keyOf(obj), obj));
  }

  private newest(key: string, cached: T): T {
    const entry = this.written.get(key);
    if (!entry) return cached;
    if (newer(entry, cached)) return entry;
    this.written.delete(key);
    return cached;
  }
}

/**
 * `client` with its writes recorded in `cache`: what an update or a status update
 * answers is read back in place of the informer's older copy; a deletion forgets the key.
 */
export function recordWrites<T extends KindObject>(
  client: TypedClient<T>,
  cache: MutationCache<T>,
): TypedClient<T> {
  return {
    ...client,
    async update(obj, opts) {
      const written = await client.update(obj, opts);
      if (!opts?.dryRun) cache.mutated(written);
      return written;
    },
    async updateStatus(obj) {
      const written = await client.updateStatus(obj);
      cache.mutated(written);
      return written;
    },
    async delete(namespace, name, options) {
      const last = await client.delete(namespace, name, options);
      cache.deleted(namespace === '' ? name : `${namespace}/${name}`);
      return last;
    },
  };
}
