import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { MvccBackend, tombstone } from '../mvcc/mvcc-backend.js';
import type { LogState, RangeOptions, RevisionLog } from '../mvcc/revision-log.js';
import { registerDriver } from '../registry.js';
import type { Event, KeyValue } from '../types.js';

/*
 * Layout (keys are strings; store keys are printable ASCII, so `\x00` and `\x7f`
 * bound them without escaping; revisions are 16 hex digits so that they sort):
 *
 *   h/<key>\x00<rev>  the key as written at <rev>: a record (below), or a deletion
 *   r/<rev>           the key written at <rev>: the revision log that watch replays
 *   m/revision        the last revision written
 *   m/compact         the compacted revision (set before history is deleted)
 *   m/compacted       the revision whose history has been deleted (resumed at open)
 *
 * A record is a 33-byte header (flags, create revision, version, expiry, previous
 * mod revision) followed by the value. Every write batch is one LevelDB batch with
 * sync: a crash leaves either all of it or none of it.
 */
const HEADER = 33;
const FLAG_DELETED = 1;
const READ_PAGE = 1000;

const hex = (revision: number) => revision.toString(16).padStart(16, '0');
const historyKey = (key: string, revision: number) => `h/${key}\x00${hex(revision)}`;

interface Record {
  readonly kv: KeyValue | null;
  readonly prevRevision: number;
}

function encode(event: Event): Buffer {
  const deleted = event.type === 'delete';
  const value = deleted ? Buffer.alloc(0) : event.kv.value;
  const buf = Buffer.allocUnsafe(HEADER + value.length);
  buf.writeUInt8(deleted ? FLAG_DELETED : 0, 0);
  buf.writeDoubleBE(event.kv.createRevision, 1);
  buf.writeDoubleBE(event.kv.version, 9);
  buf.writeDoubleBE(event.kv.expiresAtMs, 17);
  buf.writeDoubleBE(event.prevKv?.modRevision ?? 0, 25);
  value.copy(buf, HEADER);
  return buf;
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

export class LevelLog implements RevisionLog {
  readonly name = 'level';
  private readonly db: ClassicLevel<string, Buffer>;

  constructor(private readonly dir: string) {
    this.db = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  }

  async open(): Promise<LogState> {
    await this.db.open();
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

  async append(events: readonly Event[]): Promise<void> {
    const batch = this.db.batch();
    for (const event of events) {
      const { key, modRevision } = event.kv;
      batch.put(historyKey(key, modRevision), encode(event));
      batch.put(`r/${hex(modRevision)}`, Buffer.from(key));
    }
    batch.put('m/revision', Buffer.from(hex(events[events.length - 1]!.kv.modRevision)));
    await batch.write({ sync: true });
  }

  async getAt(key: string, revision: number): Promise<KeyValue | undefined> {
    const entries = await this.db
      .iterator({ gte: `h/${key}\x00`, lte: historyKey(key, revision), reverse: true, limit: 1 })
      .all();
    const entry = entries[0];
    return entry ? (decode(key, splitHistoryKey(entry[0]).revision, entry[1]).kv ?? undefined) : undefined;
  }

  async rangeAt(prefix: string, revision: number, options: RangeOptions) {
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
    const wanted: { key: string; revision: number }[] = [];
    let scannedTo = after;
    const it = this.db.iterator({ gt: `r/${hex(after)}`, lte: `r/${hex(upTo)}` });
    try {
      while (wanted.length < max) {
        const entries = await it.nextv(Math.min(READ_PAGE, max * 4));
        if (entries.length === 0) {
          scannedTo = upTo;
          break;
        }
        for (const [dbKey, buf] of entries) {
          const revision = Number.parseInt(dbKey.slice(2), 16);
          scannedTo = revision;
          const key = buf.toString();
          if (key.startsWith(prefix)) wanted.push({ key, revision });
          if (wanted.length === max) break;
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
    await this.db.put('m/compact', Buffer.from(hex(revision)), { sync: true });
    await this.db.clear({ gte: 'r/', lte: `r/${hex(revision)}` });
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

  async sizeBytes(): Promise<number> {
    let bytes = 0;
    for (const name of await readdir(this.dir)) bytes += (await stat(join(this.dir, name))).size;
    return bytes;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

registerDriver('level', async (location, options) => {
  if (!location) throw new Error('level:// needs a directory, e.g. level:///var/lib/wheelhouse/store');
  return MvccBackend.open(new LevelLog(location), options);
});
