/**
 * The most recent events of one resource, kept so that a watch can resume from a
 * revision. Events are pushed in revision order; when the ring holds `capacity` events,
 * or their `bytes` add up to more than `maxBytes`, the oldest are dropped and the ring
 * then only answers for revisions at or after the last one dropped. The newest event
 * is always kept, however large.
 */
export class EventRing<E extends { readonly revision: number; readonly bytes?: number }> {
  private readonly slots: (E | undefined)[];
  /** When each slot's event was pushed (ms), for dropping by age. */
  private readonly pushedAt: Float64Array;
  /** Each slot's event's `bytes` as last counted in `total` (see reweigh). */
  private readonly weights: Float64Array;
  /** Index of the oldest event. */
  private start = 0;
  private count = 0;
  private oldest = 0;
  private total = 0;

  /** `maxBytes`: what the events held may weigh (their `bytes`); Infinity for no bound. */
  constructor(
    readonly capacity: number,
    readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new Error(`ring capacity ${capacity} must be >= 1`);
    if (!(maxBytes > 0)) throw new Error(`ring byte bound ${maxBytes} must be > 0`);
    this.slots = new Array<E | undefined>(capacity);
    this.pushedAt = new Float64Array(capacity);
    this.weights = new Float64Array(capacity);
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

  /** What the events held weigh: the sum of their `bytes` (as of push, or of their last reweigh). */
  get bytes(): number {
    return this.total;
  }

  /** Empties the ring: from now on it answers for revisions from `floor` on. */
  reset(floor: number): void {
    this.slots.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.total = 0;
    this.oldest = floor;
  }

  /** Adds the newest event; `now` is when (ms), for dropPushedBefore. */
  push(event: E, now = Date.now()): void {
    if (this.count === this.capacity) this.dropOldest();
    const slot = (this.start + this.count) % this.capacity;
    const bytes = event.bytes ?? 0;
    this.pushedAt[slot] = now;
    this.weights[slot] = bytes;
    this.slots[slot] = event;
    this.count++;
    this.total += bytes;
    while (this.total > this.maxBytes && this.count > 1) this.dropOldest();
  }

  /**
   * Drops the events at or below `revision` (the store's compacted revision: no watch may
   * resume from there any more), so that the ring holds the store's window of history
   * rather than filling up to its capacity over hours. The floor moves up to the last
   * event dropped.
   */
  dropThrough(revision: number): void {
    while (this.count > 0 && this.at(0).revision <= revision) this.dropOldest();
  }

  /**
   * Drops the events pushed before `cutoff` (ms), keeping at least the newest `keep`:
   * history bounded by time, as Kubernetes' watch cache keeps about its
   * eventFreshDuration of events rather than its full capacity.
   */
  dropPushedBefore(cutoff: number, keep: number): void {
    while (this.count > keep && this.pushedAt[this.start]! < cutoff) this.dropOldest();
  }

  /** The events with a revision above `revision`, oldest first. The caller checks `floor` first. */
  since(revision: number): E[] {
    const out: E[] = [];
    for (let i = this.after(revision); i < this.count; i++) out.push(this.at(i));
    return out;
  }

  /** The event held at `revision`, if any. */
  find(revision: number): E | undefined {
    const i = this.after(revision - 1);
    return i < this.count && this.at(i).revision === revision ? this.at(i) : undefined;
  }

  /**
   * Counts `event`'s `bytes` anew, if the ring still holds it. Only for a weight that
   * fell (an event letting go of decoded objects): nothing is dropped for it.
   */
  reweigh(event: E): void {
    const i = this.after(event.revision - 1);
    if (i >= this.count || this.at(i) !== event) return;
    const slot = (this.start + i) % this.capacity;
    const bytes = event.bytes ?? 0;
    this.total += bytes - this.weights[slot]!;
    this.weights[slot] = bytes;
  }

  /** The position of the first event with a revision above `revision` (`length` if none). */
  private after(revision: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private dropOldest(): void {
    const event = this.slots[this.start]!;
    this.slots[this.start] = undefined;
    this.total -= this.weights[this.start]!;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
    this.oldest = event.revision;
  }

  private at(i: number): E {
    return this.slots[(this.start + i) % this.capacity]!;
  }
}
