import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import type { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';
import { isPodReady } from '../shared/pod-state.js';
import {
  adminClients,
  type ControllerManagerProcess,
  markPodReady,
  startControllerManager,
  waitFor,
} from '../shared/testing.js';
import { targetNodeName } from './daemon-pod-template.js';
import { daemonSet, int, node, podsOf, statusCounts } from './testing.js';

const NODES = ['node-1', 'node-2', 'node-3'];

/**
 * Plays the kubelets: every pod of the namespace becomes Ready `delayMs` after it
 * appears, so that a rollout has visible steps in which new pods are not ready yet.
 */
async function startDelayedReadier(clients: Clientset, signal: AbortSignal, delayMs: number) {
  const factory = new InformerFactory(clients.api);
  const informer = factory.informerFor<Pod>('Pod', { namespace: 'default' });
  const seen = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  signal.addEventListener('abort', () => {
    for (const t of timers) clearTimeout(t);
  });
  const consider = (pod: Pod) => {
    const uid = pod.metadata?.uid ?? '';
    if (isPodReady(pod) || pod.metadata?.deletionTimestamp !== undefined || seen.has(uid)) return;
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return;
    seen.add(uid);
    const timer = setTimeout(() => {
      timers.delete(timer);
      markPodReady(clients, pod).catch(() => seen.delete(uid));
    }, delayMs);
    timers.add(timer);
  };
  informer.addEventHandler({ onAdd: consider, onUpdate: (_o, p) => consider(p) });
  factory.start(signal);
  await informer.waitForSync(signal);
}

/**
 * Watches the pods of a DaemonSet and checks a bound after every change: how many of
 * `nodes` lack a ready pod, and how many hold two pods at once. Records the worst seen.
 */
async function watchBounds(clients: Clientset, ds: DaemonSet, nodes: string[], signal: AbortSignal) {
  const factory = new InformerFactory(clients.api);
  const informer = factory.informerFor<Pod>('Pod', { namespace: 'default' });
  const worst = { unavailable: 0, doubled: 0, events: 0 };
  let synced = false;
  const check = () => {
    // Adds of the first list arrive one by one: only a complete cache says anything.
    if (!synced) return;
    const byNode = new Map<string, Pod[]>(nodes.map((n) => [n, []]));
    for (const pod of informer.indexer.list()) {
      if (!pod.metadata?.ownerReferences.some((r) => r.uid === ds.metadata?.uid)) continue;
      if (pod.metadata.deletionTimestamp !== undefined) continue;
      byNode.get(targetNodeName(pod) ?? '')?.push(pod);
    }
    let unavailable = 0;
    let doubled = 0;
    for (const pods of byNode.values()) {
      if (!pods.some(isPodReady)) unavailable++;
      if (pods.length > 1) doubled++;
    }
    worst.unavailable = Math.max(worst.unavailable, unavailable);
    worst.doubled = Math.max(worst.doubled, doubled);
    worst.events++;
  };
  informer.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
  factory.start(signal);
  await informer.waitForSync(signal);
  synced = true;
  check();
  return worst;
}

describe('DaemonSet controller: updates and history', { timeout: 150_000 }, () => {
  let cluster: Cluster;
  let cm: ControllerManagerProcess;
  let clients: Clientset;
  const stop = new AbortController();
  const dsClient = () => clients.kind<DaemonSet>('DaemonSet');
  const revisionsOf = async (ds: DaemonSet) =>
    (await clients.kind<ControllerRevision>('ControllerRevision').list('default')).items.filter((r) =>
      r.metadata?.ownerReferences.some((o) => o.uid === ds.metadata?.uid && o.controller),
    );
  const hashOfPod = (p: Pod) => p.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  const update = async (name: string, change: (ds: DaemonSet) => void) => {
    const ds = await dsClient().get('default', name);
    change(ds);
    return dsClient().update(ds);
  };
  const setImage = (image: string) => (ds: DaemonSet) => {
    const c = ds.spec?.template?.spec?.containers[0];
    if (c) c.image = image;
  };
  /** Waits until every node runs one ready pod of revision `hash` and the status says so. */
  const waitForRollout = (ds: DaemonSet, hash: () => Promise<string>) =>
    waitFor(
      `${ds.metadata?.name} rolled out on every node`,
      async () => {
        const want = await hash();
        const pods = await podsOf(clients, ds);
        const cur = await dsClient().get('default', ds.metadata?.name ?? '');
        const done =
          pods.length === NODES.length &&
          pods.every((p) => hashOfPod(p) === want && isPodReady(p)) &&
          new Set(pods.map(targetNodeName)).size === NODES.length &&
          cur.status?.observedGeneration === cur.metadata?.generation &&
          cur.status?.updatedNumberScheduled === NODES.length &&
          cur.status?.numberAvailable === NODES.length;
        return done ? { pods, ds: cur } : undefined;
      },
      {
        timeoutMs: 45_000,
        describe: async () =>
          JSON.stringify(
            (await podsOf(clients, ds)).map((p) => [targetNodeName(p), hashOfPod(p), isPodReady(p)]),
          ),
      },
    );
  /** The hash label of the revision holding the DaemonSet's newest revision number. */
  const newestHash = (ds: DaemonSet) => async () => {
    const revs = await revisionsOf(ds);
    revs.sort((a, b) => Number(b.revision) - Number(a.revision));
    return revs[0]?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  };

  before(async () => {
    cluster = await startCluster();
    clients = adminClients(cluster);
    for (const n of NODES) await clients.kind<Node>('Node').create(node(n));
    await startDelayedReadier(clients, stop.signal, 250);
    cm = await startControllerManager(cluster, ['--controllers', 'daemonset,garbage-collector']);
  });
  after(async () => {
    stop.abort();
    clients?.close();
    await cm?.stop();
    await cluster?.stop();
  });

  test('a rolling update with maxUnavailable 1 replaces pods node by node; a rollback reuses the old revision', async () => {
    const ds = await dsClient().create(daemonSet('roll', { maxUnavailable: int(1) }));
    const first = await waitForRollout(ds, newestHash(ds));
    const oldHash = hashOfPod(first.pods[0] as Pod);

    const bounds = await watchBounds(clients, ds, NODES, stop.signal);
    await update('roll', setImage('busybox:1.37'));
    const second = await waitForRollout(ds, newestHash(ds));
    const newHash = hashOfPod(second.pods[0] as Pod);
    assert.notEqual(newHash, oldHash);
    assert.equal(
      bounds.unavailable,
      1,
      'at most one node without a ready pod, and the update did take one down',
    );
    assert.equal(bounds.doubled, 0, 'never two pods on a node without surge');
    const revs = await revisionsOf(ds);
    assert.deepEqual(
      revs.map((r) => [r.revision, r.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL]]).sort(),
      [
        ['1', oldHash],
        ['2', newHash],
      ],
    );
    assert.deepEqual(statusCounts(second.ds), {
      desired: 3,
      current: 3,
      misscheduled: 0,
      ready: 3,
      available: 3,
      unavailable: 0,
      updated: 3,
    });

    // Back to the first template: its revision becomes the newest again, no new one is made.
    await update('roll', setImage('busybox:1.36'));
    const third = await waitForRollout(ds, newestHash(ds));
    assert.equal(hashOfPod(third.pods[0] as Pod), oldHash);
    const after = await revisionsOf(ds);
    assert.deepEqual(
      after.map((r) => [r.revision, r.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL]]).sort(),
      [
        ['2', newHash],
        ['3', oldHash],
      ],
    );
    assert.equal(bounds.unavailable, 1);
  });

  test('old revisions beyond revisionHistoryLimit are deleted', async () => {
    await update('roll', (ds) => {
      if (ds.spec) ds.spec.revisionHistoryLimit = 1;
      setImage('busybox:1.38')(ds);
    });
    const ds = await dsClient().get('default', 'roll');
    await waitForRollout(ds, newestHash(ds));
    const revs = await waitFor('two revisions left', async () => {
      const r = await revisionsOf(ds);
      return r.length === 2 ? r : undefined;
    });
    assert.deepEqual(revs.map((r) => r.revision).sort(), ['3', '4']);
  });

  test('maxSurge 1 starts the new pod beside the old one and never leaves a node without a ready pod', async () => {
    const ds = await dsClient().create(daemonSet('surge', { maxUnavailable: int(0), maxSurge: int(1) }));
    await waitForRollout(ds, newestHash(ds));
    const bounds = await watchBounds(clients, ds, NODES, stop.signal);
    await update('surge', setImage('busybox:1.37'));
    await waitForRollout(ds, newestHash(ds));
    assert.equal(bounds.unavailable, 0, 'every node kept a ready pod');
    assert.equal(bounds.doubled, 1, 'one node at a time ran two pods');
  });

  test('OnDelete replaces only the pods a user deletes', async () => {
    const ds = await dsClient().create(daemonSet('manual', { updateStrategy: 'OnDelete' }));
    const first = await waitForRollout(ds, newestHash(ds));
    const oldHash = hashOfPod(first.pods[0] as Pod);
    const updated = await update('manual', setImage('busybox:1.37'));
    const newHash = await waitFor('a second revision', async () => {
      const h = await newestHash(ds)();
      return h !== oldHash ? h : undefined;
    });
    const settled = await waitFor('the new generation observed, nothing replaced', async () => {
      const cur = await dsClient().get('default', 'manual');
      return cur.status?.observedGeneration === updated.metadata?.generation ? cur : undefined;
    });
    assert.equal(settled.status?.updatedNumberScheduled, 0);
    assert.ok((await podsOf(clients, ds)).every((p) => hashOfPod(p) === oldHash));

    const victim = first.pods.find((p) => targetNodeName(p) === 'node-2') as Pod;
    await clients.kind<Pod>('Pod').delete('default', victim.metadata?.name ?? '');
    const pods = await waitFor('node-2 replaced with the new revision', async () => {
      const p = await podsOf(clients, ds);
      const onNode2 = p.filter((x) => targetNodeName(x) === 'node-2');
      return p.length === 3 && onNode2.length === 1 && hashOfPod(onNode2[0] as Pod) === newHash
        ? p
        : undefined;
    });
    assert.deepEqual(pods.map((p) => [targetNodeName(p), hashOfPod(p) === newHash]).sort(), [
      ['node-1', false],
      ['node-2', true],
      ['node-3', false],
    ]);
    await waitFor('status counts one updated node', async () => {
      const cur = await dsClient().get('default', 'manual');
      return cur.status?.updatedNumberScheduled === 1 ? cur : undefined;
    });
  });

  test('a revision name taken by other data bumps collisionCount', async () => {
    // The same DaemonSet in another namespace records the same data, hence the same hash.
    await clients.kind<Namespace>('Namespace').create(Namespace.fromPartial({ metadata: { name: 'probe' } }));
    const probe = await dsClient().create(
      daemonSet('clash', { updateStrategy: 'OnDelete', namespace: 'probe' }),
    );
    const hash = await waitFor('the probe revision', async () => {
      const revs = (await clients.kind<ControllerRevision>('ControllerRevision').list('probe')).items;
      const r = revs.find((x) => x.metadata?.ownerReferences.some((o) => o.uid === probe.metadata?.uid));
      return r?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL];
    });
    await clients.kind<ControllerRevision>('ControllerRevision').create(
      ControllerRevision.fromPartial({
        metadata: { name: `clash-${hash}`, namespace: 'default', labels: { app: 'other' } },
        data: { something: 'else' },
        revision: '1',
      }),
    );
    const ds = await dsClient().create(daemonSet('clash', { updateStrategy: 'OnDelete' }));
    const cur = await waitFor('collisionCount 1', async () => {
      const d = await dsClient().get('default', 'clash');
      return d.status?.collisionCount === 1 ? d : undefined;
    });
    const revs = await revisionsOf(cur);
    assert.equal(revs.length, 1);
    assert.notEqual(revs[0]?.metadata?.name, `clash-${hash}`);
    const pods = await waitFor('3 pods', async () => {
      const p = await podsOf(clients, ds);
      return p.length === 3 ? p : undefined;
    });
    assert.ok(pods.every((p) => hashOfPod(p) === revs[0]?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL]));
  });
});
