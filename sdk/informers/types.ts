/**
 * The contracts of an informer: where its objects come from (a ListerWatcher), what it
 * tells its handlers, and the tombstone it hands over for objects that vanished while
 * it was not watching.
 */
import type { KindObject } from '../kind-registry.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface InformerWatchEvent<T> {
  readonly type: WatchEventType;
  /** For BOOKMARK only metadata.resourceVersion is meaningful. */
  readonly object: T;
}

export interface ListPage<T> {
  readonly items: T[];
  readonly resourceVersion: string;
  /** '' on the last page. */
  readonly continue: string;
}

/**
 * One resource as an informer sees it, with its namespace and selectors already applied:
 * pages of a consistent list, and a watch from a resourceVersion. A watch that cannot
 * start from `resourceVersion` because the history is gone must fail with an ApiError
 * whose code is OUT_OF_RANGE; any other end of the stream is resumed from the last
 * resourceVersion seen.
 */
export interface ListerWatcher<T> {
  list(opts: { limit: number; continue: string }): Promise<ListPage<T>>;
  /** Events in runs (a message's worth each), oldest first. */
  watch(
    opts: { resourceVersion: string },
    signal: AbortSignal,
  ): AsyncIterable<readonly InformerWatchEvent<T>[]>;
}

/** What a handler gets when an object was deleted while the informer was away: its last known state. */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly object: T,
  ) {}
}

/**
 * Notifications, in the order the changes happened. Handlers run synchronously, one after
 * another; they should only note what changed (enqueue a key) and return. A handler that
 * throws is logged; the others still run.
 */
export interface EventHandler<T> {
  onAdd?(obj: T): void;
  /** `oldObj === newObj` on a resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

/** `namespace/name`, or `name` for cluster-scoped objects: the key of every cache and work queue. */
export function keyOf(obj: KindObject): string {
  const ns = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  return ns === '' ? name : `${ns}/${name}`;
}

/** Splits a key made by keyOf. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: '', name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
