/**
 * What a client watch sees of the watch cache. Events and their objects are shared
 * between every watcher that receives them and with the cache itself: a consumer must
 * never mutate them (clone first).
 */

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface CacheEvent<T> {
  type: CacheEventType;
  /** The object (for DELETED: its last state) with metadata.resourceVersion set to the event's revision. */
  object: T;
  revision: number;
  /**
   * Estimated memory the event keeps alive while a watcher holds it: its object and the
   * object's cached wire encoding (see memory.ts). Absent on bookmarks.
   */
  readonly bytes?: number;
}

export interface WatchRequest<T> {
  /** Only objects under this key prefix (`/registry/pods/default/`); the cache's own prefix for all. */
  prefix: string;
  /** Deliver changes after this revision; undefined (or 0) = from now. */
  fromRevision?: number;
  /**
   * First the current objects (matching the filter) as ADDED events; then, if bookmarks are allowed, a
   * BOOKMARK carrying annotation `k8s.io/initial-events-end: "true"`. The snapshot is the cache's state
   * when watch() is called: call waitForRevision first for one at least as new as a given revision.
   */
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  /** Label/field filter; an object that stops matching is sent as DELETED, one that starts matching as ADDED. */
  matches?: (obj: T) => boolean;
  signal: AbortSignal;
}

/** The annotation on the bookmark that ends the initial events, as in Kubernetes. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';
