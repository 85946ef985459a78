import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createKeptPorts, PORTS_FILE } from './kept-ports.js';

const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-kept-ports-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('kept ports', () => {
  test('a second start gets the ports of the first; distinct roles, distinct ports', async () => {
    const first = createKeptPorts(dir, '127.0.0.1');
    const scheduler = await first.port('scheduler');
    const metrics = await first.port('store-metrics');
    const free = await first.free();
    assert.equal(new Set([scheduler, metrics, free]).size, 3);
    first.save();
    const saved = JSON.parse(readFileSync(join(dir, PORTS_FILE), 'utf8'));
    assert.deepEqual(saved, { scheduler, 'store-metrics': metrics });

    const second = createKeptPorts(dir, '127.0.0.1');
    assert.equal(await second.port('store-metrics'), metrics);
    assert.equal(await second.port('scheduler'), scheduler);
  });

  test('a kept port held by another process is replaced, and the new one kept', async () => {
    const first = createKeptPorts(dir, '127.0.0.1');
    const kept = await first.port('scheduler');
    const holder = createServer().listen(kept, '127.0.0.1');
    await once(holder, 'listening');
    try {
      const second = createKeptPorts(dir, '127.0.0.1');
      const replaced = await second.port('scheduler');
      assert.notEqual(replaced, kept);
      second.save();
      assert.equal(JSON.parse(readFileSync(join(dir, PORTS_FILE), 'utf8')).scheduler, replaced);
    } finally {
      holder.close();
    }
  });

  test('a reserved port (a flag given) is never handed out, even when it was kept', async () => {
    const first = createKeptPorts(dir, '127.0.0.1');
    const kept = await first.port('apiserver-rest');
    first.save();
    const second = createKeptPorts(dir, '127.0.0.1');
    second.reserve([kept]);
    const other = await second.port('apiserver-rest');
    assert.notEqual(other, kept);
    assert.notEqual(await second.free(), kept);
  });

  test('an unreadable file is no ports kept, not a failure', async () => {
    writeFileSync(join(dir, PORTS_FILE), '{not json');
    const ports = createKeptPorts(dir, '127.0.0.1');
    assert.ok((await ports.port('scheduler')) > 0);
  });
});
