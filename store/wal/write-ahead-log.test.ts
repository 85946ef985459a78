import assert from 'node:assert/strict';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  decodeFrame,
  encodeFrame,
  FRAME_HEADER,
  frameBytes,
  lastRevision,
  type WalRecord,
} from './record.js';
import { fileName, parseFileName, SEGMENT_HEADER } from './segment.js';
import { type WalOptions, WriteAheadLog } from './write-ahead-log.js';

const root = mkdtempSync(join(tmpdir(), 'store-wal-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `wal-${n++}`);

const SEGMENT = 4096;

/** A record of 1–3 entries whose contents say which revision they belong to. */
function record(firstRevision: number, size = 200): WalRecord {
  const count = 1 + (firstRevision % 3);
  return {
    firstRevision,
    entries: Array.from({ length: count }, (_, i) => ({
      key: `/k/${firstRevision + i}`,
      data: Buffer.alloc(size + ((firstRevision * 7) % 50), `${firstRevision + i}:`),
    })),
  };
}

const plain = (r: WalRecord) => ({
  firstRevision: r.firstRevision,
  entries: r.entries.map((e) => [e.key, e.data.toString('base64')]),
});

/** Appends records from `from` on until `count` records are written; returns them. */
async function appendMany(wal: WriteAheadLog, from: number, count: number, size?: number) {
  const written: WalRecord[] = [];
  let revision = from;
  for (let i = 0; i < count; i++) {
    const r = record(revision, size);
    await wal.append(r);
    written.push(r);
    revision = lastRevision(r) + 1;
  }
  return written;
}

async function replayAll(dir: string): Promise<WalRecord[]> {
  const wal = await WriteAheadLog.open(dir, { segmentBytes: SEGMENT });
  const records: WalRecord[] = [];
  for await (const r of wal.replay()) records.push(r);
  await wal.close();
  return records;
}

async function started(
  dir: string,
  revision = 0,
  inlineWrites?: WalOptions['inlineWrites'],
): Promise<WriteAheadLog> {
  const wal = await WriteAheadLog.open(dir, { segmentBytes: SEGMENT, inlineWrites });
  for await (const _ of wal.replay());
  await wal.start(revision);
  return wal;
}

const files = (dir: string, kind: 'segment' | 'free') =>
  readdirSync(dir)
    .map((name) => ({ name, parsed: parseFileName(name) }))
    .filter((f) => f.parsed?.kind === kind)
    .map((f) => ({ path: join(dir, f.name), sequence: f.parsed!.sequence }))
    .sort((a, b) => a.sequence - b.sequence);

/** Offsets of the whole frames of a segment file, as replay reads them. */
function frameOffsets(path: string, sequence: number): number[] {
  const buf = readFileSync(path);
  const offsets: number[] = [];
  for (let pos = SEGMENT_HEADER; ; ) {
    const frame = decodeFrame(buf.subarray(pos), sequence);
    if (!frame) return offsets;
    offsets.push(pos);
    pos += frame.bytes;
  }
}

/** The newest segment that holds records (a spare prepared ahead may follow it). */
function lastWritten(dir: string) {
  const last = files(dir, 'segment').findLast((s) => frameOffsets(s.path, s.sequence).length > 0);
  assert.ok(last, 'a segment with records');
  return last;
}

function overwrite(path: string, position: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, position);
  } finally {
    closeSync(fd);
  }
}

describe('WAL records', () => {
  it('decode what was encoded, and only for the segment they were written to', () => {
    const r = record(41);
    const frame = encodeFrame(r, 7);
    const decoded = decodeFrame(Buffer.concat([frame, Buffer.alloc(100)]), 7);
    assert.deepEqual(plain(decoded!.record), plain(r));
    assert.equal(decoded!.bytes, frame.length);
    assert.equal(decodeFrame(frame, 8), undefined, 'a frame of another segment does not check out');
    assert.equal(decodeFrame(frame.subarray(0, frame.length - 1), 7), undefined, 'a torn frame');
    assert.equal(decodeFrame(Buffer.alloc(64), 7), undefined, 'zeros');
    for (const at of [0, 4, FRAME_HEADER, FRAME_HEADER + 9, frame.length - 1]) {
      const bad = Buffer.from(frame);
      bad[at]! ^= 0x10;
      assert.equal(decodeFrame(bad, 7), undefined, `a flipped bit at ${at}`);
    }
  });

  it('encode into a given buffer the same bytes, and refuse one too small', () => {
    const r = record(41);
    const fresh = encodeFrame(r, 7);
    const into = Buffer.alloc(fresh.length + 50, 0xee);
    const frame = encodeFrame(r, 7, frameBytes(r), into);
    assert.ok(frame.equals(fresh));
    assert.equal(frame.buffer, into.buffer, 'a view of the given buffer');
    assert.equal(into[fresh.length], 0xee, 'nothing written past the frame');
    assert.throws(() => encodeFrame(r, 7, frameBytes(r), Buffer.alloc(fresh.length - 1)), RangeError);
  });
});

