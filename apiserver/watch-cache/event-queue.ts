/**
 * A first-in first-out queue of events kept as runs (arrays), so that one run can be
 * queued for many watchers without a copy and handed out again as the same array:
 * the watch service then recognises it and encodes its message once for all of them.
 * A run given to pushRun() is never modified; single events go into a run of the
 * queue's own, which is sealed once it has been handed out. The queue also keeps what
 * the events it holds weigh (`bytes`), for a watcher's byte budget.
 */
export class EventQueue<E> {
  private runs: (readonly E[])[] = [];
  /** What the events of each run still queued weigh (sizeOf), runs[0]'s taken ones excepted. */
  private runBytes: number[] = [];
  /** Index of the next event in runs[0]. */
  private head = 0;
  /** The last run is the queue's own array, which push() may still extend. */
  private tailOwned = false;
  private count = 0;
  private total = 0;

  /** `sizeOf`: what an event weighs, for `bytes` (by default nothing). */
  constructor(private readonly sizeOf: (event: E) => number = () => 0) {}

  /** Events queued and not yet taken. */
  get length(): number {
    return this.count;
  }

  /** What the events queued and not yet taken weigh. */
  get bytes(): number {
    return this.total;
  }

  push(event: E): void {
    const size = this.sizeOf(event);
    if (this.tailOwned) {
      (this.runs[this.runs.length - 1] as E[]).push(event);
      this.runBytes[this.runBytes.length - 1]! += size;
    } else {
      this.runs.push([event]);
      this.runBytes.push(size);
      this.tailOwned = true;
    }
    this.count++;
    this.total += size;
  }

  /**
   * Queues a shared run as it is; it must not be modified afterwards by anyone.
   * `bytes`, what its events weigh, saves adding them up when the caller knows it
   * (a run shared by many queues is weighed once).
   */
  pushRun(run: readonly E[], bytes?: number): void {
    if (run.length === 0) return;
    let size = bytes;
    if (size === undefined) {
      size = 0;
      for (const event of run) size += this.sizeOf(event);
    }
    this.runs.push(run);
    this.runBytes.push(size);
    this.tailOwned = false;
    this.count += run.length;
    this.total += size;
  }

  shift(): E | undefined {
    const run = this.runs[0];
    if (run === undefined) return undefined;
    const event = run[this.head++]!;
    const size = this.sizeOf(event);
    this.runBytes[0]! -= size;
    this.total -= size;
    this.count--;
    if (this.head === run.length) this.dropFirst();
    return event;
  }

  /**
   * Up to `max` of the oldest events, weighing up to `maxBytes` together (but at least
   * one event, however heavy). When they are exactly one queued run, it is returned as
   * the very array that was queued (shared runs stay recognisable); otherwise (a
   * consumer that fell behind has several, or a run too heavy) they are joined into a
   * new one.
   */
  takeRun(max: number, maxBytes = Number.POSITIVE_INFINITY): readonly E[] {
    const first = this.runs[0];
    if (first === undefined) return [];
    if (
      this.head === 0 &&
      first.length <= max &&
      this.runBytes[0]! <= maxBytes &&
      (this.runs.length === 1 || first.length === max)
    ) {
      this.count -= first.length;
      this.dropFirst();
      return first;
    }
    const out: E[] = [];
    let bytes = 0;
    while (out.length < max && this.count > 0) {
      const size = this.sizeOf(this.runs[0]![this.head]!);
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(this.shift()!);
      bytes += size;
    }
    return out;
  }

  clear(): void {
    this.runs = [];
    this.runBytes = [];
    this.head = 0;
    this.tailOwned = false;
    this.count = 0;
    this.total = 0;
  }

  /** Drops runs[0], taken in full; what is left of its weight (a run weighed by its pusher) goes with it. */
  private dropFirst(): void {
    this.runs.shift();
    this.total -= this.runBytes.shift()!;
    this.head = 0;
    if (this.runs.length === 0) {
      this.tailOwned = false;
      this.total = 0;
    }
  }
}
