/**
 * PodTopologySpread through real processes: a store, an apiserver and `wheelhouse
 * scheduler`, nodes in two zones and one without a zone, and pods spread by a
 * DoNotSchedule constraint, with the FailedScheduling message users read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Clientset, createClientset } from '../../../sdk/client/typed-client.js';
import type { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import {
  eventually,
  readyNode,
  type SchedulerProcess,
  startScheduler,
} from '../../testing/scheduler-process.js';

const zone = 'topology.kubernetes.io/zone';

function pod(name: string, o: { nodeName?: string; minDomains?: number } = {}) {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: {
      nodeName: o.nodeName ?? '',
      containers: [{ name: 'c', image: 'nginx:1.27' }],
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: zone,
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'web' } },
          ...(o.minDomains === undefined ? {} : { minDomains: o.minDomains }),
        },
      ],
    },
  });
}

describe('PodTopologySpread in the scheduler', () => {
  let cluster: Cluster;
  let clients: Clientset;
  let scheduler: SchedulerProcess;
  const pods = () => clients.kind<Pod>('Pod');
  const boundNode = (name: string) =>
    eventually(
      `${name} to be bound`,
      async () => (await pods().get('default', name)).spec?.nodeName || undefined,
    );

  before(async () => {
    cluster = await startCluster();
    clients = createClientset(cluster.admin, { component: 'test' });
    await clients.kind<Node>('Node').create(readyNode('a1', { labels: { [zone]: 'a' } }));
    await clients.kind<Node>('Node').create(readyNode('a2', { labels: { [zone]: 'a' } }));
    await clients.kind<Node>('Node').create(readyNode('b1', { labels: { [zone]: 'b' } }));
    await clients.kind<Node>('Node').create(readyNode('nozone'));
    await pods().create(pod('w-1', { nodeName: 'a1' }));
    await pods().create(pod('w-2', { nodeName: 'a2' }));
    scheduler = await startScheduler(cluster, { leaderElect: false });
  });
  after(async () => {
    await scheduler?.stop();
    clients?.close();
    await cluster?.stop();
  });

  it('places pods in the emptier zone until the zones are even, never on a node without the zone', async () => {
    await pods().create(pod('w-3'));
    assert.equal(await boundNode('w-3'), 'b1');
    await pods().create(pod('w-4'));
    assert.equal(await boundNode('w-4'), 'b1');
    // 2 and 2: either zone will do now.
    await pods().create(pod('w-5'));
    assert.notEqual(await boundNode('w-5'), 'nozone');
  });

  it('minDomains larger than the zones there are: every zone is too full, reported per reason', async () => {
    await pods().create(pod('needs-three-zones', { minDomains: 3 }));
    const message = await eventually('FailedScheduling', async () => {
      const list = await clients.kind<Event>('Event').list('default');
      return list.items.find(
        (e) => e.involvedObject?.name === 'needs-three-zones' && e.reason === 'FailedScheduling',
      )?.message;
    });
    assert.equal(
      message,
      "0/4 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), 3 node(s) didn't match pod topology spread constraints. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.",
    );
  });
});
