import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { createLogger } from '../sdk/logger.js';
import { ensureStorePki } from '../sdk/pki/index.js';
import { StoreClient } from './client.js';
import { type RunningStore, startStoreServer } from './server/start.js';
import { runStorectl } from './storectl.js';

const dir = mkdtempSync(join(tmpdir(), 'store-snapshot-'));
const pki = ensureStorePki(dir);
const tls = {
  cert: readFileSync(pki.serverCertFile),
  key: readFileSync(pki.serverKeyFile),
  ca: readFileSync(pki.caFile),
};

function start(dataDir: string): Promise<RunningStore> {
  return startStoreServer({
    backendUrl: `level://${join(dataDir, 'db')}`,
    listen: '127.0.0.1:0',
    tls,
    allowedCommonNames: ['wheelhouse-apiserver'],
    logger: createLogger('store', { level: 'silent' }),
  });
}

function clientOf(store: RunningStore): StoreClient {
  return new StoreClient({
    address: `127.0.0.1:${store.port}`,
    credentials: credentials.createSsl(
      readFileSync(pki.caFile),
      readFileSync(pki.clientKeyFile),
      readFileSync(pki.clientCertFile),
    ),
  });
}

async function storectl(store: RunningStore | undefined, ...argv: string[]): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const endpoint = store ? ['--endpoint', `127.0.0.1:${store.port}`, '--data-dir', dir] : [];
  await runStorectl([...endpoint, ...argv], { out });
  return Buffer.concat(chunks).toString();
}

describe('storectl snapshot', () => {
  let source: RunningStore;
  let client: StoreClient;
  const file = join(dir, 'backup.snapshot');

  before(async () => {
    source = await start(join(dir, 'source'));
    client = clientOf(source);
  });
  after(async () => {
    client?.close();
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves every key at one revision and restores a store that carries on from it', async () => {
    for (let i = 0; i < 2500; i++)
      await client.create(`/registry/configmaps/default/cm-${i}`, Buffer.from(`v${i}`));
    const updated = await client.update('/registry/configmaps/default/cm-1', Buffer.from('changed'), 0);
    await client.delete('/registry/configmaps/default/cm-2');
    // Writes go on while the snapshot is taken: it holds one revision, whatever came after.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await client.create(`/registry/later/k-${i}`, Buffer.from('x'));
    })();
    const saved = await storectl(source, 'snapshot', 'save', file);
    writing = false;
    await writer;
    const m = /^saved (\d+) keys at revision (\d+) to /.exec(saved);
    assert.ok(m, saved);
    const [keys, revision] = [Number(m[1]), Number(m[2])];
    const expected = await client.list('', { revision });
    assert.equal(keys, expected.kvs.length);
    assert.ok(keys >= 2499, `${keys} keys`);

    const target = join(dir, 'restored');
    assert.match(
      await storectl(undefined, 'snapshot', 'restore', file, '--data-dir', target),
      new RegExp(`^restored ${keys} keys at revision ${revision} into `),
    );
    const restored = await start(target);
    const c2 = clientOf(restored);
    try {
      assert.equal((await c2.status()).revision, revision);
      const got = await c2.list('');
      assert.deepEqual(got.kvs, expected.kvs);
      const cm1 = (await c2.get('/registry/configmaps/default/cm-1')).kv;
      assert.equal(cm1?.value.toString(), 'changed');
      assert.equal(cm1?.modRevision, updated.modRevision);
      assert.equal((await c2.get('/registry/configmaps/default/cm-2')).kv, undefined);
      // It carries on after the snapshot's revision, with compare-and-swap on the old revisions.
      const next = await c2.update(
        '/registry/configmaps/default/cm-1',
        Buffer.from('again'),
        updated.modRevision,
      );
      assert.equal(next.modRevision, revision + 1);
      // Its history starts at the snapshot.
      await assert.rejects(c2.list('', { revision: revision - 1 }), /compact/i);
    } finally {
      c2.close();
      await restored.stop();
    }
    // Not over a database that exists.
    await assert.rejects(
      storectl(undefined, 'snapshot', 'restore', file, '--data-dir', target),
      /already holds/,
    );
  });

  it('refuses a truncated or altered file', async () => {
    const text = readFileSync(file, 'utf8');
    const truncated = join(dir, 'truncated.snapshot');
    writeFileSync(truncated, text.split('\n').slice(0, 10).join('\n'));
    await assert.rejects(
      storectl(undefined, 'snapshot', 'restore', truncated, '--data-dir', join(dir, 't1')),
      /checksum line is missing/,
    );
    const altered = join(dir, 'altered.snapshot');
    writeFileSync(altered, text.replace('"v10"', '"v11"').replace(/"value":"djEw"/, '"value":"djEx"'));
    await assert.rejects(
      storectl(undefined, 'snapshot', 'restore', altered, '--data-dir', join(dir, 't2')),
      /checksum does not match/,
    );
  });
});
