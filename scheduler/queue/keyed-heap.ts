/**
 * A binary heap of items by key, each at most once, that can update or delete an
 * item in O(log n): the active and backoff queues of the scheduling queue.
 */
export class KeyedHeap<T> {
  private readonly items: { key: string; value: T }[] = [];
  private readonly index = new Map<string, number>();

  /** `less(a, b)`: a comes out before b. */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i]?.value;
  }

  peek(): T | undefined {
    return this.items[0]?.value;
  }

  /** Adds the item, or replaces the one with this key and moves it to its new place. */
  addOrUpdate(key: string, value: T): void {
    const i = this.index.get(key);
    if (i !== undefined) {
      (this.items[i] as { value: T }).value = value;
      if (!this.up(i)) this.down(i);
      return;
    }
    this.items.push({ key, value });
    this.index.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  delete(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const removed = this.items[i] as { key: string; value: T };
    const last = this.items.pop() as { key: string; value: T };
    this.index.delete(key);
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last.key, i);
      if (!this.up(i)) this.down(i);
    }
    return removed.value;
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top === undefined) return undefined;
    this.delete(top.key);
    return top.value;
  }

  values(): T[] {
    return this.items.map((e) => e.value);
  }

  private up(i: number): boolean {
    let moved = false;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less((this.items[i] as { value: T }).value, (this.items[parent] as { value: T }).value))
        break;
      this.swap(i, parent);
      i = parent;
      moved = true;
    }
    return moved;
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < n && this.less((this.items[l] as { value: T }).value, (this.items[best] as { value: T }).value))
        best = l;
      if (r < n && this.less((this.items[r] as { value: T }).value, (this.items[best] as { value: T }).value))
        best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }

  private swap(a: number, b: number): void {
    const x = this.items[a] as { key: string; value: T };
    const y = this.items[b] as { key: string; value: T };
    this.items[a] = y;
    this.items[b] = x;
    this.index.set(y.key, a);
    this.index.set(x.key, b);
  }
}
