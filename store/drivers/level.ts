import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClassicLevel } from 'classic-level';
import { MvccBackend } from '../mvcc/mvcc-backend.js';
import type { LogState, RangeOptions, RevisionLog } from '../mvcc/revision-log.js';
import { registerDriver } from '../registry.js';
import { type Event, type KeyValue, tombstone } from '../types.js';
import { lastRevision, type WalEntry, type WalRecord, WriteAheadLog } from '../wal/index.js';

/*
 * Layout (keys are strings; store keys are printable ASCII, so `\x00` and `\x7f`
 * bound them without escaping; revisions are 16 hex digits so that they sort):
 *
 *   h/<key>\x00<rev>  the key as written at <rev>: a record (below), or a deletion
 *   r/<rev>           the keys written by the write batch whose first revision is <rev>,
 *                     in order, joined by `\x00`: the revision log that watch replays (an
 *                     older store wrote one entry a revision, which reads as a batch of one)
 *   m/revision        the last revision written
 *   m/compact         the compacted revision (set before history is deleted)
 *   m/compacted       the revision whose history has been deleted (resumed at open)
 *   m/checkpoint      the revision of the last checkpoint's synced write
 *
 * A record is a 33-byte header (flags, create revision, version, expiry, previous
 * mod revision) followed by the value.
 *
 * A write batch is durable, and acknowledged, once its record is synced in the
 * write-ahead log (`<dir>/wal/`, store/wal/). LevelDB is written behind it, off the
 * acknowledgement's path: the batches acknowledged meanwhile go in one LevelDB batch
 * (a crash leaves either all of it or none of it), without sync, LEVEL_WRITE_DELAY_MS
 * after the first of them. Every read of LevelDB first has it written at once and waits
 * until it holds everything acknowledged. A checkpoint makes LevelDB durable up to a revision so that the WAL
 * can let go of it; at open, the WAL's records after its last checkpoint are written
 * into LevelDB again.
 */
const HEADER = 33;
const FLAG_DELETED = 1;
const READ_PAGE = 1000;
/**
 * LevelDB is written behind the WAL at most this long after a record was acknowledged
 * (sooner when a read of history needs it, or once LEVEL_WRITE_BYTES are behind).
 */
const LEVEL_WRITE_DELAY_MS = 10;
const LEVEL_WRITE_BYTES = 4 * 1024 * 1024;
/** How long open and close wait for LevelDB to become durable before giving up. */
const CHECKPOINT_WAIT_MS = 30_000;
/** How soon a checkpoint is tried again when LevelDB is still writing out an older log file. */
const CHECKPOINT_RETRY_MS = 50;

const hex = (revision: number) => revision.toString(16).padStart(16, '0');
const historyKey = (key: string, revision: number) => `h/${key}\x00${hex(revision)}`;

interface Record {
  readonly kv: KeyValue | null;
  readonly prevRevision: number;
}

const recordBytes = (event: Event) => HEADER + (event.type === 'delete' ? 0 : event.kv.value.length);

/** The record of `event`, written into `buf` (which has exactly its size). */
function encodeInto(event: Event, buf: Buffer): Buffer {
  const deleted = event.type === 'delete';
  buf.writeUInt8(deleted ? FLAG_DELETED : 0, 0);
  buf.writeDoubleBE(event.kv.createRevision, 1);
  buf.writeDoubleBE(event.kv.version, 9);
  buf.writeDoubleBE(event.kv.expiresAtMs, 17);
  buf.writeDoubleBE(event.prevKv?.modRevision ?? 0, 25);
  if (!deleted) event.kv.value.copy(buf, HEADER);
  return buf;
}

/** A batch's WAL entries: each event's record, as views of one allocation (not one each from the pool). */
function walEntries(events: readonly Event[]): WalEntry[] {
  let total = 0;
  for (const event of events) total += recordBytes(event);
  const slab = Buffer.allocUnsafeSlow(total);
  let pos = 0;
  return events.map((event) => {
    const start = pos;
    pos += recordBytes(event);
    return { key: event.kv.key, data: encodeInto(event, slab.subarray(start, pos)) };
  });
}

