import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { CacheEvent } from './types.js';

/**
 * One change to one object as the cache keeps it: decoded once, then handed to every
 * watcher. A watcher without a filter gets `event` itself; the variants a filter
 * needs (ADDED when an object starts to match, DELETED when it stops) are built on
 * first use and then shared as well, so fan-out allocates nothing per watcher.
 */
export class StoredEvent<T extends KindObject> {
  readonly event: CacheEvent<T>;
  private added?: CacheEvent<T>;
  private deletedPrev?: CacheEvent<T>;

  constructor(
    readonly key: string,
    type: 'ADDED' | 'MODIFIED' | 'DELETED',
    object: T,
    /** For MODIFIED: the object before the change, to tell whether it matched a filter then. */
    readonly prev: T | undefined,
    readonly revision: number,
  ) {
    this.event = { type, object, revision };
  }

  /**
   * What a watcher with this filter sees of the change, if anything: as Kubernetes'
   * cacheWatcher does, a modification that makes an object match is ADDED, one that
   * makes it stop matching is DELETED (with its previous state at this revision).
   */
  viewFor(matches: ((obj: T) => boolean) | undefined): CacheEvent<T> | undefined {
    if (!matches) return this.event;
    const { type, object } = this.event;
    if (type !== 'MODIFIED') return matches(object) ? this.event : undefined;
    const now = matches(object);
    const before = this.prev !== undefined && matches(this.prev);
    if (now && before) return this.event;
    if (now) {
      this.added ??= { type: 'ADDED', object, revision: this.revision };
      return this.added;
    }
    if (before) {
      this.deletedPrev ??= {
        type: 'DELETED',
        object: withResourceVersion(this.prev!, this.revision),
        revision: this.revision,
      };
      return this.deletedPrev;
    }
    return undefined;
  }
}

/** A shallow copy of `obj` whose metadata.resourceVersion is `revision`; `obj` itself is shared and stays as it is. */
export function withResourceVersion<T extends KindObject>(obj: T, revision: number): T {
  return {
    ...obj,
    metadata: { ...(obj.metadata ?? ObjectMeta.create()), resourceVersion: String(revision) },
  };
}
