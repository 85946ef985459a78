/**
 * Items waiting for a deadline, earliest first: a binary min-heap that holds each item
 * at most once, keeping its earliest deadline.
 */

interface Entry<T> {
  item: T;
  at: number;
  /** Breaks ties between equal deadlines: the deadline set first comes first. */
  seq: number;
  /** Where the entry sits in the heap array. */
  index: number;
}

export class DeadlineHeap<T> {
  private readonly heap: Entry<T>[] = [];
  private readonly entries = new Map<T, Entry<T>>();
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** The earliest deadline, if any item is waiting. */
  peekDeadline(): number | undefined {
    return this.heap[0]?.at;
  }

  /**
   * Makes `item` wait until `at`, or keeps it waiting until its current deadline if that
   * is earlier. Answers whether the item's deadline changed.
   */
  push(item: T, at: number): boolean {
    const existing = this.entries.get(item);
    if (existing !== undefined) {
      if (existing.at <= at) return false;
      existing.at = at;
      existing.seq = this.seq++;
      this.up(existing.index);
      return true;
    }
    const entry: Entry<T> = { item, at, seq: this.seq++, index: this.heap.length };
    this.heap.push(entry);
    this.entries.set(item, entry);
    this.up(entry.index);
    return true;
  }

  /** Removes and answers the earliest item if its deadline is at or before `now`. */
  popDue(now: number): T | undefined {
    const top = this.heap[0];
    if (top === undefined || top.at > now) return undefined;
    const last = this.heap.pop()!;
    if (last !== top) {
      last.index = 0;
      this.heap[0] = last;
      this.down(0);
    }
    this.entries.delete(top.item);
    return top.item;
  }

  clear(): void {
    this.heap.length = 0;
    this.entries.clear();
  }

  private before(a: Entry<T>, b: Entry<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const entry = this.heap[i]!;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = this.heap[parentIndex]!;
      if (!this.before(entry, parent)) break;
      parent.index = i;
      this.heap[i] = parent;
      i = parentIndex;
    }
    entry.index = i;
    this.heap[i] = entry;
  }

  private down(i: number): void {
    const entry = this.heap[i]!;
    const n = this.heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.before(this.heap[right]!, this.heap[left]!)) child = right;
      const c = this.heap[child]!;
      if (!this.before(c, entry)) break;
      c.index = i;
      this.heap[i] = c;
      i = child;
    }
    entry.index = i;
    this.heap[i] = entry;
  }
}
