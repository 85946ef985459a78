import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import type { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ResourceQuota } from '../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';
import { isPodReady } from '../shared/pod-state.js';
import { eventsAbout, markPodReady, useCluster, waitFor } from '../shared/testing.js';
import { DAEMON_TOLERATIONS, nodeNameAffinity, targetNodeName } from './daemon-pod-template.js';
import { type DaemonSetOptions, daemonSet, int, node, placementOf, podsOf, statusCounts } from './testing.js';

/** The update tests run in their own namespace, on their own nodes, with pods made ready by a readier. */
const NS = 'updates';
const POOL = { pool: 'update' };
const NODES = ['node-1', 'node-2', 'node-3'];
const updateDs = (name: string, opts: DaemonSetOptions = {}) =>
  daemonSet(name, { namespace: NS, nodeSelector: POOL, ...opts });

/**
 * Plays the kubelets: every pod of the namespace becomes Ready `delayMs` after it
 * appears, so that a rollout has visible steps in which new pods are not ready yet.
 */
async function startDelayedReadier(clients: Clientset, signal: AbortSignal, delayMs: number) {
  const factory = new InformerFactory(clients.api);
  const informer = factory.informerFor<Pod>('Pod', { namespace: NS });
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
  const informer = factory.informerFor<Pod>('Pod', { namespace: NS });
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

const suite = useCluster({
  prepare: async ({ admin, signal }) => {
    const nodeClient = admin.kind<Node>('Node');
    await nodeClient.create(node('node-a', { role: 'worker' }));
    await nodeClient.create(
      node('node-b', { role: 'worker' }, [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]),
    );
    await nodeClient.create(node('node-c', { role: 'db' }));
    for (const n of NODES) await nodeClient.create(node(n, POOL));
    await admin.kind<Namespace>('Namespace').create(Namespace.fromPartial({ metadata: { name: NS } }));
    await startDelayedReadier(admin, signal, 250);
  },
  controllerManager: ['--controllers', 'daemonset,garbage-collector'],
});

describe('DaemonSet controller: placement and status', { timeout: 120_000 }, () => {
  const dsClient = () => suite.admin.kind<DaemonSet>('DaemonSet');
  const nodeClient = () => suite.admin.kind<Node>('Node');
  const podClient = () => suite.admin.kind<Pod>('Pod');

  /** Waits until the pods of `ds` sit exactly on `nodes` (target node → count 1 each). */
  const waitForPlacement = (ds: DaemonSet, nodes: string[]) =>
    waitFor(
      `${ds.metadata?.name} on exactly ${nodes.join(', ') || 'no node'}`,
      async () => {
        const pods = await podsOf(suite.admin, ds);
        const placed = placementOf(pods);
        const ok =
          Object.keys(placed).sort().join() === [...nodes].sort().join() &&
          Object.values(placed).every((names) => names.length === 1);
        return ok ? pods : undefined;
      },
      { describe: async () => JSON.stringify(placementOf(await podsOf(suite.admin, ds))) },
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
      await suite.admin.kind<ControllerRevision>('ControllerRevision').list('default')
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
    await markPodReady(suite.admin, pod);
    await waitForStatus(ds, {
      desired: 1,
      current: 1,
      misscheduled: 0,
      ready: 1,
      available: 1,
      unavailable: 0,
      updated: 1,
    });
    const events = await eventsAbout(suite.admin, 'DaemonSet', 'agent');
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
      const pods = await podsOf(suite.admin, ds);
      return pods.length === 1 && pods[0]?.metadata?.uid !== pod.metadata?.uid ? pods : undefined;
    });
    assert.deepEqual(Object.keys(placementOf([replacement as Pod])), ['node-a']);
    const events = await eventsAbout(suite.admin, 'DaemonSet', 'agent');
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

describe('DaemonSet controller: updates and history', { timeout: 120_000 }, () => {
  const dsClient = () => suite.admin.kind<DaemonSet>('DaemonSet');
  const revisionsOf = async (ds: DaemonSet) =>
    (await suite.admin.kind<ControllerRevision>('ControllerRevision').list(NS)).items.filter((r) =>
      r.metadata?.ownerReferences.some((o) => o.uid === ds.metadata?.uid && o.controller),
    );
  const hashOfPod = (p: Pod) => p.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  const update = async (name: string, change: (ds: DaemonSet) => void) => {
    const ds = await dsClient().get(NS, name);
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
        const pods = await podsOf(suite.admin, ds);
        const cur = await dsClient().get(NS, ds.metadata?.name ?? '');
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
            (await podsOf(suite.admin, ds)).map((p) => [targetNodeName(p), hashOfPod(p), isPodReady(p)]),
          ),
      },
    );
  /** The hash label of the revision holding the DaemonSet's newest revision number. */
  const newestHash = (ds: DaemonSet) => async () => {
    const revs = await revisionsOf(ds);
    revs.sort((a, b) => Number(b.revision) - Number(a.revision));
    return revs[0]?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL] ?? '';
  };

  test('a rolling update with maxUnavailable 1 replaces pods node by node; a rollback reuses the old revision', async () => {
    const ds = await dsClient().create(updateDs('roll', { maxUnavailable: int(1) }));
    const first = await waitForRollout(ds, newestHash(ds));
    const oldHash = hashOfPod(first.pods[0] as Pod);

    const bounds = await watchBounds(suite.admin, ds, NODES, suite.signal);
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
    const ds = await dsClient().get(NS, 'roll');
    await waitForRollout(ds, newestHash(ds));
    const revs = await waitFor('two revisions left', async () => {
      const r = await revisionsOf(ds);
      return r.length === 2 ? r : undefined;
    });
    assert.deepEqual(revs.map((r) => r.revision).sort(), ['3', '4']);
  });

  test('maxSurge 1 starts the new pod beside the old one and never leaves a node without a ready pod', async () => {
    const ds = await dsClient().create(updateDs('surge', { maxUnavailable: int(0), maxSurge: int(1) }));
    await waitForRollout(ds, newestHash(ds));
    const bounds = await watchBounds(suite.admin, ds, NODES, suite.signal);
    await update('surge', setImage('busybox:1.37'));
    await waitForRollout(ds, newestHash(ds));
    assert.equal(bounds.unavailable, 0, 'every node kept a ready pod');
    assert.equal(bounds.doubled, 1, 'one node at a time ran two pods');
  });

  test('OnDelete replaces only the pods a user deletes', async () => {
    const ds = await dsClient().create(updateDs('manual', { updateStrategy: 'OnDelete' }));
    const first = await waitForRollout(ds, newestHash(ds));
    const oldHash = hashOfPod(first.pods[0] as Pod);
    const updated = await update('manual', setImage('busybox:1.37'));
    const newHash = await waitFor('a second revision', async () => {
      const h = await newestHash(ds)();
      return h !== oldHash ? h : undefined;
    });
    const settled = await waitFor('the new generation observed, nothing replaced', async () => {
      const cur = await dsClient().get(NS, 'manual');
      return cur.status?.observedGeneration === updated.metadata?.generation ? cur : undefined;
    });
    assert.equal(settled.status?.updatedNumberScheduled, 0);
    assert.ok((await podsOf(suite.admin, ds)).every((p) => hashOfPod(p) === oldHash));

    const victim = first.pods.find((p) => targetNodeName(p) === 'node-2') as Pod;
    await suite.admin.kind<Pod>('Pod').delete(NS, victim.metadata?.name ?? '');
    const pods = await waitFor('node-2 replaced with the new revision', async () => {
      const p = await podsOf(suite.admin, ds);
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
      const cur = await dsClient().get(NS, 'manual');
      return cur.status?.updatedNumberScheduled === 1 ? cur : undefined;
    });
  });

  test('a revision name taken by other data bumps collisionCount', async () => {
    // The same DaemonSet in another namespace records the same data, hence the same hash.
    await suite.admin
      .kind<Namespace>('Namespace')
      .create(Namespace.fromPartial({ metadata: { name: 'probe' } }));
    const probe = await dsClient().create(
      daemonSet('clash', { updateStrategy: 'OnDelete', namespace: 'probe', nodeSelector: POOL }),
    );
    const hash = await waitFor('the probe revision', async () => {
      const revs = (await suite.admin.kind<ControllerRevision>('ControllerRevision').list('probe')).items;
      const r = revs.find((x) => x.metadata?.ownerReferences.some((o) => o.uid === probe.metadata?.uid));
      return r?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL];
    });
    await suite.admin.kind<ControllerRevision>('ControllerRevision').create(
      ControllerRevision.fromPartial({
        metadata: { name: `clash-${hash}`, namespace: NS, labels: { app: 'other' } },
        data: { something: 'else' },
        revision: '1',
      }),
    );
    const ds = await dsClient().create(updateDs('clash', { updateStrategy: 'OnDelete' }));
    const cur = await waitFor('collisionCount 1', async () => {
      const d = await dsClient().get(NS, 'clash');
      return d.status?.collisionCount === 1 ? d : undefined;
    });
    const revs = await revisionsOf(cur);
    assert.equal(revs.length, 1);
    assert.notEqual(revs[0]?.metadata?.name, `clash-${hash}`);
    const pods = await waitFor('3 pods', async () => {
      const p = await podsOf(suite.admin, ds);
      return p.length === 3 ? p : undefined;
    });
    assert.ok(pods.every((p) => hashOfPod(p) === revs[0]?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL]));

    // A status that lost the count (a write from a stale copy) gets it back from the revision's name.
    const fresh = await dsClient().get(NS, 'clash');
    await dsClient().updateStatus({
      ...fresh,
      status: { ...fresh.status, collisionCount: undefined },
    } as DaemonSet);
    await waitFor('collisionCount 1 again', async () => {
      const d = await dsClient().get(NS, 'clash');
      return d.status?.collisionCount === 1 ? d : undefined;
    });
    assert.equal((await revisionsOf(cur)).length, 1);
  });

  test('creates refused by a quota are FailedCreate events; the pods come once the quota allows them', async () => {
    const ns = 'capped';
    await suite.admin.kind<Namespace>('Namespace').create(Namespace.fromPartial({ metadata: { name: ns } }));
    const quotas = suite.admin.kind<ResourceQuota>('ResourceQuota');
    await quotas.create(
      ResourceQuota.fromPartial({ metadata: { name: 'pods', namespace: ns }, spec: { hard: { pods: '1' } } }),
    );
    await waitFor('the quota counted', async () =>
      (await quotas.get(ns, 'pods')).status?.used?.pods === '0' ? true : undefined,
    );
    const ds = await dsClient().create(updateDs('capped', { namespace: ns }));
    // The quota's refusal, not just any failed create: on a loaded machine the controller
    // manager can lose its lease meanwhile, and a create its closing stream cut short fails too.
    const failed = await waitFor(
      'a FailedCreate event for the quota',
      async () =>
        (await eventsAbout(suite.admin, 'DaemonSet', 'capped', ns)).find(
          (e) => e.reason === 'FailedCreate' && /^Error creating: .*(quota|exceeded)/i.test(e.message),
        ),
      {
        describe: async () =>
          JSON.stringify((await eventsAbout(suite.admin, 'DaemonSet', 'capped', ns)).map((e) => e.message)),
      },
    );
    assert.equal(failed.type, 'Warning');
    await waitFor('status: 3 desired, 1 scheduled', async () => {
      const cur = await dsClient().get(ns, 'capped');
      return cur.status?.desiredNumberScheduled === 3 && cur.status.currentNumberScheduled === 1
        ? cur
        : undefined;
    });
    assert.equal((await podsOf(suite.admin, ds)).length, 1);
    // The quota controller writes its status meanwhile: a conflict is tried again.
    await waitFor('the quota raised', async () => {
      const fresh = await quotas.get(ns, 'pods');
      return quotas.update({
        ...fresh,
        spec: { ...fresh.spec, hard: { pods: '10' } } as ResourceQuota['spec'],
      });
    });
    await waitFor(
      'a pod on every node',
      async () => {
        const pods = await podsOf(suite.admin, ds);
        return new Set(pods.map(targetNodeName)).size === 3 && pods.length === 3 ? pods : undefined;
      },
      { timeoutMs: 45_000 },
    );
  });

  test('deleting a DaemonSet takes its pods and revisions with it', async () => {
    const ds = await dsClient().get(NS, 'surge');
    await dsClient().delete(NS, 'surge');
    await waitFor('pods and revisions gone', async () =>
      (await podsOf(suite.admin, ds)).length === 0 && (await revisionsOf(ds)).length === 0 ? true : undefined,
    );
  });
});
