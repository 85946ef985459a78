/**
 * A queue whose items carry a key, taken so that the items of one key are handed out one
 * at a time and in the order they were pushed, while items of other keys go ahead: the
 * event recorder's queue, where a key is an Event's aggregation key and an Event is
 * written only once the one before it with the same key has been.
 *
 * Each key holds its own FIFO chain of items, and the keys that have items and none
 * handed out (the ready keys) form another FIFO chain: `push`, `take` and `done` are
 * O(1), however many items wait behind keys that are busy.
 *
 * Order: a key becomes ready when an item is pushed to it while it is idle, when its
 * handed-out item is `done` and more wait, or when that item is put back (`requeue`); `take` hands out the oldest item of the key
 * that became ready first. With every key distinct that is the order of `push`.
 */

interface Item<T> {
  readonly value: T;
  next: Item<T> | undefined;
}

/** One key's waiting items, oldest first, and its place in the chain of ready keys. */
interface Lane<T> {
  readonly key: string;
  first: Item<T> | undefined;
  last: Item<T> | undefined;
  /** An item of this key is handed out and not yet done. */
  busy: boolean;
  nextReady: Lane<T> | undefined;
}

export class KeyedQueue<T> {
  /** Keys with items waiting or one handed out; a key with neither is forgotten. */
  private readonly lanes = new Map<string, Lane<T>>();
  private readyFirst: Lane<T> | undefined;
  private readyLast: Lane<T> | undefined;
  private waiting = 0;

  /** Items pushed and not yet taken. */
  get size(): number {
    return this.waiting;
  }

  push(key: string, value: T): void {
    const item: Item<T> = { value, next: undefined };
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = { key, first: undefined, last: undefined, busy: false, nextReady: undefined };
      this.lanes.set(key, lane);
    }
    if (lane.last === undefined) {
      lane.first = item;
      // Idle with nothing waiting: it becomes ready now (a busy one does when done).
      if (!lane.busy) this.enqueueReady(lane);
    } else {
      lane.last.next = item;
    }
    lane.last = item;
    this.waiting++;
  }

  /**
   * The oldest waiting item of the first ready key, its key now busy until `done(key)`;
   * undefined when every key with waiting items is busy (or nothing waits).
   */
  take(): { readonly key: string; readonly value: T } | undefined {
    const lane = this.readyFirst;
    if (lane === undefined) return undefined;
    this.readyFirst = lane.nextReady;
    if (this.readyFirst === undefined) this.readyLast = undefined;
    lane.nextReady = undefined;
    // A ready lane has an item waiting (invariant).
    const item = lane.first as Item<T>;
    lane.first = item.next;
    if (lane.first === undefined) lane.last = undefined;
    lane.busy = true;
    this.waiting--;
    return { key: lane.key, value: item.value };
  }

  /** The item taken for `key` is finished with: the key's next item, if any, becomes ready. */
  done(key: string): void {
    const lane = this.lanes.get(key);
    if (lane === undefined || !lane.busy) return;
    lane.busy = false;
    if (lane.first === undefined) this.lanes.delete(key);
    else this.enqueueReady(lane);
  }

  /**
   * The item taken for `key` goes back to be taken again, ahead of the key's other
   * waiting items (which keep waiting behind it): the key becomes ready, behind the keys
   * ready before it. For an item whose handling is to be tried again later; between
   * `take` and `requeue` the key stays busy.
   */
  requeue(key: string, value: T): void {
    const lane = this.lanes.get(key);
    if (lane === undefined || !lane.busy) throw new Error(`requeue of key ${JSON.stringify(key)}, not taken`);
    lane.first = { value, next: lane.first };
    if (lane.last === undefined) lane.last = lane.first;
    lane.busy = false;
    this.waiting++;
    this.enqueueReady(lane);
  }

  private enqueueReady(lane: Lane<T>): void {
    if (this.readyLast === undefined) this.readyFirst = lane;
    else this.readyLast.nextReady = lane;
    this.readyLast = lane;
  }
}