function decode(key: string, revision: number, buf: Buffer, keysOnly = false): Record {
  const prevRevision = buf.readDoubleBE(25);
  if (buf.readUInt8(0) & FLAG_DELETED) return { kv: null, prevRevision };
  return {
    kv: {
      key,
      value: keysOnly ? Buffer.alloc(0) : buf.subarray(HEADER),
      createRevision: buf.readDoubleBE(1),
      modRevision: revision,
      version: buf.readDoubleBE(9),
      expiresAtMs: buf.readDoubleBE(17),
    },
    prevRevision,
  };
}

/** Splits `h/<key>\x00<rev>`. */
function splitHistoryKey(dbKey: string): { key: string; revision: number } {
  const sep = dbKey.lastIndexOf('\x00');
  return { key: dbKey.slice(2, sep), revision: Number.parseInt(dbKey.slice(sep + 1), 16) };
}

export interface LevelLogOptions {
  /** Size of a write-ahead log segment (64 MiB by default). */
  readonly walSegmentBytes?: number;
}

export class LevelLog implements RevisionLog {
  readonly name = 'level';
  private readonly db: ClassicLevel<string, Buffer>;
  private wal: WriteAheadLog | undefined;
  /** The last revision LevelDB holds: written behind the WAL, it serves every read of history. */
  private appended = 0;
  /** Records durable in the WAL and not yet written to LevelDB, oldest first. */
  private behind: WalRecord[] = [];
  /** The LevelDB write under way, if any. */
  private levelWrite: Promise<void> | undefined;
  private levelWriteTimer: NodeJS.Timeout | undefined;
  /** Bytes of the values in `behind`. */
  private behindBytes = 0;
  /** Set when a LevelDB write failed: reads and appends are refused from then on. */
  private levelFailure: unknown;
  /** Reads waiting for LevelDB to catch up with `revision`. */
  private readonly catchingUp: { revision: number; resolve(): void; reject(err: unknown): void }[] = [];
  /** The last revision appended to the WAL. */
  private logged = 0;
  private checkpointing: Promise<void> | undefined;
  private checkpointRetry: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly dir: string,
    private readonly options: LevelLogOptions = {},
  ) {
    this.db = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  }

  async open(): Promise<LogState> {
    await this.db.open();
    const wal = await WriteAheadLog.open(join(this.dir, 'wal'), {
      segmentBytes: this.options.walSegmentBytes,
    });
    let held = await this.readRevision('m/revision');
    if (wal.checkpoint !== undefined && held < wal.checkpoint) {
      throw new Error(`LevelDB holds revision ${held}, but the WAL was checkpointed at ${wal.checkpoint}`);
    }
    // What the WAL has after its checkpoint is written again: LevelDB may have lost any of
    // its unsynced writes, not only the newest. Rewriting what it kept changes nothing.
    for await (const record of wal.replay()) held = await this.writeBatch(record, held);
    if (!(await this.syncLevel(held, CHECKPOINT_WAIT_MS))) {
      throw new Error('LevelDB did not become durable at open (an older log file stayed)');
    }
    await wal.start(held);
    this.wal = wal;
    this.appended = held;
    this.logged = held;
    const [revision, compactRevision, compacted] = (
      await this.db.getMany(['m/revision', 'm/compact', 'm/compacted'])
    ).map((v) => (v ? Number.parseInt(v.toString(), 16) : 0));
    const current: KeyValue[] = [];
    let last: { key: string; kv: KeyValue | null } | undefined;
    for await (const [dbKey, buf] of this.db.iterator({ gte: 'h/', lt: 'h0' })) {
      const { key, revision: rev } = splitHistoryKey(dbKey);
      if (last && last.key !== key && last.kv) current.push(last.kv);
      last = { key, kv: decode(key, rev, buf).kv };
    }
    if (last?.kv) current.push(last.kv);
    // A compaction that a crash interrupted is finished before anything else reads history.
    if (compactRevision! > compacted!) await this.compact(compactRevision!);
    return { revision: revision!, compactRevision: compactRevision!, current };
  }

  /** Durable once the WAL has the batch; LevelDB gets it behind (see the top of this file). */
  async append(events: readonly Event[]): Promise<void> {
    if (!this.wal) throw new Error('the level log is not open');
    if (this.levelFailure) throw this.levelFailure;
    const record: WalRecord = { firstRevision: events[0]!.kv.modRevision, entries: walEntries(events) };
    await this.wal.append(record);
    this.logged = lastRevision(record);
    this.behind.push(record);
    for (const entry of record.entries) this.behindBytes += entry.data.length;
    this.scheduleLevelWrite();
  }

  async getAt(key: string, revision: number): Promise<KeyValue | undefined> {
    await this.caughtUp();
    const entries = await this.db
      .iterator({ gte: `h/${key}\x00`, lte: historyKey(key, revision), reverse: true, limit: 1 })
      .all();
    const entry = entries[0];
    return entry ? (decode(key, splitHistoryKey(entry[0]).revision, entry[1]).kv ?? undefined) : undefined;
  }

  async rangeAt(prefix: string, revision: number, options: RangeOptions) {
    await this.caughtUp();
    const from = `h/${prefix}`;
    const after = options.startAfter ? `h/${options.startAfter}\x01` : '';
    const kvs: KeyValue[] = [];
    // The newest version at or below `revision` of the key being scanned: a key's versions are adjacent.
    let candidate: { key: string; revision: number; buf: Buffer } | undefined;
    let more = false;
    const flush = (): boolean => {
      if (!candidate) return true;
      const { kv } = decode(candidate.key, candidate.revision, candidate.buf, options.keysOnly);
      candidate = undefined;
      if (!kv) return true;
      if (options.limit > 0 && kvs.length === options.limit) {
        more = true;
        return false;
      }
      kvs.push(kv);
      return true;
    };
    const it = this.db.iterator({ gte: after > from ? after : from, lt: `h/${prefix}\x7f` });
    try {
      scan: for (;;) {
        const entries = await it.nextv(READ_PAGE);
        if (entries.length === 0) break;
        for (const [dbKey, buf] of entries) {
          const { key, revision: rev } = splitHistoryKey(dbKey);
          if (candidate && candidate.key !== key && !flush()) break scan;
          if (rev <= revision) candidate = { key, revision: rev, buf };
        }
      }
      if (!more) flush();
    } finally {
      await it.close();
    }
    return { kvs, more };
  }

  async eventsBetween(prefix: string, after: number, upTo: number, max: number) {
    await this.caughtUp();
    const wanted: { key: string; revision: number }[] = [];
    let scannedTo = after;
    // The batch that holds the revision after `after` may have started before it.
    const from = (await this.batchAtOrBefore(after + 1)) ?? after + 1;
    const it = this.db.iterator({ gte: `r/${hex(from)}`, lte: `r/${hex(upTo)}` });
    try {
      scan: for (;;) {
        // An entry holds at least one revision: `max` of them can hold every event wanted.
        const entries = await it.nextv(Math.min(READ_PAGE, max));
        if (entries.length === 0) {
          scannedTo = upTo;
          break;
        }
        for (const [dbKey, buf] of entries) {
          const first = Number.parseInt(dbKey.slice(2), 16);
          const keys = buf.toString().split('\x00');
          for (let i = 0; i < keys.length; i++) {
            const revision = first + i;
            if (revision <= after) continue;
            if (revision > upTo) {
              scannedTo = upTo;
              break scan;
            }
            scannedTo = revision;
            if (keys[i]!.startsWith(prefix)) wanted.push({ key: keys[i]!, revision });
            if (wanted.length === max) break scan;
          }
        }
      }
    } finally {
      await it.close();
    }
    if (wanted.length === 0) return { events: [], scannedTo };
    const bufs = await this.db.getMany(wanted.map((w) => historyKey(w.key, w.revision)));
    const records = wanted.map((w, i) => {
      const buf = bufs[i];
      if (!buf) throw new Error(`history of revision ${w.revision} is missing`);
      return decode(w.key, w.revision, buf);
    });
    const prevBufs = await this.db.getMany(
      records.map((r, i) => (r.prevRevision > 0 ? historyKey(wanted[i]!.key, r.prevRevision) : 'm/none')),
    );
    const events = records.map((r, i): Event => {
      const { key, revision } = wanted[i]!;
      const prevBuf = r.prevRevision > 0 ? prevBufs[i] : undefined;
      const prevKv = prevBuf ? (decode(key, r.prevRevision, prevBuf).kv ?? undefined) : undefined;
      return r.kv
        ? { type: 'put', kv: r.kv, prevKv }
        : { type: 'delete', kv: tombstone(key, revision), prevKv };
    });
    return { events, scannedTo };
  }

  async compact(revision: number): Promise<void> {
    await this.caughtUp();
    await this.db.put('m/compact', Buffer.from(hex(revision)), { sync: true });
    // Revision log entries wholly at or below the mark; the batch that straddles it stays.
    const kept = await this.batchAtOrBefore(revision + 1);
    if (kept !== undefined) await this.db.clear({ gte: 'r/', lt: `r/${hex(kept)}` });
    let deletes = this.db.batch();
    // Per key, every version at or below the mark except the newest, and that one too if it is a deletion.
    let older: { dbKey: string; deleted: boolean } | undefined;
    let olderKey = '';
    const it = this.db.iterator({ gte: 'h/', lt: 'h0' });
    try {
      for (;;) {
        const entries = await it.nextv(READ_PAGE);
        if (entries.length === 0) break;
        for (const [dbKey, buf] of entries) {
          const { key, revision: rev } = splitHistoryKey(dbKey);
          if (older && olderKey !== key && older.deleted) deletes.del(older.dbKey);
          if (older && olderKey === key && rev <= revision) deletes.del(older.dbKey);
          if (olderKey !== key || rev <= revision) {
            older = rev <= revision ? { dbKey, deleted: (buf.readUInt8(0) & FLAG_DELETED) !== 0 } : undefined;
          }
          olderKey = key;
        }
        if (deletes.length >= READ_PAGE) {
          await deletes.write();
          deletes = this.db.batch();
        }
      }
      if (older?.deleted) deletes.del(older.dbKey);
      await deletes.write();
    } finally {
      await it.close();
    }
    await this.db.put('m/compacted', Buffer.from(hex(revision)), { sync: true });
    // Hand the freed space back now rather than whenever LevelDB gets to it.
    await this.db.compactRange('h/', 'h0');
    await this.db.compactRange('r/', 'r0');
  }

  /** LevelDB's files; the WAL's preallocated segments are not counted. */
  async sizeBytes(): Promise<number> {
    let bytes = 0;
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      // LevelDB deletes files as it compacts; one listed a moment ago may be gone.
      const size = await stat(join(this.dir, entry.name)).then(
        (s) => s.size,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return 0;
          throw err;
        },
      );
      bytes += size;
    }
    return bytes;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.checkpointRetry);
    await this.caughtUp().catch(() => {}); // what LevelDB lacks stays in the WAL for the next open
    clearTimeout(this.levelWriteTimer);
    await this.checkpointing;
    if (this.wal) {
      // A checkpoint of everything lets the next open start with nothing to replay.
      const revision = this.appended;
      const durable = await this.syncLevel(revision, CHECKPOINT_WAIT_MS).catch(() => false);
      await this.wal.close(durable ? revision : undefined);
    }
    await this.db.close();
  }

  private async readRevision(dbKey: string): Promise<number> {
    const value = await this.db.get(dbKey);
    return value ? Number.parseInt(value.toString(), 16) : 0;
  }

  /** The first revision of the revision log entry that holds `revision` (or the last one before it). */
  private async batchAtOrBefore(revision: number): Promise<number | undefined> {
    const [dbKey] = await this.db
      .keys({ gte: 'r/', lte: `r/${hex(revision)}`, reverse: true, limit: 1 })
      .all();
    return dbKey === undefined ? undefined : Number.parseInt(dbKey.slice(2), 16);
  }

  /** The LevelDB batch of write batches: their history, their revision log entries and `m/revision`. */
  private levelBatch(records: readonly WalRecord[], revision: number) {
    const batch = this.db.batch();
    for (const { firstRevision, entries } of records) {
      let keys = '';
      for (let i = 0; i < entries.length; i++) {
        const { key, data } = entries[i]!;
        batch.put(historyKey(key, firstRevision + i), data);
        keys = i === 0 ? key : `${keys}\x00${key}`;
      }
      batch.put(`r/${hex(firstRevision)}`, Buffer.from(keys));
    }
    batch.put('m/revision', Buffer.from(hex(revision)));
    return batch;
  }

  /** Writes a replayed WAL record into LevelDB; returns the revision LevelDB holds after it. */
  private async writeBatch(record: WalRecord, held: number): Promise<number> {
    const revision = Math.max(held, lastRevision(record));
    await this.levelBatch([record], revision).write();
    return revision;
  }

  /**
   * Writes what LevelDB lacks once the records behind have waited LEVEL_WRITE_DELAY_MS
   * or hold LEVEL_WRITE_BYTES, whichever comes first; a read of history that finds LevelDB
   * behind has it written at once (`caughtUp`). Each LevelDB write has a fixed cost (a
   * native batch, a hand-off to the thread pool and back, a write to LevelDB's own log
   * and a memtable insert under its lock) that dominates at the small group commits of
   * a paced load: gathering them makes it once per interval rather than once per commit.
   * Nothing waits on it but reads of history, so the delay costs acknowledged writes nothing.
   */
  private scheduleLevelWrite(): void {
    if (this.levelWrite) return;
    if (this.behindBytes >= LEVEL_WRITE_BYTES) {
      this.writeBehindNow();
      return;
    }
    if (this.levelWriteTimer) return;
    this.levelWriteTimer = setTimeout(() => {
      this.levelWriteTimer = undefined;
      this.writeBehind();
    }, LEVEL_WRITE_DELAY_MS);
  }

  /** Starts the LevelDB write of what is behind now rather than when its timer fires. */
  private writeBehindNow(): void {
    clearTimeout(this.levelWriteTimer);
    this.levelWriteTimer = undefined;
    this.writeBehind();
  }

  /** One LevelDB batch of every record behind; then again while more came meanwhile. */
  private writeBehind(): void {
    if (this.levelWrite || this.behind.length === 0) return;
    const records = this.behind;
    this.behind = [];
    this.behindBytes = 0;
    const revision = lastRevision(records[records.length - 1]!);
    this.levelWrite = this.levelBatch(records, revision)
      .write()
      .then(
        () => {
          this.appended = revision;
          this.levelWrite = undefined;
          this.settleCatchingUp();
          if (this.wal && this.wal.sealedSegments > 0) this.checkpointSoon();
          // Readers still waiting want records that came during this write: no gathering delay for them.
          if (this.catchingUp.length > 0) this.writeBehindNow();
          else if (this.behind.length > 0) this.scheduleLevelWrite();
        },
        (err: unknown) => {
          this.levelFailure = new Error(`LevelDB refused a write; the store needs a restart: ${err}`);
          this.levelWrite = undefined;
          this.settleCatchingUp();
        },
      );
  }

  /** Resolves once LevelDB holds everything appended so far. */
  private caughtUp(): Promise<void> {
    if (this.levelFailure) return Promise.reject(this.levelFailure);
    if (this.appended >= this.logged) return Promise.resolve();
    const revision = this.logged;
    // The records behind are written now: a reader does not wait out the gathering delay.
    if (!this.levelWrite) this.writeBehindNow();
    return new Promise<void>((resolve, reject) => this.catchingUp.push({ revision, resolve, reject }));
  }

  private settleCatchingUp(): void {
    let kept = 0;
    for (const waiter of this.catchingUp) {
      if (this.levelFailure) waiter.reject(this.levelFailure);
      else if (waiter.revision <= this.appended) waiter.resolve();
      else this.catchingUp[kept++] = waiter;
    }
    this.catchingUp.length = kept;
  }

  /** In the background: makes LevelDB durable up to the last appended revision, then releases the WAL up to it. */
  private checkpointSoon(): void {
    if (this.checkpointing || this.checkpointRetry || this.closing) return;
    const revision = this.appended;
    this.checkpointing = this.syncLevel(revision, 0)
      .then(async (durable) => {
        if (durable) await this.wal?.release(revision);
        else this.retryCheckpoint();
      })
      .catch(() => this.retryCheckpoint()) // the WAL keeps everything meanwhile
      .finally(() => {
        this.checkpointing = undefined;
      });
  }

  private retryCheckpoint(): void {
    if (this.closing) return;
    this.checkpointRetry = setTimeout(() => {
      this.checkpointRetry = undefined;
      this.checkpointSoon();
    }, CHECKPOINT_RETRY_MS);
  }

  /**
   * A synced LevelDB write makes durable everything LevelDB took before it, with one
   * exception: after LevelDB switches to a new log file, the previous one is not synced
   * until its memtable has been written out to a table file and the log deleted. So the
   * sync counts only once LevelDB has a single log file left; it is retried for up to
   * `waitMs`. Returns whether everything up to `revision` is durable in LevelDB.
   */
  private async syncLevel(revision: number, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      await this.db.put('m/checkpoint', Buffer.from(hex(revision)), { sync: true });
      const logs = (await readdir(this.dir)).filter((name) => /^\d+\.log$/.test(name));
      if (logs.length <= 1) return true;
      if (Date.now() >= deadline) return false;
      await sleep(CHECKPOINT_RETRY_MS);
    }
  }
}

