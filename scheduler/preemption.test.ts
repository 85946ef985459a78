/**
 * Preemption end to end: a real store and apiserver (with the Priority admission plugin
 * resolving PriorityClasses into spec.priority), Node objects and bound pods made by the
 * test as the admin, and `wheelhouse scheduler` as its own process. There is no kubelet:
 * the test plays its part by finishing the graceful deletion of a victim.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Clientset, createClientset } from '../sdk/client/typed-client.js';
import type { Event } from '../sdk/gen/wheelhouse/core/v1/event.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { PriorityClass } from '../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { inTreeRegistry } from './plugins/index.js';
import { eventually, readyNode, type SchedulerProcess, startScheduler } from './testing/scheduler-process.js';

const ready = 'NodeResourcesFit' in inTreeRegistry && 'DefaultPreemption' in inTreeRegistry;

function pod(
  name: string,
  opts: { cpu: string; priorityClassName: string; nodeName?: string; labels?: Record<string, string> },
): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: opts.labels ?? { app: name } },
    spec: {
      nodeName: opts.nodeName ?? '',
      priorityClassName: opts.priorityClassName,
      containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: opts.cpu } } }],
    },
  });
}

function priorityClass(name: string, value: number, preemptionPolicy?: string): PriorityClass {
  return PriorityClass.fromPartial({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name },
    value,
    ...(preemptionPolicy === undefined ? {} : { preemptionPolicy }),
  });
}

describe('scheduler: preemption', { skip: !ready }, () => {
  let cluster: Cluster;
  let clients: Clientset;
  let scheduler: SchedulerProcess;
  const pods = () => clients.kind<Pod>('Pod');

  async function eventsOf(name: string, reason: string): Promise<Event[]> {
    const list = await clients.kind<Event>('Event').list('default');
    return list.items.filter((e) => e.involvedObject?.name === name && e.reason === reason);
  }

  before(async () => {
    cluster = await startCluster();
    clients = createClientset(cluster.admin, { component: 'test' });
    await clients.kind<PriorityClass>('PriorityClass').create(priorityClass('low', 10));
    await clients.kind<PriorityClass>('PriorityClass').create(priorityClass('mid', 100));
    await clients.kind<PriorityClass>('PriorityClass').create(priorityClass('high', 1000));
    await clients.kind<PriorityClass>('PriorityClass').create(priorityClass('high-never', 1000, 'Never'));
    // node-a: two pods of 500m; node-b: four pods of 250m. Both full (1 cpu).
    await clients.kind<Node>('Node').create(readyNode('node-a', { cpu: '1' }));
    await clients.kind<Node>('Node').create(readyNode('node-b', { cpu: '1' }));
    for (const i of [1, 2]) {
      await pods().create(pod(`a-${i}`, { cpu: '500m', priorityClassName: 'low', nodeName: 'node-a' }));
    }
    for (const i of [1, 2, 3, 4]) {
      await pods().create(pod(`b-${i}`, { cpu: '250m', priorityClassName: 'low', nodeName: 'node-b' }));
    }
    scheduler = await startScheduler(cluster, { leaderElect: false });
  });
  after(async () => {
    await scheduler?.stop();
    clients?.close();
    await cluster?.stop();
  });

  it('a pod of no higher priority is told that no victims were found', async () => {
    await pods().create(pod('same', { cpu: '500m', priorityClassName: 'low' }));
    const [ev] = await eventually('FailedScheduling of same', async () => {
      const evs = await eventsOf('same', 'FailedScheduling');
      return evs.length > 0 ? evs : undefined;
    });
    assert.equal(
      ev?.message,
      '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    );
    await pods().delete('default', 'same');
  });

  it('preemptionPolicy Never: the pod waits and evicts nobody', async () => {
    await pods().create(pod('polite', { cpu: '500m', priorityClassName: 'high-never' }));
    const created = await pods().get('default', 'polite');
    assert.equal(created.spec?.priority, 1000);
    assert.equal(created.spec?.preemptionPolicy, 'Never');
    const [ev] = await eventually('FailedScheduling of polite', async () => {
      const evs = await eventsOf('polite', 'FailedScheduling');
      return evs.length > 0 ? evs : undefined;
    });
    assert.equal(
      ev?.message,
      '0/2 nodes are available: 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    );
    const list = await pods().list('default');
    assert.equal(list.items.filter((p) => p.metadata?.deletionTimestamp !== undefined).length, 0);
    assert.equal((await pods().get('default', 'polite')).status?.nominatedNodeName, '');
    await pods().delete('default', 'polite');
  });

  it('a higher-priority pod evicts the fewest victims, is nominated, and is bound once they are gone', async () => {
    await pods().create(pod('vip', { cpu: '500m', priorityClassName: 'high' }));
    // One 500m pod on node-a makes room; node-b would need two of its 250m pods.
    const nominated = await eventually('vip to be nominated', async () => {
      const p = await pods().get('default', 'vip');
      return p.status?.nominatedNodeName || undefined;
    });
    assert.equal(nominated, 'node-a');
    const victims = (await pods().list('default')).items.filter(
      (p) => p.metadata?.deletionTimestamp !== undefined,
    );
    assert.equal(victims.length, 1, `victims: ${victims.map((p) => p.metadata?.name).join(', ')}`);
    const victim = victims[0] as Pod;
    assert.equal(victim.spec?.nodeName, 'node-a');
    const target = victim.status?.conditions.find((c) => c.type === 'DisruptionTarget');
    assert.equal(target?.status, 'True');
    assert.equal(target?.reason, 'PreemptionByScheduler');
    const [preempted] = await eventually('the Preempted event', async () => {
      const evs = await eventsOf(victim.metadata?.name ?? '', 'Preempted');
      return evs.length > 0 ? evs : undefined;
    });
    assert.equal(preempted?.message, 'Preempted by default/vip on node node-a');
    // Still terminating (no kubelet yet): vip waits for it rather than preempting again.
    const waiting = await pods().get('default', 'vip');
    assert.equal(waiting.spec?.nodeName, '');
    const cond = waiting.status?.conditions.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'False');

    // The kubelet's part: the victim's containers have stopped.
    await pods().delete('default', victim.metadata?.name ?? '', { gracePeriodSeconds: '0' });
    const node = await eventually('vip to be bound', async () => {
      const p = await pods().get('default', 'vip');
      return p.spec?.nodeName || undefined;
    });
    assert.equal(node, 'node-a');
    const left = (await pods().list('default')).items.filter(
      (p) => p.metadata?.deletionTimestamp !== undefined,
    );
    assert.deepEqual(left, [], 'nobody else was evicted');
    assert.equal((await pods().list('default')).items.filter((p) => p.spec?.nodeName === 'node-b').length, 4);
  });

  it('a more important preemptor takes the node: lower-priority pods nominated there lose their nomination', async () => {
    // node-a holds vip and one low pod of 500m: evicting that is not enough for 750m. node-b holds four
    // low pods of 250m: mid-1 evicts three of them and is nominated there.
    await pods().create(pod('mid-1', { cpu: '750m', priorityClassName: 'mid' }));
    const first = await eventually('mid-1 to be nominated', async () => {
      const p = await pods().get('default', 'mid-1');
      return p.status?.nominatedNodeName || undefined;
    });
    assert.equal(first, 'node-b');
    const evicted = (await pods().list('default')).items.filter(
      (p) => p.metadata?.deletionTimestamp !== undefined,
    );
    assert.deepEqual(
      evicted.map((p) => p.spec?.nodeName),
      ['node-b', 'node-b', 'node-b'],
    );

    // vip-2 (1 cpu) can only fit on node-b, with every low pod there gone; mid-1 (lower) must look elsewhere.
    await pods().create(pod('vip-2', { cpu: '1', priorityClassName: 'high' }));
    assert.equal(
      await eventually('vip-2 to be nominated', async () => {
        const p = await pods().get('default', 'vip-2');
        return p.status?.nominatedNodeName || undefined;
      }),
      'node-b',
    );
    await eventually('mid-1 to lose node-b', async () => {
      const p = await pods().get('default', 'mid-1');
      return p.status?.nominatedNodeName !== 'node-b' ? true : undefined;
    });
    const terminating = (await pods().list('default')).items.filter(
      (p) => p.metadata?.deletionTimestamp !== undefined,
    );
    assert.ok(
      terminating.every((p) => (p.spec?.priority ?? 0) === 10),
      'only the low pods are ever victims',
    );
  });
});
