/**
 * A work queue with delayed adds (client-go's DelayingInterface). Waiting items sit in
 * one deadline heap behind one timer, set for the earliest deadline.
 */
import { DeadlineHeap } from './deadline-heap.js';
import { BasicQueue, type Queue, type QueueOptions } from './queue.js';

export interface DelayingQueue<T> extends Queue<T> {
  /**
   * Adds `item` once `ms` have passed; at once when `ms` is not positive. An item that
   * is already waiting keeps the earlier of its two deadlines. Items still waiting when
   * the queue shuts down are dropped. Does nothing once the queue is shutting down.
   */
  addAfter(item: T, ms: number): void;
}

export function createDelayingQueue<T extends NonNullable<unknown> = string>(
  options: QueueOptions = {},
): DelayingQueue<T> {
  return new BasicDelayingQueue<T>(options);
}

export class BasicDelayingQueue<T> extends BasicQueue<T> implements DelayingQueue<T> {
  private readonly waiting = new DeadlineHeap<T>();
  /** Cancels the one timer, set for `timerAt`, while one is set. */
  private cancelTimer: (() => void) | undefined;
  private timerAt = 0;

  addAfter(item: T, ms: number): void {
    if (this.shuttingDown) return;
    this.metrics.retry();
    if (!(ms > 0)) {
      this.add(item);
      return;
    }
    if (this.waiting.push(item, this.clock.now() + ms)) this.arm();
  }

  override shutDown(): void {
    this.dropWaiting();
    super.shutDown();
  }

  override shutDownWithDrain(): Promise<void> {
    this.dropWaiting();
    return super.shutDownWithDrain();
  }

  /** Sets the timer for the earliest deadline unless it is already set for that or sooner. */
  private arm(): void {
    const next = this.waiting.peekDeadline();
    if (next === undefined || (this.cancelTimer !== undefined && this.timerAt <= next)) return;
    this.cancelTimer?.();
    this.timerAt = next;
    this.cancelTimer = this.clock.setTimer(() => this.fire(), next - this.clock.now());
  }

  /** Adds every item that is due (a timer may fire early, or late for several), then re-arms. */
  private fire(): void {
    this.cancelTimer = undefined;
    const now = this.clock.now();
    for (let item = this.waiting.popDue(now); item !== undefined; item = this.waiting.popDue(now)) {
      this.add(item);
    }
    this.arm();
  }

  private dropWaiting(): void {
    this.waiting.clear();
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }
}
