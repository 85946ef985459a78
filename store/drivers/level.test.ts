import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { backendSuite } from '../backend-suite.js';
import { openBackend } from '../registry.js';
import './index.js';

const root = mkdtempSync(join(tmpdir(), 'store-level-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `db-${n++}`);

backendSuite('level', (options) => openBackend(`level://${freshDir()}`, options));

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
});
