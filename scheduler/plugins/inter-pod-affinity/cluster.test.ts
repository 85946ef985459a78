/**
 * InterPodAffinity through real processes: a store, an apiserver and `wheelhouse
 * scheduler`, nodes in two zones, and pods placed by their required (anti-)affinity,
 * with the FailedScheduling messages users read when nothing fits.
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
const host = 'kubernetes.io/hostname';

type Term = { app: string; topologyKey: string };
function pod(
  name: string,
  labels: Record<string, string>,
  o: { nodeName?: string; affinity?: Term[]; anti?: Term[] } = {},
) {
  const terms = (ts: Term[] = []) =>
    ts.map((t) => ({ labelSelector: { matchLabels: { app: t.app } }, topologyKey: t.topologyKey }));
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: {
      nodeName: o.nodeName ?? '',
      containers: [{ name: 'c', image: 'nginx:1.27' }],
      affinity: {
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms(o.affinity) },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms(o.anti) },
      },
    },
  });
}

describe('InterPodAffinity in the scheduler', () => {
  let cluster: Cluster;
  let clients: Clientset;
  let scheduler: SchedulerProcess;
  const pods = () => clients.kind<Pod>('Pod');
  const boundNode = (name: string) =>
    eventually(
      `${name} to be bound`,
      async () => (await pods().get('default', name)).spec?.nodeName || undefined,
    );
  const failedScheduling = (name: string) =>
    eventually(`FailedScheduling of ${name}`, async () => {
      const list = await clients.kind<Event>('Event').list('default');
      return list.items.find((e) => e.involvedObject?.name === name && e.reason === 'FailedScheduling')
        ?.message;
    });

  before(async () => {
    cluster = await startCluster();
    clients = createClientset(cluster.admin, { component: 'test' });
    for (const [name, z] of [
      ['a1', 'a'],
      ['a2', 'a'],
      ['b1', 'b'],
    ] as const) {
      await clients.kind<Node>('Node').create(readyNode(name, { labels: { [zone]: z } }));
    }
    await pods().create(pod('db', { app: 'db' }, { nodeName: 'b1' }));
    // Keeps pods labelled app=noisy off its host.
    await pods().create(
      pod('lonely', { app: 'lonely' }, { nodeName: 'a1', anti: [{ app: 'noisy', topologyKey: host }] }),
    );
    scheduler = await startScheduler(cluster, { leaderElect: false });
  });
  after(async () => {
    await scheduler?.stop();
    clients?.close();
    await cluster?.stop();
  });

  it('required affinity puts a pod in the zone of the pods it selects; anti-affinity keeps it out', async () => {
    await pods().create(pod('web', { app: 'web' }, { affinity: [{ app: 'db', topologyKey: zone }] }));
    await pods().create(pod('batch', { app: 'batch' }, { anti: [{ app: 'db', topologyKey: zone }] }));
    assert.equal(await boundNode('web'), 'b1');
    assert.match(await boundNode('batch'), /^a[12]$/);
  });

  it("existing pods' anti-affinity is honoured", async () => {
    await pods().create(pod('noisy', { app: 'noisy' }));
    assert.notEqual(await boundNode('noisy'), 'a1');
  });

  it('the first pod of a group with affinity to itself is placed', async () => {
    await pods().create(
      pod('group-1', { app: 'group' }, { affinity: [{ app: 'group', topologyKey: zone }] }),
    );
    const first = await boundNode('group-1');
    await pods().create(
      pod('group-2', { app: 'group' }, { affinity: [{ app: 'group', topologyKey: zone }] }),
    );
    const second = await boundNode('group-2');
    assert.equal(second.slice(0, 1), first.slice(0, 1), 'the second joins the first one’s zone');
  });

  it('FailedScheduling counts the affinity reasons as kube-scheduler does', async () => {
    await pods().create(
      pod('orphan', { app: 'orphan' }, { affinity: [{ app: 'missing', topologyKey: zone }] }),
    );
    assert.equal(
      await failedScheduling('orphan'),
      "0/3 nodes are available: 3 node(s) didn't match pod affinity rules. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    // web (zone b) and batch (zone a): a pod that refuses both has nowhere to go.
    await pods().create(
      pod(
        'picky',
        { app: 'picky' },
        {
          anti: [
            { app: 'web', topologyKey: zone },
            { app: 'batch', topologyKey: zone },
          ],
        },
      ),
    );
    assert.equal(
      await failedScheduling('picky'),
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
  });
});
