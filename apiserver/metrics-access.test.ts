/**
 * Who may read the apiserver's /metrics, against the real processes: HTTPS with the serving
 * certificate, callers authenticated as for the API (client certificates, bearer tokens)
 * and authorized to `get` the non-resource URL /metrics. No or bad credentials → 401; an
 * identity without the permission → 403; system:masters and system:monitoring → 200.
 * Plaintext only with --metrics-insecure-loopback, and only on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type CertFiles, ensureCa, ensureCert } from '../sdk/pki/index.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { freePort } from '../test/free-port.js';
import { scrape } from '../test/scrape.js';

const dir = mkdtempSync(join(tmpdir(), 'apiserver-metrics-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('apiserver: /metrics over HTTPS', () => {
  let cluster: Cluster;
  let url: string;
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(
    tokens,
    ['monitor-token,prometheus,uid-1,"system:monitoring"', 'dev-token,bob,uid-2,"developers"', ''].join('\n'),
  );
  let alice: CertFiles;
  let monitoring: CertFiles;
  let forged: CertFiles;
  before(async () => {
    const port = await freePort();
    cluster = await startCluster({
      apiserverArgs: ['--metrics-bind-address', `127.0.0.1:${port}`, '--token-auth-file', tokens],
    });
    url = `https://127.0.0.1:${port}/metrics`;
    const ca = ensureCa(cluster.pki.dir, 'ca');
    alice = ensureCert(dir, ca, 'alice', {
      commonName: 'alice',
      organizations: ['developers'],
      usage: 'client',
    });
    monitoring = ensureCert(dir, ca, 'agent', {
      commonName: 'monitoring-agent',
      organizations: ['system:monitoring'],
      usage: 'client',
    });
    const foreign = ensureCa(join(dir, 'foreign'), 'ca');
    forged = ensureCert(join(dir, 'foreign'), foreign, 'admin', {
      commonName: 'admin',
      organizations: ['system:masters'],
      usage: 'client',
    });
  });
  after(() => cluster.stop());

  const get = (opts: { cert?: CertFiles; token?: string } = {}) =>
    scrape(url, { ca: cluster.pki.caFile, ...opts });

  test('no credentials: 401', async () => {
    const res = await get();
    assert.equal(res.status, 401, res.body);
    assert.doesNotMatch(res.body, /grpc_server/);
  });

  test('a certificate of another CA, or an unknown token: 401', async () => {
    assert.equal((await get({ cert: forged })).status, 401);
    assert.equal((await get({ token: 'no-such-token' })).status, 401);
  });

  test('an identity without get on /metrics: 403', async () => {
    const byCert = await get({ cert: alice });
    assert.equal(byCert.status, 403, byCert.body);
    assert.match(byCert.body, /user "alice" cannot get path "\/metrics"/);
    const byToken = await get({ token: 'dev-token' });
    assert.equal(byToken.status, 403, byToken.body);
    assert.match(byToken.body, /user "bob"/);
  });

  test('system:masters and system:monitoring (by certificate or token): 200 with the metrics', async () => {
    for (const opts of [{ cert: cluster.pki.admin }, { cert: monitoring }, { token: 'monitor-token' }]) {
      const res = await get(opts);
      assert.equal(res.status, 200, `${JSON.stringify(opts)}: ${res.body}`);
      assert.match(res.body, /grpc_server_started_total/);
      assert.match(res.body, /grpc_server_connection_setup_timeouts_total/);
    }
  });

  test('plaintext is not served, and only /metrics is', async () => {
    await assert.rejects(scrape(url.replace('https:', 'http:')));
    const other = await scrape(url.replace('/metrics', '/debug/pprof'), {
      ca: cluster.pki.caFile,
      cert: cluster.pki.admin,
    });
    assert.equal(other.status, 404);
  });
});

describe('apiserver: /metrics in plaintext', () => {
  test('with --metrics-insecure-loopback on loopback; refused on any other address', async () => {
    const port = await freePort();
    const cluster = await startCluster({
      apiserverArgs: ['--metrics-bind-address', `127.0.0.1:${port}`, '--metrics-insecure-loopback'],
    });
    try {
      const res = await scrape(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.body, /grpc_server_started_total/);
    } finally {
      await cluster.stop();
    }
    await assert.rejects(
      startCluster({
        apiserverArgs: [
          '--metrics-bind-address',
          `0.0.0.0:${await freePort()}`,
          '--metrics-insecure-loopback',
        ],
      }),
      /metrics are served in plaintext only on a loopback address/,
    );
  });
});
