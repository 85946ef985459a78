import { type FileHandle, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InlineWrites, type InlineWritesOptions } from './inline-writes.js';
import { encodeFrame, frameBytes, lastRevision, type WalRecord } from './record.js';
import {
  createSegment,
  fileName,
  openForAppend,
  parseFileName,
  readSegment,
  recycleSegment,
  SEGMENT_HEADER,
  syncDir,
  writeAll,
  writeAllSync,
} from './segment.js';

export interface WalOptions {
  /** Size of a segment; a record that does not fit in an empty one gets a segment of its own size. */
  readonly segmentBytes?: number;
  /** When appends are written from the event loop (see inline-writes.ts); false: always in the thread pool. */
  readonly inlineWrites?: InlineWritesOptions | false;
}

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/**
 * Frames up to this size are encoded into one buffer kept for the next append (appends
 * never overlap): a group commit's frame is tens of KiB, and a new one each time is a
 * malloc and fresh pages to fault in on every sync.
 */
const REUSED_FRAME_BYTES = 1024 * 1024;
/** Released segments kept for recycling; more are deleted. */
const KEEP_FREE = 2;
/** Holds the revision up to which segments were released (16 hex digits). */
const CHECKPOINT_FILE = 'checkpoint';

interface Segment {
  readonly sequence: number;
  readonly size: number;
  /** 0 while it holds no record. */
  lastRevision: number;
}

interface Active extends Segment {
  readonly handle: FileHandle;
  /** Whether a write is durable when it returns (O_DSYNC); else each is followed by fdatasync. */
  readonly synced: boolean;
  /** Where the next record goes. */
  offset: number;
}

/**
 * A write-ahead log of write batches in preallocated segments (see segment.ts and
 * record.ts for the layout). `append` returns once the record is on disk: one positioned
 * write on a file opened with O_DSYNC (or a write and fdatasync), from the event loop
 * while the device is fast and from the thread pool otherwise (inline-writes.ts).
 * Appends are strictly sequential and their revisions consecutive. The owner makes
 * records durable elsewhere at its own pace and then `release`s them: segments that
 * hold nothing newer are recycled.
 *
 * Life cycle: `open`, `replay` what earlier runs left, make it durable elsewhere,
 * `start(revision)`, then `append`/`release`, and `close`.
 *
 * Why replay can trust what it reads: a record is only written after every earlier one
 * is durable, records left from an earlier use of a file fail their checksum (it covers
 * the segment's sequence number), and `start` retires the segments of earlier runs before
 * the first new record is written. So every whole record that continues the revisions
 * of the one before it was written by this log in that order, and replay stops at the
 * first record that is not whole or does not follow.
 */
