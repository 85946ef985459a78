/**
 * Where audit lines go: a file (created 0600: it names who did what) or standard
 * output. Writing never blocks a call: lines are buffered in memory and written
 * in batches, at most `flushMs` later, by the stream's asynchronous writes. If the
 * disk cannot keep up and the backlog passes `maxBufferedBytes`, new lines are
 * dropped and counted rather than let memory grow without bound. `close` writes
 * what is left and waits for it.
 */
import { once } from 'node:events';
import { createWriteStream, openSync } from 'node:fs';
import type { Writable } from 'node:stream';

export interface AuditSink {
  /** Queues one line (with its newline). */
  write(line: string): void;
  /** Lines dropped because the backlog was full. */
  readonly dropped: number;
  /** Writes the backlog and, for a file, closes it. */
  close(): Promise<void>;
}

export interface BufferedSinkOptions {
  /** Longest a line waits before it is written. */
  flushMs?: number;
  /** A batch this large is written at once. */
  batchBytes?: number;
  /** The most held in memory, waiting for the stream. */
  maxBufferedBytes?: number;
  /** Whether `close` ends the stream (a file) or leaves it open (standard output). */
  endOnClose?: boolean;
  /** Told of the first line dropped after a full backlog. */
  onDrop?: (dropped: number) => void;
}

export class BufferedSink implements AuditSink {
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;
  private closed = false;
  private droppedLines = 0;
  private readonly flushMs: number;
  private readonly batchBytes: number;
  private readonly maxBufferedBytes: number;

  constructor(
    private readonly stream: Writable,
    private readonly opts: BufferedSinkOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 200;
    this.batchBytes = opts.batchBytes ?? 64 * 1024;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
    // A failing disk must not crash the apiserver; lines are then dropped.
    stream.on('error', () => {
      this.closed = true;
    });
  }

  get dropped(): number {
    return this.droppedLines;
  }

  write(line: string): void {
    if (this.closed) return;
    const bufferedBytes = this.pendingBytes + this.stream.writableLength;
    if (bufferedBytes + line.length > this.maxBufferedBytes) {
      if (this.droppedLines++ === 0) this.opts.onDrop?.(this.droppedLines);
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= this.batchBytes) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain').catch(() => undefined);
    this.flush(true);
    if (this.opts.endOnClose && !this.stream.writableEnded) {
      this.stream.end();
      await once(this.stream, 'finish').catch(() => undefined);
    }
  }

  private flush(force = false): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0 || (this.waitingForDrain && !force)) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.stream.write(chunk) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.stream.once('drain', () => {
        this.waitingForDrain = false;
        this.flush();
      });
    }
  }
}

/** `-` is standard output; anything else a file, appended to. */
export function openAuditSink(path: string, opts: Omit<BufferedSinkOptions, 'endOnClose'> = {}): AuditSink {
  if (path === '-') return new BufferedSink(process.stdout, { ...opts, endOnClose: false });
  // Opened here, synchronously, so that a bad path stops the apiserver at start, not at the first call.
  const fd = openSync(path, 'a', 0o600);
  const file = createWriteStream(path, { fd });
  return new BufferedSink(file, { ...opts, endOnClose: true });
}
