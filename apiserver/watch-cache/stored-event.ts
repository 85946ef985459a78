import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { copyMetadata, managedFieldsBytes } from './lazy-managed-fields.js';
import { decodedBytes, eventBytes } from './memory.js';
import type { CacheEvent } from './types.js';

/**
 * One change to one object as the cache keeps it: decoded once, then handed to every
 * watcher. A watcher without a filter gets `event` itself; the variants a filter
 * needs (ADDED when an object starts to match, DELETED when it stops) are built on
 * first use and then shared as well, so fan-out allocates nothing per watcher.
 */
export class StoredEvent<T extends KindObject> {
  readonly event: CacheEvent<T>;
  /**
   * Estimated memory the event keeps alive while the cache holds it (see memory.ts):
   * `event`'s, plus the previous object's. That one is usually also the object of the
   * key's previous event, counted there too while the cache still holds it; it is
   * counted here as well because this event alone keeps it once that one is dropped.
   * Not counted: the variants built for filtered watchers (viewFor), which share these
   * objects but get encodings of their own once sent.
   */
  readonly bytes: number;
  private added?: CacheEvent<T>;
  private deletedPrev?: CacheEvent<T>;

  constructor(
    readonly key: string,
    type: 'ADDED' | 'MODIFIED' | 'DELETED',
    object: T,
    /** For MODIFIED: the object before the change, to tell whether it matched a filter then. */
    readonly prev: T | undefined,
    readonly revision: number,
    /** The encoded size of `object` (for DELETED: of the object's last state), as the store sent it. */
    encoded: number,
    /** The encoded size of `prev`. */
    private readonly prevEncoded = 0,
  ) {
    const bytes = eventBytes(encoded, managedFieldsBytes(object.metadata));
    this.event = { type, object, revision, bytes };
    this.bytes =
      bytes + (prev === undefined ? 0 : decodedBytes(prevEncoded, managedFieldsBytes(prev.metadata)));
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
      this.added ??= { ...this.event, type: 'ADDED' };
      return this.added;
    }
    if (before) {
      this.deletedPrev ??= {
        type: 'DELETED',
        object: withResourceVersion(this.prev!, this.revision),
        revision: this.revision,
        bytes: eventBytes(this.prevEncoded, managedFieldsBytes(this.prev!.metadata)),
      };
      return this.deletedPrev;
    }
    return undefined;
  }
}

/**
 * A shallow copy of `obj` whose metadata.resourceVersion is `revision` (its managed
 * fields still bytes if they were); `obj` itself is shared and stays as it is.
 */
export function withResourceVersion<T extends KindObject>(obj: T, revision: number): T {
  return {
    ...obj,
    metadata: copyMetadata(obj.metadata ?? ObjectMeta.create(), { resourceVersion: String(revision) }),
  };
}