export class WriteAheadLog {
  /** Segments no longer written to and not yet released, oldest first. */
  private sealed: Segment[];
  private active: Active | undefined;
  /** The next segment, prepared in the background once the active one is a quarter full. */
  private spare: Promise<Active> | undefined;
  private readonly free: { sequence: number; size: number }[];
  private nextSequence: number;
  private nextRevision = 0;
  /** Directory changes (segments prepared and retired, the checkpoint) happen one at a time. */
  private dirOps: Promise<unknown> = Promise.resolve();
  private failed: unknown;
  private appending = false;
  private closed = false;
  private scratch: Buffer | undefined;

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    private readonly inline: InlineWrites | undefined,
    private checkpointRevision: number | undefined,
    sealed: Segment[],
    free: { sequence: number; size: number }[],
    nextSequence: number,
  ) {
    this.sealed = sealed;
    this.free = free;
    this.nextSequence = nextSequence;
  }

  static async open(dir: string, options: WalOptions = {}): Promise<WriteAheadLog> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (segmentBytes < 4096)
      throw new Error(`a WAL segment must have at least 4096 bytes, not ${segmentBytes}`);
    await mkdir(dir, { recursive: true });
    const sealed: Segment[] = [];
    const free: { sequence: number; size: number }[] = [];
    // Sequence numbers only grow, so that no file's leftovers carry the number of a new segment.
    let maxSequence = 0;
    for (const name of (await readdir(dir)).sort()) {
      const parsed = parseFileName(name);
      if (!parsed) continue;
      maxSequence = Math.max(maxSequence, parsed.sequence);
      const path = join(dir, name);
      const { size } = await stat(path);
      if (parsed.kind === 'segment') sealed.push({ sequence: parsed.sequence, size, lastRevision: 0 });
      else if (parsed.kind === 'free' && size === segmentBytes && free.length < KEEP_FREE) {
        free.push({ sequence: parsed.sequence, size });
      } else await unlink(path);
    }
    const inline = options.inlineWrites === false ? undefined : new InlineWrites(options.inlineWrites);
    return new WriteAheadLog(
      dir,
      segmentBytes,
      inline,
      await readCheckpoint(dir),
      sealed,
      free,
      maxSequence + 1,
    );
  }

  /**
   * The revision up to which records were released (everything up to it is durable
   * elsewhere); undefined for a log that was never started.
   */
  get checkpoint(): number | undefined {
    return this.checkpointRevision;
  }

  /** Segments written and not yet released (the one being written excluded). */
  get sealedSegments(): number {
    return this.sealed.length;
  }

  /**
   * The records earlier runs left after the checkpoint, in order, up to the first that
   * is torn or corrupt or does not continue the revisions before it; nothing after that
   * point is returned. Only before `start`.
   */
  async *replay(): AsyncGenerator<WalRecord> {
    if (this.active) throw new Error('the WAL replays only before it starts');
    const after = this.checkpointRevision;
    let next = after === undefined ? undefined : after + 1;
    let started = false;
    for (const segment of this.sealed) {
      for await (const record of readSegment(this.path(segment.sequence), segment.sequence)) {
        const last = lastRevision(record);
        segment.lastRevision = last;
        if (!started) {
          if (next !== undefined && last < next) continue; // released already
          if (next !== undefined && record.firstRevision > next) return; // a gap after the checkpoint
          started = true;
        } else if (record.firstRevision !== next) {
          return;
        }
        next = last + 1;
        yield record;
      }
    }
  }

  /**
   * Starts a new segment after `revision`. Everything replayed must be durable elsewhere
   * by now: the segments of earlier runs are retired first.
   */
  async start(revision: number): Promise<void> {
    if (this.active || this.closed) throw new Error('the WAL is already started');
    await this.dirOp(async () => {
      await this.writeCheckpoint(revision);
      for (const segment of this.sealed) await this.retire(segment);
      this.sealed = [];
    });
    this.nextRevision = revision + 1;
    this.active = await this.prepare(this.segmentBytes);
  }

  /** Writes the record and syncs it; resolves once it is durable. A failure is final. */
  async append(record: WalRecord): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.active || this.closed) throw new Error('the WAL is not started');
    if (this.appending) throw new Error('WAL appends must not overlap');
    if (record.entries.length === 0 || record.firstRevision !== this.nextRevision) {
      throw new Error(`WAL record at revision ${record.firstRevision}, expected ${this.nextRevision}`);
    }
    this.appending = true;
    try {
      const bytes = frameBytes(record);
      if (this.active.offset + bytes > this.active.size) await this.roll(bytes);
      const active = this.active;
      const frame = encodeFrame(record, active.sequence, bytes, this.frameBuffer(bytes));
      if (this.inline?.inline(bytes)) {
        const started = performance.now();
        writeAllSync(active.handle, frame, active.offset, !active.synced);
        this.inline.wrote(performance.now() - started);
      } else {
        await writeAll(active.handle, frame, active.offset);
        if (!active.synced) await active.handle.datasync();
      }
      active.offset += bytes;
      active.lastRevision = lastRevision(record);
      this.nextRevision = active.lastRevision + 1;
      if (!this.spare && active.offset > active.size / 4) {
        this.spare = this.prepare(this.segmentBytes);
        this.spare.catch(() => {}); // reported by the roll that needs it
      }
    } catch (err) {
      this.failed ??= err;
      throw err;
    } finally {
      this.appending = false;
    }
  }

  /**
   * Everything up to `revision` is durable elsewhere: segments that hold nothing newer
   * are retired (kept for recycling or deleted).
   */
  release(revision: number): Promise<void> {
    return this.dirOp(async () => {
      if (revision > (this.checkpointRevision ?? 0)) await this.writeCheckpoint(revision);
      while (this.sealed.length > 0 && this.sealed[0]!.lastRevision <= revision) {
        await this.retire(this.sealed.shift()!);
      }
    });
  }

  /** Closes the files; with `released`, as `release(released)` also for the segment being written. */
  async close(released?: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { active, spare } = this;
    this.active = undefined;
    this.spare = undefined;
    if (active) {
      await active.handle.close();
      this.sealed.push(active);
    }
    const prepared = await spare?.catch(() => undefined);
    if (prepared) {
      await prepared.handle.close();
      this.sealed.push(prepared);
    }
    if (released !== undefined && !this.failed) await this.release(released);
    await this.dirOps;
  }

  /** The buffer to encode a frame of `bytes` into, kept between appends; none for big ones. */
  private frameBuffer(bytes: number): Buffer | undefined {
    if (bytes > REUSED_FRAME_BYTES) return undefined;
    if (!this.scratch || this.scratch.length < bytes) {
      this.scratch = Buffer.allocUnsafeSlow(
        Math.min(REUSED_FRAME_BYTES, Math.max(bytes, 2 * (this.scratch?.length ?? 32 * 1024))),
      );
    }
    return this.scratch;
  }

  private path(sequence: number): string {
    return join(this.dir, fileName(sequence, 'segment'));
  }

  private dirOp<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.dirOps.then(fn);
    this.dirOps = run.catch(() => {});
    return run;
  }

  private prepare(size: number): Promise<Active> {
    const sequence = this.nextSequence++;
    return this.dirOp(async () => {
      const free = size === this.segmentBytes ? this.free.shift() : undefined;
      if (free) await recycleSegment(this.dir, free.sequence, sequence);
      else await createSegment(this.dir, sequence, size);
      const { handle, synced } = await openForAppend(this.path(sequence));
      return { sequence, size: free?.size ?? size, handle, synced, lastRevision: 0, offset: SEGMENT_HEADER };
    });
  }

  /** Moves on to the next segment; a record too big for a regular one gets its own. */
  private async roll(frame: number): Promise<void> {
    const spare = this.spare;
    this.spare = undefined;
    const oversized = SEGMENT_HEADER + frame > this.segmentBytes;
    const next = await (oversized
      ? this.prepare(SEGMENT_HEADER + frame)
      : (spare ?? this.prepare(this.segmentBytes)));
    const previous = this.active!;
    this.active = next;
    this.sealed.push(previous);
    await previous.handle.close();
    if (oversized && spare) {
      // Left empty between the two: replay passes over it.
      const unused = await spare;
      await unused.handle.close();
      this.sealed.push(unused);
    }
  }

  private async retire(segment: Segment): Promise<void> {
    const path = this.path(segment.sequence);
    if (segment.size === this.segmentBytes && this.free.length < KEEP_FREE) {
      await rename(path, join(this.dir, fileName(segment.sequence, 'free')));
      this.free.push({ sequence: segment.sequence, size: segment.size });
    } else {
      await unlink(path);
    }
    // One at a time and durably, oldest first: the segments left never have a gap.
    await syncDir(this.dir);
  }

  private async writeCheckpoint(revision: number): Promise<void> {
    const tmp = join(this.dir, `${CHECKPOINT_FILE}.next`);
    const handle = await open(tmp, 'w');
    try {
      await writeAll(handle, Buffer.from(`${revision.toString(16).padStart(16, '0')}\n`), 0);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(this.dir, CHECKPOINT_FILE));
    await syncDir(this.dir);
    this.checkpointRevision = revision;
  }
}

async function readCheckpoint(dir: string): Promise<number | undefined> {
  try {
    const text = (await readFile(join(dir, CHECKPOINT_FILE), 'utf8')).trim();
    return /^[0-9a-f]{16}$/.test(text) ? Number.parseInt(text, 16) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
