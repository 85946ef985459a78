/**
 * Who may read the store's /metrics, against `wheelhouse store` as a process: HTTPS with the
 * store's serving certificate; a client certificate of a trusted CA whose name is the
 * apiserver's or whose group is system:masters or system:monitoring gets the metrics (200),
 * any other trusted one 403, none or an untrusted one 401; plaintext only on loopback and
 * only when asked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureCa, ensureCert, ensureStorePki } from '../sdk/pki/index.js';
import { freePort } from '../test/free-port.js';
import { scrape } from '../test/scrape.js';
import { type StoreProcess, spawnStore } from './spawn-store.js';

const dir = mkdtempSync(join(tmpdir(), 'store-metrics-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function stop(store: StoreProcess): Promise<void> {
  if (store.child.exitCode === null) store.child.kill('SIGTERM');
  await store.exited();
}

describe('the store metrics over HTTPS', () => {
  const dataDir = join(dir, 'tls');
  const storePki = ensureStorePki(dataDir);
  // The cluster CA, as `wheelhouse up` passes it beside the store CA.
  const clusterCa = ensureCa(join(dir, 'cluster'), 'ca');
  const client = (name: string, commonName: string, organizations: string[] = []) =>
    ensureCert(join(dir, 'cluster'), clusterCa, name, { commonName, organizations, usage: 'client' });
  const admin = client('admin', 'admin', ['system:masters']);
  const prometheus = client('prometheus', 'prometheus', ['system:monitoring']);
  const alice = client('alice', 'alice', ['developers']);
  const foreignCa = ensureCa(join(dir, 'foreign'), 'ca');
  const forged = ensureCert(join(dir, 'foreign'), foreignCa, 'admin', {
    commonName: 'admin',
    organizations: ['system:masters'],
    usage: 'client',
  });
  let store: StoreProcess;
  let url: string;
  before(async () => {
    const metricsPort = await freePort();
    store = spawnStore(dataDir, [
      '--metrics-listen',
      `127.0.0.1:${metricsPort}`,
      '--metrics-client-ca',
      storePki.caFile,
      '--metrics-client-ca',
      clusterCa.certFile,
    ]);
    await store.port();
    url = `https://127.0.0.1:${metricsPort}/metrics`;
  });
  after(() => stop(store));

  const get = (cert?: { certFile: string; keyFile: string }) =>
    scrape(url, { ca: storePki.caFile, ...(cert ? { cert } : {}) });

  test('no client certificate: 401', async () => {
    const res = await get();
    assert.equal(res.status, 401, res.body);
    assert.doesNotMatch(res.body, /wheelhouse_store/);
  });

  test('a certificate of an untrusted CA, even naming system:masters: 401', async () => {
    assert.equal((await get(forged)).status, 401);
  });

  test('a trusted certificate without the permission: 403', async () => {
    const res = await get(alice);
    assert.equal(res.status, 403);
    assert.match(res.body, /user "alice" cannot get path "\/metrics"/);
  });

  test('the apiserver, system:masters and system:monitoring: 200 with the metrics', async () => {
    for (const cert of [
      { certFile: storePki.clientCertFile, keyFile: storePki.clientKeyFile },
      admin,
      prometheus,
    ]) {
      const res = await get(cert);
      assert.equal(res.status, 200, `${cert.certFile}: ${res.body}`);
      assert.match(res.body, /wheelhouse_store_revision/);
    }
  });

  test('plaintext is not served', async () => {
    await assert.rejects(scrape(url.replace('https:', 'http:')));
  });
});

describe('the store metrics in plaintext', () => {
  test('only with --metrics-insecure-loopback, and only on loopback', async () => {
    const metricsPort = await freePort();
    const store = spawnStore(join(dir, 'plain'), [
      '--metrics-listen',
      `127.0.0.1:${metricsPort}`,
      '--metrics-insecure-loopback',
    ]);
    try {
      await store.port();
      const res = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.body, /wheelhouse_store_revision/);
    } finally {
      await stop(store);
    }
    const refused = spawnStore(join(dir, 'plain-any'), [
      '--metrics-listen',
      `0.0.0.0:${await freePort()}`,
      '--metrics-insecure-loopback',
    ]);
    assert.notEqual(await refused.exited(), 0);
    assert.match(refused.stderr(), /metrics are served in plaintext only on a loopback address/);
  });
});
