import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import type { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';
import {
  adminClients,
  type ControllerManagerProcess,
  markPodReady,
  startControllerManager,
  waitFor,
} from '../shared/testing.js';
import { DAEMON_TOLERATIONS, nodeNameAffinity } from './daemon-pod-template.js';
import { daemonSet, eventsOf, node, placementOf, podsOf, statusCounts } from './testing.js';

describe('DaemonSet controller: placement and status', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let cm: ControllerManagerProcess;
  let clients: Clientset;
  const dsClient = () => clients.kind<DaemonSet>('DaemonSet');
  const nodeClient = () => clients.kind<Node>('Node');
  const podClient = () => clients.kind<Pod>('Pod');

  /** Waits until the pods of `ds` sit exactly on `nodes` (target node → count 1 each). */
  const waitForPlacement = (ds: DaemonSet, nodes: string[]) =>
    waitFor(
      `${ds.metadata?.name} on exactly ${nodes.join(', ') || 'no node'}`,
      async () => {
        const pods = await podsOf(clients, ds);
        const placed = placementOf(pods);
        const ok =
          Object.keys(placed).sort().join() === [...nodes].sort().join() &&
          Object.values(placed).every((names) => names.length === 1);
        return ok ? pods : undefined;
      },
      { describe: async () => JSON.stringify(placementOf(await podsOf(clients, ds))) },
    );
  const waitForStatus = (ds: DaemonSet, want: ReturnType<typeof statusCounts>) =>
    waitFor(
      `${ds.metadata?.name} status ${JSON.stringify(want)}`,
      async () => {
        const cur = await dsClient().get('default', ds.metadata?.name ?? '');
        return JSON.stringify(statusCounts(cur)) === JSON.stringify(want) &&
          cur.status?.observedGeneration === cur.metadata?.generation
          ? cur
          : undefined;
      },
      {
        describe: async () =>
          JSON.stringify(statusCounts(await dsClient().get('default', ds.metadata?.name ?? ''))),
      },
    );
  const patchNode = async (name: string, change: (n: Node) => void) => {
    for (;;) {
      const n = await nodeClient().get('', name);
      change(n);
      try {
        return await nodeClient().update(n);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === Code.ABORTED)) throw err;
      }
    }
  };

  before(async () => {
    cluster = await startCluster();
    clients = adminClients(cluster);
    await nodeClient().create(node('node-a', { role: 'worker' }));
    await nodeClient().create(
      node('node-b', { role: 'worker' }, [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]),
    );
    await nodeClient().create(node('node-c', { role: 'db' }));
    cm = await startControllerManager(cluster, ['--controllers', 'daemonset,garbage-collector']);
  });
  after(async () => {
    clients?.close();
    await cm?.stop();
    await cluster?.stop();
  });

  test('one pod on each eligible node, bound there by node affinity, with daemon tolerations; status exact', async () => {
    const ds = await dsClient().create(daemonSet('agent', { nodeSelector: { role: 'worker' } }));
    // node-b is tainted, node-c has another role.
    const [pod] = await waitForPlacement(ds, ['node-a']);
    assert.ok(pod);
    assert.deepEqual(
      pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      nodeNameAffinity(undefined, 'node-a').nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    );
    for (const t of DAEMON_TOLERATIONS) {
      assert.ok(
        pod.spec?.tolerations.some(
          (p) => p.key === t.key && p.effect === t.effect && p.operator === 'Exists',
        ),
        `toleration ${t.key}:${t.effect}`,
      );
    }
    assert.ok(!pod.spec?.tolerations.some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
    assert.equal(pod.spec?.nodeName, '', 'the scheduler binds it, not the controller');
    assert.match(pod.metadata?.name ?? '', /^agent-/);

    const revisions = (
      await clients.kind<ControllerRevision>('ControllerRevision').list('default')
    ).items.filter((r) =>
      r.metadata?.ownerReferences.some((o) => o.uid === ds.metadata?.uid && o.controller),
    );
    assert.equal(revisions.length, 1);
    const hash = revisions[0]?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL];
    assert.ok(hash);
    assert.equal(revisions[0]?.revision, '1');
    assert.equal(revisions[0]?.metadata?.name, `agent-${hash}`);
    assert.equal(pod.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL], hash);

    await waitForStatus(ds, {
      desired: 1,
      current: 1,
      misscheduled: 0,
      ready: 0,
      available: 0,
      unavailable: 1,
      updated: 1,
    });
    await markPodReady(clients, pod);
    await waitForStatus(ds, {
      desired: 1,
      current: 1,
      misscheduled: 0,
      ready: 1,
      available: 1,
      unavailable: 0,
      updated: 1,
    });
    const events = await eventsOf(clients, 'agent');
    assert.ok(
      events.some(
        (e) => e.reason === 'SuccessfulCreate' && e.message === `Created pod: ${pod.metadata?.name}`,
      ),
    );
  });

  test('a toleration lets the tainted node in', async () => {
    const ds = await dsClient().create(
      daemonSet('tolerant', {
        nodeSelector: { role: 'worker' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
      }),
    );
    await waitForPlacement(ds, ['node-a', 'node-b']);
    await waitForStatus(ds, {
      desired: 2,
      current: 2,
      misscheduled: 0,
      ready: 0,
      available: 0,
      unavailable: 2,
      updated: 2,
    });
  });

  test('a failed pod is deleted and replaced on its node, with a FailedDaemonPod event', async () => {
    const ds = await dsClient().get('default', 'agent');
    const [pod] = await waitForPlacement(ds, ['node-a']);
    assert.ok(pod);
    await podClient().updateStatus(
      Pod.fromPartial({ ...pod, status: { ...pod.status, phase: 'Failed', conditions: [] } }),
    );
    const [replacement] = await waitFor('a new pod on node-a', async () => {
      const pods = await podsOf(clients, ds);
      return pods.length === 1 && pods[0]?.metadata?.uid !== pod.metadata?.uid ? pods : undefined;
    });
    assert.deepEqual(Object.keys(placementOf([replacement as Pod])), ['node-a']);
    const events = await eventsOf(clients, 'agent');
    assert.ok(
      events.some(
        (e) =>
          e.type === 'Warning' &&
          e.reason === 'FailedDaemonPod' &&
          e.message ===
            `Found failed daemon pod default/${pod.metadata?.name} on node node-a, will try to kill it`,
      ),
      JSON.stringify(events.map((e) => [e.reason, e.message])),
    );
    assert.ok(
      events.some(
        (e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted pod: ${pod.metadata?.name}`,
      ),
    );
  });

  test('adopts an orphan pod on its node instead of creating another', async () => {
    const orphan = await podClient().create(
      Pod.fromPartial({
        metadata: { name: 'stray-db-agent', namespace: 'default', labels: { app: 'dbagent' } },
        spec: {
          affinity: nodeNameAffinity(undefined, 'node-c'),
          containers: [{ name: 'agent', image: 'busybox:1.36' }],
        },
      }),
    );
    // OnDelete: a rolling update would replace the adopted pod, which is of no revision.
    const ds = await dsClient().create(
      daemonSet('dbagent', { nodeSelector: { role: 'db' }, updateStrategy: 'OnDelete' }),
    );
    const [pod] = await waitForPlacement(ds, ['node-c']);
    assert.equal(pod?.metadata?.uid, orphan.metadata?.uid, 'the orphan was adopted');
    const ref = pod?.metadata?.ownerReferences.find((r) => r.controller);
    assert.deepEqual([ref?.kind, ref?.name, ref?.uid], ['DaemonSet', 'dbagent', ds.metadata?.uid]);
    // Not made from the current revision: counted as scheduled, not as updated.
    await waitForStatus(ds, {
      desired: 1,
      current: 1,
      misscheduled: 0,
      ready: 0,
      available: 0,
      unavailable: 1,
      updated: 0,
    });
  });

  test('follows nodes: added, relabelled, tainted NoSchedule (misscheduled) and NoExecute, removed', async () => {
    const ds = await dsClient().create(daemonSet('edge', { nodeSelector: { edge: 'true' } }));
    await waitForStatus(ds, {
      desired: 0,
      current: 0,
      misscheduled: 0,
      ready: 0,
      available: 0,
      unavailable: 0,
      updated: 0,
    });

    await nodeClient().create(node('node-d', { edge: 'true' }));
    const [first] = await waitForPlacement(ds, ['node-d']);
    await patchNode('node-d', (n) => {
      if (n.metadata) delete n.metadata.labels.edge;
    });
    await waitForPlacement(ds, []);
    await patchNode('node-d', (n) => {
      if (n.metadata) n.metadata.labels.edge = 'true';
    });
    const [second] = await waitForPlacement(ds, ['node-d']);
    assert.notEqual(second?.metadata?.uid, first?.metadata?.uid);

    // A NoSchedule taint keeps the pod there, counted as misscheduled.
    await patchNode('node-d', (n) => {
      n.spec?.taints.push({ key: 'maintenance', value: '', effect: 'NoSchedule' });
    });
    await waitForStatus(ds, {
      desired: 0,
      current: 0,
      misscheduled: 1,
      ready: 0,
      available: 0,
      unavailable: 0,
      updated: 0,
    });
    const [kept] = await waitForPlacement(ds, ['node-d']);
    assert.equal(kept?.metadata?.uid, second?.metadata?.uid);
    // NoExecute evicts it.
    await patchNode('node-d', (n) => {
      if (n.spec) n.spec.taints = [{ key: 'maintenance', value: '', effect: 'NoExecute' }];
    });
    await waitForPlacement(ds, []);
    await patchNode('node-d', (n) => {
      if (n.spec) n.spec.taints = [];
    });
    await waitForPlacement(ds, ['node-d']);
    // The node goes: its pod, never bound, goes with it.
    await nodeClient().delete('', 'node-d');
    await waitForPlacement(ds, []);
    await waitForStatus(ds, {
      desired: 0,
      current: 0,
      misscheduled: 0,
      ready: 0,
      available: 0,
      unavailable: 0,
      updated: 0,
    });
  });
});
