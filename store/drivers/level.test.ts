import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { backendSuite } from '../backend-suite.js';
import { MvccBackend } from '../mvcc/mvcc-backend.js';
import { openBackend } from '../registry.js';
import { type BackendOptions, StoreError } from '../types.js';
import './index.js';
import { LevelLog } from './level.js';

const root = mkdtempSync(join(tmpdir(), 'store-level-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `db-${n++}`);
/** Small WAL segments, so that the suite rolls, checkpoints and recycles them. */
const openLevel = (dir: string, options?: BackendOptions) =>
  MvccBackend.open(new LevelLog(dir, { walSegmentBytes: 64 * 1024 }), options);

backendSuite('level', (options) => openLevel(freshDir(), options));

describe('level driver', () => {
  it('recovers keys, revisions, history and the compacted revision after a reopen', async () => {
    const dir = freshDir();
    let b = await openBackend(`level://${dir}`);
    await b.create('/a', Buffer.from('1')); // 1
    await b.create('/b', Buffer.from('b'), 3600); // 2
    await b.update('/a', Buffer.from('2'), 1); // 3
    await b.delete('/b'); // 4
    await b.create('/c', Buffer.from('c'), 3600); // 5
    await b.compact(2);
    await b.close();

    b = await openBackend(`level://${dir}`);
    try {
      const status = await b.status();
      assert.equal(status.revision, 5);
      assert.equal(status.compactRevision, 2);
      assert.equal(status.keys, 2);
      assert.ok(status.dbSizeBytes > 0);
      assert.equal((await b.get('/a')).kv?.version, 2);
      assert.ok(((await b.get('/c')).kv?.expiresAtMs ?? 0) > Date.now(), 'TTLs survive a restart');
      assert.equal((await b.get('/b', 3)).kv?.value.toString(), 'b');
      const next = await b.create('/d', Buffer.from('d'));
      assert.equal(next.modRevision, 6, 'revisions continue where they stopped');
      const events = [];
      for await (const batch of b.watch('/', 2)) {
        events.push(...batch.events);
        if (events.length >= 4) break;
      }
      assert.deepEqual(
        events.map((e) => [e.type, e.kv.key, e.kv.modRevision]),
        [
          ['put', '/a', 3],
          ['delete', '/b', 4],
          ['put', '/c', 5],
          ['put', '/d', 6],
        ],
      );
    } finally {
      await b.close();
    }
  });

  it('replays and compacts from inside a write batch, whose revision log is one entry', async () => {
    const dir = freshDir();
    const b = await openLevel(dir);
    await b.create('/other', Buffer.from('o')); // 1, a batch of its own
    // Queued in one tick: one durable batch, revisions 2 to 11.
    const kvs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => b.create(i % 2 ? `/odd/${i}` : `/even/${i}`, Buffer.from(`${i}`))),
    );
    assert.deepEqual(
      kvs.map((kv) => kv.modRevision),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    );
    await b.create('/odd/after', Buffer.from('a')); // 12
    const replay = async (prefix: string, start: number, until: number) => {
      const revisions: number[] = [];
      for await (const batch of b.watch(prefix, start)) {
        revisions.push(...batch.events.map((e) => e.kv.modRevision));
        if (revisions[revisions.length - 1] === until) break;
      }
      return revisions;
    };
    assert.deepEqual(await replay('/', 4, 12), [5, 6, 7, 8, 9, 10, 11, 12]);
    assert.deepEqual(await replay('/odd/', 4, 12), [5, 7, 9, 11, 12]);
    assert.deepEqual(await replay('/even/', 0 + 1, 10), [2, 4, 6, 8, 10]);

    await b.compact(6);
    assert.deepEqual(await replay('/', 6, 12), [7, 8, 9, 10, 11, 12]);
    assert.deepEqual(await replay('/odd/', 6, 12), [7, 9, 11, 12]);
    await assert.rejects(
      async () => replay('/', 5, 12),
      (err: StoreError) => err.storeReason === 'Compacted',
    );
    await b.close();

    // On disk: revision 1's entry is gone, the straddling batch (2 to 11) and 12 stay.
    const db = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await db.open();
    const log = await db.iterator({ gte: 'r/', lt: 'r0' }).all();
    await db.close();
    assert.deepEqual(
      log.map(([key, keys]) => [Number.parseInt(key.slice(2), 16), keys.toString().split('\x00').length]),
      [
        [2, 10],
        [12, 1],
      ],
    );
  });

  it('reads a revision log written one entry a revision', async () => {
    const dir = freshDir();
    let b = await openLevel(dir);
    await Promise.all([b.create('/a', Buffer.from('a')), b.create('/b', Buffer.from('b'))]); // 1, 2
    await b.close();
    // Rewritten as an older store laid it out.
    const db = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await db.open();
    const hex = (rev: number) => rev.toString(16).padStart(16, '0');
    await db.batch([
      { type: 'del', key: `r/${hex(1)}` },
      { type: 'put', key: `r/${hex(1)}`, value: Buffer.from('/a') },
      { type: 'put', key: `r/${hex(2)}`, value: Buffer.from('/b') },
    ]);
    await db.close();
    b = await openLevel(dir);
    try {
      await b.create('/c', Buffer.from('c')); // 3
      const events = [];
      for await (const batch of b.watch('/', 1)) {
        events.push(...batch.events);
        if (events.length >= 2) break;
      }
      assert.deepEqual(
        events.map((e) => [e.kv.key, e.kv.modRevision]),
        [
          ['/b', 2],
          ['/c', 3],
        ],
      );
      await b.compact(2);
      const after = [];
      for await (const batch of b.watch('/', 2)) {
        after.push(...batch.events.map((e) => e.kv.modRevision));
        break;
      }
      assert.deepEqual(after, [3]);
    } finally {
      await b.close();
    }
  });

  it('deletes compacted history from disk', async () => {
    const b = await openBackend(`level://${freshDir()}`);
    try {
      const value = Buffer.alloc(64 * 1024, 7);
      let kv = await b.create('/big', value);
      for (let i = 0; i < 100; i++) kv = await b.update('/big', value, kv.modRevision);
      const before = (await b.status()).dbSizeBytes;
      await b.compact(kv.modRevision);
      const after = (await b.status()).dbSizeBytes;
      assert.ok(after < before / 4, `db size ${before} -> ${after}`);
      assert.equal((await b.get('/big')).kv?.version, 101);
    } finally {
      await b.close();
    }
  });

  it('writes into LevelDB at open what only the WAL kept, with the right revisions, values and versions', async () => {
    const dir = freshDir();
    // A store process that writes eight revisions and is killed: its WAL holds them all.
    await writeAndKill(dir, [
      "await b.create('/a', v('a1'))", // 1
      "await b.create('/b', v('b1'))", // 2
      "await b.update('/a', v('a2'), 1)", // 3
      "await b.create('/c', v('c1'))", // 4
      "await b.delete('/b', 2)", // 5
      "await b.update('/a', v('a3'), 3)", // 6
      "await b.create('/d', v('d1'), 3600)", // 7
      "await b.update('/c', v('c2'), 4)", // 8
      // A read of history waits until LevelDB, written behind the WAL, holds every revision.
      "await b.get('/a', 3)",
    ]);
    // LevelDB loses what it never synced: the newest batches, and one in the middle.
    const db = new ClassicLevel<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    await db.open();
    const lost = [3, 6, 7, 8];
    const gone: string[] = [];
    for await (const key of db.keys()) {
      const rev = Number.parseInt(
        key.startsWith('r/') ? key.slice(2) : key.slice(key.lastIndexOf('\x00') + 1),
        16,
      );
      if ((key.startsWith('r/') || key.startsWith('h/')) && lost.includes(rev)) gone.push(key);
    }
    assert.ok(gone.length <= 8);
    assert.deepEqual(gone.filter((key) => key.endsWith('3')).sort(), [
      `h//a\x00${'3'.padStart(16, '0')}`,
      `r/${'3'.padStart(16, '0')}`,
    ]);
    await db.batch([
      ...gone.map((key) => ({ type: 'del' as const, key })),
      { type: 'put' as const, key: 'm/revision', value: Buffer.from('5'.padStart(16, '0')) },
    ]);
    await db.close();

    let b = await openLevel(dir);
    try {
      assert.equal(b.currentRevision(), 8);
      const a = (await b.get('/a')).kv!;
      assert.deepEqual([a.value.toString(), a.createRevision, a.modRevision, a.version], ['a3', 1, 6, 3]);
      const a2 = (await b.get('/a', 4)).kv!;
      assert.deepEqual([a2.value.toString(), a2.modRevision, a2.version], ['a2', 3, 2]);
      const c = (await b.get('/c')).kv!;
      assert.deepEqual([c.value.toString(), c.createRevision, c.modRevision, c.version], ['c2', 4, 8, 2]);
      assert.ok((await b.get('/d')).kv!.expiresAtMs > Date.now());
      assert.equal((await b.get('/b')).kv, undefined);
      assert.equal((await b.status()).keys, 3);
      const events = [];
      for await (const batch of b.watch('/', 1)) {
        events.push(...batch.events);
        if (events.length >= 7) break;
      }
      assert.deepEqual(
        events.map((e) => [e.type, e.kv.key, e.kv.modRevision, e.prevKv?.modRevision ?? 0]),
        [
          ['put', '/b', 2, 0],
          ['put', '/a', 3, 1],
          ['put', '/c', 4, 0],
          ['delete', '/b', 5, 2],
          ['put', '/a', 6, 3],
          ['put', '/d', 7, 0],
          ['put', '/c', 8, 4],
        ],
      );
      assert.equal(
        (await b.create('/e', v('e1'))).modRevision,
        9,
        'revisions continue after the replayed ones',
      );
    } finally {
      await b.close();
    }
    b = await openLevel(dir);
    try {
      assert.equal(b.currentRevision(), 9);
      assert.equal((await b.get('/a', 3)).kv?.value.toString(), 'a2');
    } finally {
      await b.close();
    }
  });

  it('checkpoints as WAL segments fill, and leaves nothing to replay after a clean close', async () => {
    const dir = freshDir();
    const wal = join(dir, 'wal');
    const segments = () => readdirSync(wal).filter((name) => name.endsWith('.wal')).length;
    let b = await openLevel(dir);
    const value = Buffer.alloc(2048, 3);
    try {
      for (let i = 0; i < 400; i++) await b.create(`/k/${i}`, value);
      // ~800 KiB went through 64 KiB segments; checkpoints retire them in the background.
      for (const deadline = Date.now() + 20_000; segments() > 3 && Date.now() < deadline; ) await sleep(50);
      assert.ok(segments() <= 3, `${segments()} segments left`);
      const files = readdirSync(wal).filter((name) => /\.(wal|free)$/.test(name));
      const newest = Math.max(...files.map((name) => Number.parseInt(name.slice(0, 16), 16)));
      assert.ok(newest >= 10, `only ${newest} segments were used`);
      assert.ok(files.length <= 5, `files kept: ${files.join(' ')}`);
    } finally {
      await b.close();
    }
    assert.equal(segments(), 0, 'a clean close releases every segment');
    b = await openLevel(dir);
    try {
      assert.equal(b.currentRevision(), 400);
      assert.equal((await b.list('/k/')).kvs.length, 400);
    } finally {
      await b.close();
    }
  });

  it('serves every acknowledged write from LevelDB, which is written behind the acknowledgements', async () => {
    const b = await openLevel(freshDir());
    try {
      await b.create('/first', v('1'));
      const start = b.currentRevision(); // a watch from 0 would start now
      const keys = Array.from({ length: 300 }, (_, i) => `/k/${String(i).padStart(3, '0')}`);
      await Promise.all(keys.map((key) => b.create(key, Buffer.alloc(600, key))));
      const at = b.currentRevision();
      await b.create('/other', v('x')); // reads at `at` are now reads of history, from LevelDB
      const watched: string[] = [];
      const ac = new AbortController();
      const [listed, got] = await Promise.all([
        b.list('/k/', { revision: at }),
        b.get(keys[299]!, at),
        (async () => {
          for await (const batch of b.watch('/k/', start, { signal: ac.signal })) {
            for (const event of batch.events) watched.push(event.kv.key);
            if (watched.length >= keys.length) ac.abort();
          }
        })().catch(() => {}),
      ]);
      assert.deepEqual(
        listed.kvs.map((kv) => kv.key),
        keys,
      );
      assert.deepEqual(got.kv?.value, Buffer.alloc(600, keys[299]!));
      assert.deepEqual(watched.sort(), keys);
    } finally {
      await b.close();
    }
  });

  it('stops taking writes once a WAL write fails, and keeps serving reads', async () => {
    const dir = freshDir();
    const b = await MvccBackend.open(new LevelLog(dir, { walSegmentBytes: 4096 }));
    try {
      const first = await b.create('/first', v('1'));
      // Without its directory the WAL cannot prepare its next segment.
      renameSync(join(dir, 'wal'), join(dir, 'wal-gone'));
      let failure: unknown;
      for (let i = 0; i < 50 && !failure; i++) {
        await b.create(`/k/${i}`, Buffer.alloc(1500, 1)).catch((err) => {
          failure = err;
        });
      }
      assert.ok(failure instanceof StoreError, `a write fails: ${failure}`);
      assert.equal(failure.storeReason, 'Closed');
      assert.match(failure.message, /stopped taking writes after a failed sync/);
      const revision = b.currentRevision();
      await assert.rejects(b.create('/later', v('x')), /stopped taking writes/);
      assert.equal(b.currentRevision(), revision, 'nothing is applied after the failure');
      assert.equal((await b.get('/first')).kv?.modRevision, first.modRevision);
      renameSync(join(dir, 'wal-gone'), join(dir, 'wal'));
    } finally {
      await b.close();
    }
  });
});

const v = (s: string) => Buffer.from(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `writes` in a child process on a level backend at `dir`, then kills it with SIGKILL. */
async function writeAndKill(dir: string, writes: string[]): Promise<void> {
  const code = `
    import { MvccBackend } from ${JSON.stringify(join(import.meta.dirname, '../mvcc/mvcc-backend.ts'))};
    import { LevelLog } from ${JSON.stringify(join(import.meta.dirname, 'level.ts'))};
    const v = (s) => Buffer.from(s);
    const b = await MvccBackend.open(new LevelLog(${JSON.stringify(dir)}, { walSegmentBytes: 1 << 20 }));
    ${writes.join(';\n')};
    process.stdout.write('written\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('written')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the writer exited with ${code}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