describe('write-ahead log', () => {
  it('round-trips many records across segment rolls, records larger than a segment included', async () => {
    const dir = freshDir();
    const wal = await started(dir);
    const written = await appendMany(wal, 1, 60);
    const big = {
      firstRevision: lastRevision(written.at(-1)!) + 1,
      entries: [{ key: '/big', data: Buffer.alloc(3 * SEGMENT, 9) }],
    };
    await wal.append(big);
    written.push(big, ...(await appendMany(wal, big.firstRevision + 1, 20)));
    await wal.close(); // as after a crash: nothing released
    assert.ok(files(dir, 'segment').length >= 8, `${files(dir, 'segment').length} segments`);
    assert.ok(statSync(files(dir, 'segment')[0]!.path).size === SEGMENT, 'segments are preallocated');
    assert.deepEqual((await replayAll(dir)).map(plain), written.map(plain));
  });

  it('ignores a torn last record and keeps the ones before it', async () => {
    for (const tear of ['truncate', 'zero half'] as const) {
      const dir = freshDir();
      const wal = await started(dir);
      const written = await appendMany(wal, 1, 25);
      await wal.close();
      const last = lastWritten(dir);
      const offsets = frameOffsets(last.path, last.sequence);
      const tail = offsets.at(-1)!;
      const frameLength = FRAME_HEADER + readFileSync(last.path).readUInt32LE(tail);
      if (tear === 'truncate') {
        // What a crash in the middle of the write leaves: the start of the frame, zeros after it.
        const half = tail + Math.floor(frameLength / 2);
        overwrite(last.path, half, Buffer.alloc(SEGMENT - half));
      } else {
        overwrite(last.path, tail + frameLength - 40, Buffer.alloc(40));
      }
      assert.deepEqual((await replayAll(dir)).map(plain), written.slice(0, -1).map(plain), tear);
    }
  });

  it('stops at a corrupt record: nothing after it is returned, not even from later segments', async () => {
    const dir = freshDir();
    const wal = await started(dir);
    const written = await appendMany(wal, 1, 40);
    await wal.close();
    const segments = files(dir, 'segment');
    assert.ok(segments.length >= 4);
    const victim = segments[1]!;
    const offsets = frameOffsets(victim.path, victim.sequence);
    const at = offsets[1]! + FRAME_HEADER + 20;
    const byte = readFileSync(victim.path)[at]!;
    overwrite(victim.path, at, Buffer.from([byte ^ 1]));
    const replayed = await replayAll(dir);
    const inFirst = frameOffsets(segments[0]!.path, segments[0]!.sequence).length;
    assert.equal(replayed.length, inFirst + 1, 'the records before the flipped byte');
    assert.deepEqual(replayed.map(plain), written.slice(0, inFirst + 1).map(plain));
  });

  it('never returns what a recycled segment held before', async () => {
    const dir = freshDir();
    const wal = await started(dir);
    const written: WalRecord[] = [];
    let next = 1;
    // Release as it goes, so that segments are retired and recycled several times over.
    for (let round = 0; round < 6; round++) {
      const batch = await appendMany(wal, next, 15);
      written.push(...batch);
      next = lastRevision(batch.at(-1)!) + 1;
      if (round < 5) await wal.release(next - 1);
    }
    const checkpoint = Number.parseInt(readFileSync(join(dir, 'checkpoint'), 'utf8'), 16);
    await wal.close();
    const segments = files(dir, 'segment');
    assert.ok(segments[0]!.sequence > 5, 'segments were retired and recycled several times');
    const leftovers = segments.some(({ path, sequence }) => {
      const buf = readFileSync(path);
      const end = frameOffsets(path, sequence).reduce(
        (_, at) => at + decodeFrame(buf.subarray(at), sequence)!.bytes,
        SEGMENT_HEADER,
      );
      return buf.subarray(end).some((b) => b !== 0);
    });
    assert.ok(leftovers, 'a recycled segment still holds what it held before, after its new records');
    const replayed = await replayAll(dir);
    assert.deepEqual(replayed.map(plain), written.filter((r) => lastRevision(r) > checkpoint).map(plain));
  });

  it('after a checkpoint, replays only the records after it and retires what it covers', async () => {
    const dir = freshDir();
    const wal = await started(dir);
    const written = await appendMany(wal, 1, 50);
    const cut = written[30]!;
    await wal.release(lastRevision(cut));
    assert.ok(files(dir, 'free').length > 0, 'segments at or below the checkpoint are retired');
    await wal.close();
    assert.deepEqual((await replayAll(dir)).map(plain), written.slice(31).map(plain));

    // Released up to the end at close: nothing is left to replay.
    const dir2 = freshDir();
    const wal2 = await started(dir2);
    const all = await appendMany(wal2, 1, 30);
    await wal2.close(lastRevision(all.at(-1)!));
    assert.deepEqual(files(dir2, 'segment'), []);
    assert.deepEqual(await replayAll(dir2), []);
  });

  it('continues after a torn record in a new segment, and replays both runs in order', async () => {
    const dir = freshDir();
    let wal = await started(dir);
    const first = await appendMany(wal, 1, 12);
    await wal.close();
    const last = lastWritten(dir);
    overwrite(last.path, frameOffsets(last.path, last.sequence).at(-1)! + FRAME_HEADER, Buffer.alloc(8));
    const kept = first.slice(0, -1);
    const resumeAt = lastRevision(kept.at(-1)!);

    wal = await WriteAheadLog.open(dir, { segmentBytes: SEGMENT });
    const replayed: WalRecord[] = [];
    for await (const r of wal.replay()) replayed.push(r);
    assert.deepEqual(replayed.map(plain), kept.map(plain));
    // The owner made them durable elsewhere; the log goes on after them.
    await wal.start(resumeAt);
    assert.deepEqual(
      files(dir, 'segment').length,
      1,
      'the earlier run is retired before anything new is written',
    );
    const second = await appendMany(wal, resumeAt + 1, 20, 400);
    await wal.close();
    assert.deepEqual((await replayAll(dir)).map(plain), second.map(plain));
  });

  it('opens an empty or zero-filled log, a spare segment prepared ahead, and leftovers of an interrupted fill', async () => {
    const dir = freshDir();
    assert.deepEqual(await replayAll(dir), []);
    let wal = await started(dir);
    await wal.close();
    assert.equal(files(dir, 'segment').length, 1, 'a started log has a zero-filled segment');
    assert.deepEqual(await replayAll(dir), []);

    // Half a segment written: the next one is being prepared when the process dies.
    wal = await started(dir);
    const written = await appendMany(wal, 1, 8);
    await wal.close();
    writeFileSync(join(dir, fileName(1000, 'tmp')), Buffer.alloc(100, 1));
    assert.deepEqual((await replayAll(dir)).map(plain), written.map(plain));
    assert.ok(!readdirSync(dir).some((name) => name.endsWith('.tmp')), 'an interrupted fill is removed');
  });

  it('writes from the thread pool as well as from the event loop', async () => {
    const dir = freshDir();
    const wal = await started(dir, 0, false);
    const written = await appendMany(wal, 1, 40);
    await wal.close();
    assert.deepEqual((await replayAll(dir)).map(plain), written.map(plain));
  });

  it('moves appends to the thread pool after a slow inline write, and back after the backoff', async () => {
    let now = 0;
    // Every inline write counts as slow here.
    const wal = await started(freshDir(), 0, { stallMs: -1, backoffMs: 1000, now: () => now });
    const records = [record(1)];
    for (let i = 1; i < 4; i++) records.push(record(lastRevision(records[i - 1]!) + 1));
    const [r1, r2, r3, r4] = records as [WalRecord, WalRecord, WalRecord, WalRecord];
    const first = wal.append(r1); // written before append returns, and found slow
    // Offloaded now: a second append while the first is in the thread pool overlaps it.
    const offloaded = wal.append(r2);
    await assert.rejects(wal.append(r3), /overlap/);
    await Promise.all([first, offloaded]);
    now = 1000;
    const inline = wal.append(r3);
    await wal.append(r4); // r3 was done before its append returned
    await inline;
    await wal.close();
  });

  it('refuses appends that overlap, skip revisions, or follow a failure', async () => {
    const wal = await started(freshDir(), 10, false);
    await assert.rejects(wal.append(record(12)), /expected 11/);
    const a = wal.append(record(11));
    await assert.rejects(wal.append(record(12)), /overlap/);
    await a;
    await wal.close();
    await assert.rejects(wal.append(record(13)), /not started/);
  });
});
