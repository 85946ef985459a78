/**
 * Two `wheelhouse controller-manager` processes against one apiserver: the standby never
 * acts while the other holds the Lease kube-system/kube-controller-manager — it starts no
 * controller (its log, its reconcile and work queue counters stay at zero), and a
 * Deployment made meanwhile gets one ReplicaSet, from the leader. SIGKILLed, the leader
 * renews no more; the standby takes the Lease once it has expired and reconciles a new
 * Deployment.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { controllerManagerComponent, LOOPBACK, nodeArgs } from '../../cli/up/components.js';
import { type Clientset, createClientset } from '../../sdk/client/typed-client.js';
import { writeClientConfig } from '../../sdk/client-config.js';
import { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type Cluster, startCluster } from '../cluster.js';
import { freePort } from '../free-port.js';
import { scrape } from '../scrape.js';
import { FAST_LEADER_ELECTION } from './ha-cluster.js';
import { createProcessGroup, eventually, type TestProcess } from './processes.js';

const entry = join(new URL('../..', import.meta.url).pathname, 'bin/wheelhouse.js');
/** FAST_LEADER_ELECTION's lease duration. */
const LEASE_DURATION_MS = 4_000;

interface Manager {
  readonly process: TestProcess;
  readonly metricsUrl: string;
}

/** The sum of the samples of `metric` (every label set) on a manager's /metrics. */
async function metricSum(cluster: Cluster, m: Manager, metric: string): Promise<number> {
  const res = await scrape(m.metricsUrl, { ca: cluster.pki.caFile, cert: cluster.pki.admin });
  assert.equal(res.status, 200, res.body);
  let sum = 0;
  for (const line of res.body.split('\n')) {
    if (line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

const deployment = (name: string) =>
  Deployment.fromPartial({
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'sh', command: ['sleep', '600'] }] },
      },
    },
  });

describe('controller manager: a standby never acts while another holds the lease', () => {
  let cluster: Cluster;
  let clients: Clientset;
  const processes = createProcessGroup();
  const managers: Manager[] = [];

  const startManager = async (name: string): Promise<Manager> => {
    const port = await freePort();
    const spec = controllerManagerComponent(
      {
        dataDir: cluster.dir,
        pki: cluster.pki,
        host: LOOPBACK,
        storePort: cluster.storePort,
        apiserverPort: Number(cluster.apiserver.split(':')[1]),
        storeMetricsPort: 0,
      },
      { controllerManagerPort: port },
    );
    const proc = await processes.start(name, nodeArgs(spec, entry, FAST_LEADER_ELECTION), {
      ready: /controller-manager health and metrics on (https:\/\/\S+)\n/,
      // Info, for the lines that say when it leads and starts its controllers.
      env: { WHEELHOUSE_LOG_LEVEL: 'info' },
    });
    return { process: proc, metricsUrl: `${proc.ready[1]}/metrics` };
  };

  const holder = async (): Promise<Manager | undefined> => {
    const lease = await clients.kind<Lease>('Lease').get('kube-system', 'kube-controller-manager');
    const id = lease.spec?.holderIdentity ?? '';
    return managers.find((m) => id.endsWith(`_${m.process.pid}`));
  };

  const replicaSetsOf = async (name: string) =>
    (await clients.kind<ReplicaSet>('ReplicaSet').list('default')).items.filter((rs) =>
      rs.metadata?.ownerReferences.some((o) => o.kind === 'Deployment' && o.name === name),
    );

  before(async () => {
    cluster = await startCluster();
    writeClientConfig(join(cluster.dir, 'controller-manager.yaml'), {
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      clientCertificate: cluster.pki.controllerManager.certFile,
      clientKey: cluster.pki.controllerManager.keyFile,
    });
    clients = createClientset(cluster.admin, { component: 'controller-manager-standby-test' });
    managers.push(await startManager('controller-manager-a'));
    managers.push(await startManager('controller-manager-b'));
  });

  after(async () => {
    try {
      await processes.stopAll();
    } finally {
      clients?.close();
      await cluster?.stop();
    }
  });

  it('reconciles through the leader only; the standby takes over within the lease duration', async (t) => {
    const leader = await eventually('a leader', holder);
    const standby = managers.find((m) => m !== leader) as Manager;

    await clients.kind<Deployment>('Deployment').create(deployment('while-both-run'));
    const [rs] = await eventually('the ReplicaSet of while-both-run', async () => {
      const found = await replicaSetsOf('while-both-run');
      return found.length > 0 ? found : undefined;
    });
    // The leader's ReplicaSet controller acted on it too: its pods exist.
    await eventually('the pods of while-both-run', async () => {
      const pods = await clients.kind<Pod>('Pod').list('default');
      const ours = pods.items.filter((p) =>
        p.metadata?.ownerReferences.some((o) => o.name === rs?.metadata?.name),
      );
      return ours.length === 2 ? ours : undefined;
    });
    assert.equal((await replicaSetsOf('while-both-run')).length, 1, 'one ReplicaSet, made once');
    assert.ok((await metricSum(cluster, leader, 'controller_runtime_reconcile_total')) > 0);
    assert.equal(await metricSum(cluster, leader, 'leader_election_master_status'), 1);
    // The standby: no reconcile, nothing queued, not leading, and never said it started.
    assert.equal(await metricSum(cluster, standby, 'controller_runtime_reconcile_total'), 0);
    assert.equal(await metricSum(cluster, standby, 'workqueue_adds_total'), 0);
    assert.equal(await metricSum(cluster, standby, 'leader_election_master_status'), 0);
    assert.doesNotMatch(standby.process.output(), /starting controllers|started leading/);
    assert.match(leader.process.output(), /starting controllers/);

    const killedAt = Date.now();
    await leader.process.stop('SIGKILL');
    await eventually('the standby to take the lease', async () =>
      (await holder()) === standby ? true : undefined,
    );
    const takeoverMs = Date.now() - killedAt;
    t.diagnostic(`takeover ${takeoverMs} ms after SIGKILL (lease ${LEASE_DURATION_MS} ms)`);
    // The standby counts the lease duration from when it last saw the Lease change, and
    // looks every retry period with client-go's jitter (500 ms to 1.1 s): it saw the last
    // renewal at most one wait late and notices the expiry at most one wait late — and never
    // takes a Lease renewed less than a lease duration before its last look.
    const maxRetryWaitMs = 1_100;
    assert.ok(
      takeoverMs <= LEASE_DURATION_MS + 2 * maxRetryWaitMs + 1_000,
      `the standby took over ${takeoverMs} ms after the leader died (lease ${LEASE_DURATION_MS} ms)`,
    );
    assert.ok(
      takeoverMs >= LEASE_DURATION_MS - maxRetryWaitMs,
      `the standby took a live lease: ${takeoverMs} ms after the leader died (lease ${LEASE_DURATION_MS} ms)`,
    );

    await clients.kind<Deployment>('Deployment').create(deployment('after-failover'));
    await eventually('the ReplicaSet of after-failover', async () => {
      const found = await replicaSetsOf('after-failover');
      return found.length === 1 ? found : undefined;
    });
    assert.match(standby.process.output(), /started leading[\s\S]*starting controllers/);
    assert.ok((await metricSum(cluster, standby, 'controller_runtime_reconcile_total')) > 0);
    assert.equal(await metricSum(cluster, standby, 'leader_election_master_status'), 1);
    // The Deployment made before the failover keeps its one ReplicaSet under the new leader.
    assert.equal((await replicaSetsOf('while-both-run')).length, 1);
  });
});
