/**
 * Whether an append is written from the event loop or handed to the thread pool.
 *
 * On a fast device the thread pool's round trip costs more than the write: an
 * O_DSYNC write of a 64-write batch (~36 KiB) takes ~0.25 ms here, handed to the
 * thread pool and back ~0.5 ms. So small records are written inline while the device
 * is fast. An inline write blocks everything else the process does, so a slow device
 * sends appends to the thread pool for `backoffMs`: a slow disk then delays writers,
 * never reads and watches. Slow means the median of the last inline writes is over
 * `slowMs` (one hiccup does not count), or one write stalled past `stallMs`. After
 * the backoff, inline writes are tried again.
 */
export interface InlineWritesOptions {
  /** Records larger than this always go to the thread pool. */
  readonly maxBytes?: number;
  /** Inline writes are slow when the median of the recent ones is over this. */
  readonly slowMs?: number;
  /** One inline write over this is enough. */
  readonly stallMs?: number;
  /** How long appends stay in the thread pool once inline writes were slow. */
  readonly backoffMs?: number;
  /** The clock, in milliseconds (performance.now by default). */
  readonly now?: () => number;
}

/** How many recent inline writes the median is taken over, and how many it needs. */
const RECENT = 15;
const ENOUGH = 5;

export class InlineWrites {
  private readonly maxBytes: number;
  private readonly slowMs: number;
  private readonly stallMs: number;
  private readonly backoffMs: number;
  private readonly now: () => number;
  private recent: number[] = [];
  private offloadUntil = Number.NEGATIVE_INFINITY;

  constructor(options: InlineWritesOptions = {}) {
    this.maxBytes = options.maxBytes ?? 256 * 1024;
    this.slowMs = options.slowMs ?? 1;
    this.stallMs = options.stallMs ?? 20;
    this.backoffMs = options.backoffMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Whether a record of `bytes` is written inline now. */
  inline(bytes: number): boolean {
    return bytes <= this.maxBytes && this.now() >= this.offloadUntil;
  }

  /** Reports how long an inline write took. */
  wrote(ms: number): void {
    this.recent.push(ms);
    if (this.recent.length > RECENT) this.recent.shift();
    if (ms > this.stallMs || (this.recent.length >= ENOUGH && median(this.recent) > this.slowMs)) {
      this.offloadUntil = this.now() + this.backoffMs;
      this.recent = [];
    }
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}
