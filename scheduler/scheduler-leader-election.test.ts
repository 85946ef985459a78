/**
 * `wheelhouse scheduler` end to end: a real store and apiserver, Node objects made by
 * the test as the admin, and the scheduler as its own process with its own
 * system:kube-scheduler identity.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Clientset, createClientset } from '../sdk/client/typed-client.js';
import type { Lease } from '../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Event } from '../sdk/gen/wheelhouse/core/v1/event.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { scrape } from '../test/scrape.js';
import { inTreeRegistry } from './plugins/index.js';
import {
  eventually,
  pendingPod,
  readyNode,
  type SchedulerProcess,
  startScheduler,
} from './testing/scheduler-process.js';

const _has = (plugin: string) => plugin in inTreeRegistry;

async function boundNode(clients: Clientset, name: string, namespace = 'default'): Promise<string> {
  return eventually(`pod ${namespace}/${name} to be bound`, async () => {
    const p = await clients.kind<Pod>('Pod').get(namespace, name);
    return p.spec?.nodeName || undefined;
  });
}

async function _eventsOf(clients: Clientset, name: string, reason: string): Promise<Event[]> {
  const list = await clients.kind<Event>('Event').list('default');
  return list.items.filter((e) => e.involvedObject?.name === name && e.reason === reason);
}

async function metric(s: SchedulerProcess, cluster: Cluster, line: RegExp): Promise<number> {
  const res = await scrape(`${s.endpoint}/metrics`, {
    ca: cluster.pki.caFile,
    cert: cluster.pki.admin,
  });
  assert.equal(res.status, 200, res.body);
  let sum = 0;
  for (const l of res.body.split('\n')) {
    if (line.test(l)) sum += Number(l.split(' ').pop());
  }
  return sum;
}

describe('scheduler: leader election and restarts', () => {
  let cluster: Cluster;
  let clients: Clientset;
  const schedulers: SchedulerProcess[] = [];

  before(async () => {
    cluster = await startCluster();
    clients = createClientset(cluster.admin, { component: 'test' });
    for (let i = 1; i <= 3; i++) await clients.kind<Node>('Node').create(readyNode(`node-${i}`));
    schedulers.push(await startScheduler(cluster), await startScheduler(cluster));
  });
  after(async () => {
    for (const s of schedulers) await s.stop();
    clients?.close();
    await cluster?.stop();
  });

  const holder = async () => {
    const lease = await clients.kind<Lease>('Lease').get('kube-system', 'kube-scheduler');
    const id = lease.spec?.holderIdentity ?? '';
    return schedulers.find((s) => id.endsWith(`_${s.pid}`));
  };

  it('binds through the leader only, and the standby takes over when the leader dies', async () => {
    const leader = await eventually('a leader', holder);
    const standby = schedulers.find((s) => s !== leader) as SchedulerProcess;
    for (let i = 0; i < 10; i++) await clients.kind<Pod>('Pod').create(pendingPod(`le-${i}`, { cpu: '10m' }));
    for (let i = 0; i < 10; i++) await boundNode(clients, `le-${i}`);
    assert.equal(await metric(leader, cluster, /^scheduler_schedule_attempts_total\{result="scheduled"/), 10);
    assert.equal(await metric(standby, cluster, /^scheduler_schedule_attempts_total/), 0);

    await leader.stop('SIGKILL');
    await clients.kind<Pod>('Pod').create(pendingPod('after-failover', { cpu: '10m' }));
    await boundNode(clients, 'after-failover');
    assert.equal(await holder(), standby);
    assert.equal(await metric(standby, cluster, /^scheduler_schedule_attempts_total\{result="scheduled"/), 1);
  });

  it('goes on scheduling after the apiserver restarts', async () => {
    await cluster.restartApiserver();
    await clients.kind<Pod>('Pod').create(pendingPod('after-restart', { cpu: '10m' }));
    const node = await boundNode(clients, 'after-restart');
    assert.match(node, /^node-[123]$/);
  });
});