/**
 * Fills an empty directory with a level store that holds `kvs` as they were at `revision`
 * (a snapshot's keys, with their own create and mod revisions), compacted at `revision`:
 * the store opened on it goes on from there, and a watch from before it is OUT_OF_RANGE.
 * Refuses a directory that already holds a database.
 */
export async function restoreLevelStore(
  dir: string,
  snapshot: { readonly revision: number; readonly kvs: AsyncIterable<KeyValue> | Iterable<KeyValue> },
): Promise<{ keys: number }> {
  const db = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  try {
    for await (const _ of db.keys({ limit: 1 })) {
      throw new Error(`${dir} already holds a store; restore into an empty directory`);
    }
    let keys = 0;
    let batch = db.batch();
    for await (const kv of snapshot.kvs) {
      if (kv.modRevision > snapshot.revision) {
        throw new Error(`key ${kv.key} was written at ${kv.modRevision}, after the snapshot's revision`);
      }
      const event: Event = { type: 'put', kv };
      batch.put(historyKey(kv.key, kv.modRevision), encodeInto(event, Buffer.alloc(recordBytes(event))));
      if (++keys % READ_PAGE === 0) {
        await batch.write();
        batch = db.batch();
      }
    }
    const mark = Buffer.from(hex(snapshot.revision));
    batch.put('m/revision', mark);
    batch.put('m/compact', mark);
    batch.put('m/compacted', mark);
    await batch.write({ sync: true });
    return { keys };
  } finally {
    await db.close();
  }
}

registerDriver('level', async (location, options) => {
  if (!location) throw new Error('level:// needs a directory, e.g. level:///var/lib/wheelhouse/store');
  return MvccBackend.open(new LevelLog(location), options);
});
