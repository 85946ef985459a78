/**
 * `wheelhouse scheduler` end to end: a real store and apiserver, Node objects made by
 * the test as the admin, and the scheduler as its own process with its own
 * system:kube-scheduler identity.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Clientset, createClientset } from '../sdk/client/typed-client.js';
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

const has = (plugin: string) => plugin in inTreeRegistry;

async function boundNode(clients: Clientset, name: string, namespace = 'default'): Promise<string> {
  return eventually(`pod ${namespace}/${name} to be bound`, async () => {
    const p = await clients.kind<Pod>('Pod').get(namespace, name);
    return p.spec?.nodeName || undefined;
  });
}

async function eventsOf(clients: Clientset, name: string, reason: string): Promise<Event[]> {
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

describe('scheduler: pods that do not fit', () => {
  let cluster: Cluster;
  let clients: Clientset;
  let scheduler: SchedulerProcess;

  before(async () => {
    cluster = await startCluster();
    clients = createClientset(cluster.admin, { component: 'test' });
    const taints = [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }];
    await clients.kind<Node>('Node').create(readyNode('node-1', { cpu: '2' }));
    // node-1 is mostly taken by a pod of the same priority: room preemption cannot make.
    const resident = pendingPod('resident', { cpu: '1500m' });
    if (resident.spec) resident.spec.nodeName = 'node-1';
    await clients.kind<Pod>('Pod').create(resident);
    await clients.kind<Node>('Node').create(readyNode('node-2', { cpu: '8', taints }));
    await clients.kind<Node>('Node').create(readyNode('node-3', { cpu: '8', taints }));
    scheduler = await startScheduler(cluster);
  });
  after(async () => {
    await scheduler?.stop();
    clients?.close();
    await cluster?.stop();
  });

  it('reports FailedScheduling with every reason counted, then binds once a node that fits is added', {
    skip: !has('NodeResourcesFit') || !has('TaintToleration'),
  }, async () => {
    await clients.kind<Pod>('Pod').create(pendingPod('big', { cpu: '2' }));
    const reasons =
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}.';
    const expected = has('DefaultPreemption')
      ? `${reasons} preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.`
      : reasons;
    const failed = await eventually('FailedScheduling', async () => {
      const evs = await eventsOf(clients, 'big', 'FailedScheduling');
      return evs.length > 0 ? evs : undefined;
    });
    assert.equal(failed[0]?.message, expected);
    assert.equal(failed[0]?.type, 'Warning');
    const cond = await eventually('PodScheduled=False', async () => {
      const p = await clients.kind<Pod>('Pod').get('default', 'big');
      return p.status?.conditions.find((c) => c.type === 'PodScheduled');
    });
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, expected);

    // Parked as unschedulable: only a Node event NodeResourcesFit registered frees it (long before the 5-minute flush).
    assert.equal(await metric(scheduler, cluster, /^scheduler_pending_pods\{queue="unschedulable"/), 1);
    const t0 = Date.now();
    await clients.kind<Node>('Node').create(readyNode('node-4', { cpu: '4' }));
    assert.equal(await boundNode(clients, 'big'), 'node-4');
    assert.ok(Date.now() - t0 < 10_000, `bound ${Date.now() - t0} ms after the node came`);
    assert.equal(await metric(scheduler, cluster, /^scheduler_pending_pods\{/), 0);
  });

  it('names cordoned nodes among the reasons', { skip: !has('NodeUnschedulable') }, async () => {
    await clients.kind<Node>('Node').create(readyNode('cordoned', { cpu: '64', unschedulable: true }));
    await clients.kind<Pod>('Pod').create(pendingPod('huge', { cpu: '32' }));
    const failed = await eventually('FailedScheduling for huge', async () => {
      const evs = await eventsOf(clients, 'huge', 'FailedScheduling');
      return evs.find((e) => e.message.includes('unschedulable'));
    });
    assert.match(failed.message, /^0\/\d nodes are available: .*1 node\(s\) were unschedulable/);
  });
});
