import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { createLogger } from '../sdk/logger.js';
import { ensureStorePki } from '../sdk/pki/index.js';
import { StoreClient } from './client.js';
import { type RunningStore, startStoreServer } from './server/start.js';
import { runStorectl } from './storectl.js';

const dir = mkdtempSync(join(tmpdir(), 'storectl-'));
let store: RunningStore;
let client: StoreClient;

async function storectl(...argv: string[]): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await runStorectl(['--endpoint', `127.0.0.1:${store.port}`, '--data-dir', dir, ...argv], { out });
  return Buffer.concat(chunks).toString();
}

before(async () => {
  const pki = ensureStorePki(dir);
  store = await startStoreServer({
    backendUrl: 'memory://',
    listen: '127.0.0.1:0',
    tls: {
      cert: readFileSync(pki.serverCertFile),
      key: readFileSync(pki.serverKeyFile),
      ca: readFileSync(pki.caFile),
    },
    allowedCommonNames: ['wheelhouse-apiserver'],
    logger: createLogger('store', { level: 'silent' }),
  });
  client = new StoreClient({
    address: `127.0.0.1:${store.port}`,
    credentials: credentials.createSsl(
      readFileSync(pki.caFile),
      readFileSync(pki.clientKeyFile),
      readFileSync(pki.clientCertFile),
    ),
  });
  const pod = Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nginx', namespace: 'default' },
  });
  await client.create('/registry/pods/default/nginx', Buffer.from(Pod.encode(pod).finish()));
  await client.create('/registry/pods/kube-system/dns', Buffer.from(Pod.encode(pod).finish()));
  await client.create('/registry/other', Buffer.from('plain text'));
});

after(async () => {
  client.close();
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('storectl', () => {
  it('lists keys under a prefix', async () => {
    assert.equal(
      await storectl('get', '/registry/pods', '--prefix', '--keys-only'),
      '/registry/pods/default/nginx\n/registry/pods/kube-system/dns\n',
    );
  });

  it('gets a key and shows a known kind as JSON', async () => {
    const out = await storectl('get', '/registry/pods/default/nginx');
    const [key, value] = out.trim().split('\n');
    assert.equal(key, '/registry/pods/default/nginx');
    assert.equal(JSON.parse(value!).metadata.name, 'nginx');
    assert.equal(await storectl('get', '/registry/other'), '/registry/other\nplain text\n');
    const json = JSON.parse(await storectl('get', '/registry/other', '-w', 'json'));
    assert.equal(json.modRevision, 3);
  });

  it('puts, deletes, reports status and compacts', async () => {
    assert.match(await storectl('put', '/registry/x', 'one'), /^OK 4\n$/);
    assert.match(await storectl('put', '/registry/x', 'two'), /^OK 5\n$/);
    assert.match(await storectl('del', '/registry/x'), /^DELETED 6\n$/);
    assert.match(await storectl('status'), /revision: 6\ncompacted revision: 0\nkeys: 3\n/);
    assert.equal(await storectl('compact', '5'), 'compacted revision 5\n');
    await assert.rejects(storectl('get', '/registry/other', '--rev', '2'), /compacted/);
  });

  it('watches a prefix until stopped', async () => {
    const ac = new AbortController();
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('DELETE')) ac.abort();
    });
    const rev = (await client.status()).revision;
    const watching = runStorectl(
      [
        '--endpoint',
        `127.0.0.1:${store.port}`,
        '--data-dir',
        dir,
        'watch',
        '/registry/w/',
        '--rev',
        String(rev),
      ],
      { out, signal: ac.signal },
    );
    const kv = await client.create('/registry/w/a', Buffer.from('A'));
    await client.delete('/registry/w/a', kv.modRevision);
    await watching;
    assert.equal(text, `PUT ${rev + 1}\n/registry/w/a\nA\nDELETE ${rev + 2}\n/registry/w/a\n`);
  });

  it('refuses unknown commands', async () => {
    await assert.rejects(storectl('frobnicate'), /unknown command/);
  });
});
