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
import { parseList } from '../sdk/resources/resource-list.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { scrape } from '../test/scrape.js';
import { podRequests, Resource } from './framework/resource.js';
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

describe('scheduler: binding', () => {
  let cluster: Cluster;
  let clients: Clientset;
  let scheduler: SchedulerProcess;

  before(async () => {
    cluster = await startCluster();
    clients = createClientset(cluster.admin, { component: 'test' });
    for (const [i, cpu] of ['2', '3', '4', '2', '3', '4', '2', '3', '4', '4'].entries()) {
      await clients.kind<Node>('Node').create(readyNode(`node-${i + 1}`, { cpu, memory: `${cpu}Gi` }));
    }
    scheduler = await startScheduler(cluster);
  });
  after(async () => {
    await scheduler?.stop();
    clients?.close();
    await cluster?.stop();
  });

  it('binds a pod and records Scheduled, leaving pods of another scheduler alone', async () => {
    await clients
      .kind<Pod>('Pod')
      .create(pendingPod('other', { schedulerName: 'my-scheduler', cpu: '100m' }));
    await clients.kind<Pod>('Pod').create(pendingPod('nginx-pod', { cpu: '100m', memory: '64Mi' }));
    const node = await boundNode(clients, 'nginx-pod');
    assert.match(node, /^node-\d+$/);
    const pod = await clients.kind<Pod>('Pod').get('default', 'nginx-pod');
    const cond = pod.status?.conditions.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'True');
    const scheduled = await eventually('the Scheduled event', async () => {
      const evs = await eventsOf(clients, 'nginx-pod', 'Scheduled');
      return evs.length > 0 ? evs : undefined;
    });
    assert.equal(scheduled.length, 1);
    assert.equal(scheduled[0]?.message, `Successfully assigned default/nginx-pod to ${node}`);
    assert.equal(scheduled[0]?.type, 'Normal');
    assert.equal(scheduled[0]?.reportingComponent, 'default-scheduler');

    // The other scheduler's pod was created first and is still untouched: no node, no events, no condition.
    const other = await clients.kind<Pod>('Pod').get('default', 'other');
    assert.equal(other.spec?.nodeName, '');
    assert.equal(
      other.status?.conditions.find((c) => c.type === 'PodScheduled'),
      undefined,
    );
    assert.deepEqual(await eventsOf(clients, 'other', 'FailedScheduling'), []);
    assert.deepEqual(await eventsOf(clients, 'other', 'Scheduled'), []);
  });

  it('places 100 pods with mixed requests on 10 nodes without over-committing any', {
    skip: !has('NodeResourcesFit'),
  }, async () => {
    const shapes = [
      { cpu: '100m', memory: '128Mi' },
      { cpu: '250m', memory: '256Mi' },
      { cpu: '500m', memory: '512Mi' },
      { cpu: '50m', memory: '64Mi' },
    ];
    // 25 of each: 22.5 cpu and ~22.5Gi asked of 31 cpu / 31Gi (less what the first test placed).
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        clients.kind<Pod>('Pod').create(pendingPod(`mixed-${i}`, shapes[i % shapes.length])),
      ),
    );
    await eventually(
      'all 100 pods bound',
      async () => {
        const list = await clients.kind<Pod>('Pod').list('default');
        const mixed = list.items.filter((p) => p.metadata?.name?.startsWith('mixed-'));
        return mixed.length === 100 && mixed.every((p) => p.spec?.nodeName) ? true : undefined;
      },
      40_000,
    );
    const pods = (await clients.kind<Pod>('Pod').list('default')).items;
    const nodes = (await clients.kind<Node>('Node').list('')).items;
    const used = new Map<string, Resource>();
    for (const p of pods) {
      const n = p.spec?.nodeName ?? '';
      if (n === '') continue;
      const r = used.get(n) ?? new Resource();
      r.add(podRequests(p));
      used.set(n, r);
    }
    assert.ok(used.size >= 5, `pods spread over ${used.size} nodes only`);
    for (const node of nodes) {
      const alloc = Resource.fromList(parseList(node.status?.allocatable));
      const u = used.get(node.metadata?.name ?? '') ?? new Resource();
      assert.ok(
        u.milliCpu <= alloc.milliCpu,
        `${node.metadata?.name}: ${u.milliCpu}m cpu requested of ${alloc.milliCpu}m`,
      );
      assert.ok(
        u.memory <= alloc.memory,
        `${node.metadata?.name}: ${u.memory} memory requested of ${alloc.memory}`,
      );
    }
    assert.equal(
      await metric(scheduler, cluster, /^scheduler_schedule_attempts_total\{result="scheduled"/),
      101,
    );
  });
});
