/**
 * A first-in first-out queue of events kept as runs (arrays), so that one run can be
 * queued for many watchers without a copy and handed out again as the same array:
 * the watch service then recognises it and encodes its message once for all of them.
 * A run given to pushRun() is never modified; single events go into a run of the
 * queue's own, which is sealed once it has been handed out.
 */
export class EventQueue<E> {
  private runs: (readonly E[])[] = [];
  /** Index of the next event in runs[0]. */
  private head = 0;
  /** The last run is the queue's own array, which push() may still extend. */
  private tailOwned = false;
  private count = 0;

  /** Events queued and not yet taken. */
  get length(): number {
    return this.count;
  }

  push(event: E): void {
    if (this.tailOwned) (this.runs[this.runs.length - 1] as E[]).push(event);
    else {
      this.runs.push([event]);
      this.tailOwned = true;
    }
    this.count++;
  }

  /** Queues a shared run as it is; it must not be modified afterwards by anyone. */
  pushRun(run: readonly E[]): void {
    if (run.length === 0) return;
    this.runs.push(run);
    this.tailOwned = false;
    this.count += run.length;
  }

  shift(): E | undefined {
    const run = this.runs[0];
    if (run === undefined) return undefined;
    const event = run[this.head++]!;
    this.count--;
    if (this.head === run.length) this.dropFirst();
    return event;
  }

  /**
   * Up to `max` of the oldest events. When they are exactly one queued run, it is
   * returned as the very array that was queued (shared runs stay recognisable);
   * otherwise (a consumer that fell behind has several) they are joined into a new one.
   */
  takeRun(max: number): readonly E[] {
    const first = this.runs[0];
    if (first === undefined) return [];
    if (this.head === 0 && first.length <= max && (this.runs.length === 1 || first.length === max)) {
      this.count -= first.length;
      this.dropFirst();
      return first;
    }
    const out: E[] = [];
    while (out.length < max && this.count > 0) out.push(this.shift()!);
    return out;
  }

  clear(): void {
    this.runs = [];
    this.head = 0;
    this.tailOwned = false;
    this.count = 0;
  }

  private dropFirst(): void {
    this.runs.shift();
    this.head = 0;
    if (this.runs.length === 0) this.tailOwned = false;
  }
}
