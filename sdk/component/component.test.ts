/**
 * The component bootstrap through a real store and apiserver: two replicas of a small
 * component with the scheduler's identity, leader election on its Lease, the health and
 * metrics endpoint, Events, and a hand-over on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeClientConfig } from '../../sdk/client-config.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { freePort } from '../../test/free-port.js';
import { pod } from '../../test/objects.js';
import { scrape } from '../../test/scrape.js';

const here = new URL('.', import.meta.url).pathname;

interface Replica {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function until<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - start > ms) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('component bootstrap', () => {
  let cluster: Cluster;
  let kubeconfig = '';
  const replicas: Replica[] = [];

  async function startReplica(): Promise<Replica> {
    const port = await freePort();
    let out = '';
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(here, 'testdata/demo-component.ts'),
        '--kubeconfig',
        kubeconfig,
        '--secure-port',
        String(port),
        '--tls-cert-file',
        cluster.pki.apiserver.certFile,
        '--tls-private-key-file',
        cluster.pki.apiserver.keyFile,
        // A lease long enough that a leader slowed by a loaded host keeps it, and that a
        // hand-over by release is told apart from one by expiry (see the SIGTERM test).
        '--leader-elect-lease-duration',
        '15s',
        '--leader-elect-renew-deadline',
        '10s',
        '--leader-elect-retry-period',
        '250ms',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WHEELHOUSE_LOG_LEVEL: 'warn' } },
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const replica = { child, port, output: () => out, exited };
    replicas.push(replica);
    return replica;
  }

  const url = (r: Replica, path: string) => `https://127.0.0.1:${r.port}${path}`;
  const get = (r: Replica, path: string, cert?: { certFile: string; keyFile: string }) =>
    scrape(url(r, path), { ca: cluster.pki.caFile, servername: 'localhost', ...(cert ? { cert } : {}) });

  before(async () => {
    cluster = await startCluster();
    kubeconfig = join(cluster.dir, 'scheduler.yaml');
    writeClientConfig(kubeconfig, {
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      clientCertificate: cluster.pki.scheduler.certFile,
      clientKey: cluster.pki.scheduler.keyFile,
    });
  });
  after(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await cluster?.stop();
  });

  test('health is open, readiness follows the caches, metrics need an identity allowed to read them', async () => {
    const a = await startReplica();
    await until(() => a.output().includes('LEADING'), 'the first replica to lead');
    await until(async () => (await get(a, '/readyz').catch(() => ({ status: 0 }))).status === 200, 'ready');
    assert.equal((await get(a, '/healthz')).status, 200);
    assert.equal((await get(a, '/livez')).body, 'ok\n');
    assert.equal((await get(a, '/metrics')).status, 401, 'no certificate');
    const node = cluster.pki.kubelets['node-1']?.client;
    assert.ok(node);
    assert.equal((await get(a, '/metrics', node)).status, 403, 'a node may not read metrics');
    const admin = await get(a, '/metrics', {
      certFile: cluster.pki.admin.certFile,
      keyFile: cluster.pki.admin.keyFile,
    });
    assert.equal(admin.status, 200);
    assert.match(admin.body, /informer_cache_objects\{[^}]*informer="pods"/);
    assert.match(admin.body, /leader_election_master_status\{[^}]*\} 1/);
  });

  test('the leader records Events; a standby takes over at once when the leader stops on SIGTERM', async () => {
    const [a] = replicas;
    assert.ok(a);
    await call(cluster.client('pods'), 'createPod', { pod: pod('seen-1') });
    const events = cluster.client('events');
    const seenBy = async (name: string) => {
      const { items } = await call<{
        items: {
          involvedObject?: { name: string };
          reason: string;
          message: string;
          source?: { component: string };
        }[];
      }>(events, 'listEvents', { namespace: 'default' });
      return items.find((e) => e.involvedObject?.name === name && e.reason === 'Seen');
    };
    const first = await until(() => seenBy('seen-1'), 'an Event from the leader');
    assert.equal(first.source?.component, 'demo');
    assert.equal(first.message, `seen by ${a.child.pid}`);

    const b = await startReplica();
    await until(
      async () => (await get(b, '/healthz').catch(() => ({ status: 0 }))).status === 200,
      'the standby up',
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!b.output().includes('LEADING'), 'a standby does not run while another leads');

    const stoppedAt = Date.now();
    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0, 'a clean stop');
    assert.match(a.output(), /STOPPED/);
    await until(() => b.output().includes('LEADING'), 'the standby to lead', 30_000);
    const handover = Date.now() - stoppedAt;
    // A released lease is taken at the standby's next try; an expired one not before 15 s.
    assert.ok(handover < 10_000, `took over ${handover} ms after SIGTERM, lease 15 s`);
    await call(cluster.client('pods'), 'createPod', { pod: pod('seen-2') });
    const second = await until(() => seenBy('seen-2'), 'an Event from the new leader');
    assert.equal(second.message, `seen by ${b.child.pid}`);
  });
});
