/**
 * The most recent events of one resource, kept so that a watch can resume from a
 * revision. Events are pushed in revision order; when the ring is full the oldest is
 * dropped and the ring then only answers for revisions at or after the dropped one.
 */
export class EventRing<E extends { readonly revision: number }> {
  private readonly slots: (E | undefined)[];
  /** Index of the oldest event. */
  private start = 0;
  private count = 0;
  private oldest = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new Error(`ring capacity ${capacity} must be >= 1`);
    this.slots = new Array<E | undefined>(capacity);
  }

  /**
   * The oldest revision a watch can resume from: every event after it is held. It is
   * the revision the ring was reset at, then that of the last event pushed out.
   */
  get floor(): number {
    return this.oldest;
  }

  get length(): number {
    return this.count;
  }

  /** Empties the ring: from now on it answers for revisions from `floor` on. */
  reset(floor: number): void {
    this.slots.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.oldest = floor;
  }

  push(event: E): void {
    if (this.count === this.capacity) {
      this.oldest = this.slots[this.start]!.revision;
      this.slots[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
      return;
    }
    this.slots[(this.start + this.count) % this.capacity] = event;
    this.count++;
  }

  /** The events with a revision above `revision`, oldest first. The caller checks `floor` first. */
  since(revision: number): E[] {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    const out: E[] = [];
    for (let i = lo; i < this.count; i++) out.push(this.at(i));
    return out;
  }

  private at(i: number): E {
    return this.slots[(this.start + i) % this.capacity]!;
  }
}
