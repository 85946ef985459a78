import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Event } from '../../sdk/gen/wheelhouse/core/v1/event.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ResourceQuota } from '../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import { pod as podOf } from '../../test/objects.js';
import { listPods, markPodReady, useCluster, waitFor } from '../shared/testing.js';

function replicaSet(
  name: string,
  replicas: number,
  opts: { minReadySeconds?: number; namespace?: string } = {},
) {
  return ReplicaSet.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: opts.namespace ?? 'default' },
    spec: {
      replicas,
      minReadySeconds: opts.minReadySeconds ?? 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  });
}

describe('ReplicaSet controller', { timeout: 120_000 }, () => {
  const suite = useCluster({ controllerManager: ['--controllers', 'replicaset'] });
  const rsClient = () => suite.admin.kind<ReplicaSet>('ReplicaSet');
  const get = (name: string, ns = 'default') => rsClient().get(ns, name);
  /** Sets spec.replicas, again on a conflict with the controller's status writes. */
  const scale = (name: string, replicas: number) =>
    waitFor(`scale of ${name} to ${replicas}`, async () => {
      const current = await get(name);
      return rsClient().update({ ...current, spec: { ...current.spec, replicas } as ReplicaSet['spec'] });
    });
  const owned = async (rs: ReplicaSet) =>
    (await listPods(suite.admin, rs.metadata?.namespace ?? 'default')).filter((p) =>
      p.metadata?.ownerReferences.some((r) => r.uid === rs.metadata?.uid && r.controller),
    );

  test('creates the pods with a controller reference, scales down the least useful first, keeps status exact', async () => {
    const rs = await rsClient().create(replicaSet('web', 3));
    let pods = await waitFor('3 pods', async () => {
      const p = await owned(rs);
      return p.length === 3 ? p : undefined;
    });
    for (const p of pods) {
      const ref = p.metadata?.ownerReferences[0];
      assert.deepEqual(
        { kind: ref?.kind, name: ref?.name, controller: ref?.controller, block: ref?.blockOwnerDeletion },
        { kind: 'ReplicaSet', name: 'web', controller: true, block: true },
      );
      assert.equal(p.metadata?.labels.tier, 'web');
      assert.match(p.metadata?.name ?? '', /^web-/);
    }
    // Two ready (one long ago), one not: scaling to 1 keeps the one ready the longest.
    const [a, b] = pods;
    assert.ok(a && b);
    await markPodReady(suite.admin, a, new Date(Date.now() - 60_000));
    await markPodReady(suite.admin, b);
    await waitFor('status 3/3 ready 2', async () => {
      const s = (await get('web')).status;
      return s?.replicas === 3 &&
        s.readyReplicas === 2 &&
        s.availableReplicas === 2 &&
        s.fullyLabeledReplicas === 3
        ? s
        : undefined;
    });
    await scale('web', 1);
    pods = await waitFor('1 pod left', async () => {
      const p = await owned(rs);
      return p.length === 1 ? p : undefined;
    });
    assert.equal(pods[0]?.metadata?.name, a.metadata?.name, 'the pod ready the longest is kept');
    const status = await waitFor('status of 1', async () => {
      const r = await get('web');
      return r.status?.replicas === 1 && r.status.observedGeneration === r.metadata?.generation
        ? r.status
        : undefined;
    });
    assert.deepEqual(
      [status.replicas, status.readyReplicas, status.availableReplicas, status.fullyLabeledReplicas],
      [1, 1, 1, 1],
    );
    const events = (await suite.admin.kind<Event>('Event').list('default')).items.filter(
      (e) => e.involvedObject?.name === 'web',
    );
    assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: web-/.test(e.message)));
    assert.ok(events.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: web-/.test(e.message)));
  });

  test("a scale-down deletes first the pod doubled up with its owner's other ReplicaSets", async () => {
    const owner = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'rank',
      uid: '5f0c3a52-6a51-4a4e-9d0e-2f1f0c7f3b11',
      controller: true,
      blockOwnerDeletion: true,
    };
    const onNode = (name: string, app: string, nodeName: string) => {
      const p = podOf(name, { labels: { app, tier: 'web' } });
      p.spec!.nodeName = nodeName;
      return p;
    };
    // Orphans the ReplicaSets adopt: rank-a's pods on node-1 and node-2, rank-b's on node-2.
    const [a1, a2, b1] = await Promise.all([
      suite.admin.kind<Pod>('Pod').create(onNode('rank-a-1', 'rank-a', 'node-1')),
      suite.admin.kind<Pod>('Pod').create(onNode('rank-a-2', 'rank-a', 'node-2')),
      suite.admin.kind<Pod>('Pod').create(onNode('rank-b-1', 'rank-b', 'node-2')),
    ]);
    assert.ok(a1 && a2 && b1);
    // Ready the longest, rank-a-2 would be kept if only rank-a's own pods were counted.
    await markPodReady(suite.admin, a2, new Date(Date.now() - 60_000));
    await markPodReady(suite.admin, a1);
    await markPodReady(suite.admin, b1);
    const withOwner = (rs: ReplicaSet) => {
      rs.metadata!.ownerReferences = [owner];
      return rs;
    };
    const a = await rsClient().create(withOwner(replicaSet('rank-a', 2)));
    const b = await rsClient().create(withOwner(replicaSet('rank-b', 1)));
    await waitFor('both adopted', async () =>
      (await owned(a)).length === 2 && (await owned(b)).length === 1 ? true : undefined,
    );
    await scale('rank-a', 1);
    // Bound pods terminate gracefully: the one chosen stays, terminating, without a kubelet.
    const left = await waitFor('1 pod of rank-a left', async () => {
      const p = (await owned(a)).filter((pod) => pod.metadata?.deletionTimestamp === undefined);
      return p.length === 1 ? p : undefined;
    });
    assert.equal(left[0]?.metadata?.name, 'rank-a-1', 'the pod sharing node-2 with rank-b is deleted');
  });

  test('replaces a deleted pod, adopts a matching orphan and releases a pod that stops matching', async () => {
    const orphan = await suite.admin
      .kind<Pod>('Pod')
      .create(podOf('stray', { labels: { app: 'adopt', tier: 'web' } }));
    const rs = await rsClient().create(replicaSet('adopt', 2));
    const pods = await waitFor('2 pods, the orphan adopted', async () => {
      const p = await owned(rs);
      return p.length === 2 ? p : undefined;
    });
    assert.ok(
      pods.some((p) => p.metadata?.name === 'stray'),
      'the orphan was adopted',
    );
    const stray = await suite.admin.kind<Pod>('Pod').get('default', 'stray');
    assert.equal(stray.metadata?.uid, orphan.metadata?.uid);
    // Relabelled: released, and replaced.
    await suite.admin.kind<Pod>('Pod').update({
      ...stray,
      metadata: { ...stray.metadata, labels: { app: 'other' } } as Pod['metadata'],
    });
    await waitFor('stray released and replaced', async () => {
      const p = await owned(rs);
      const s = await suite.admin.kind<Pod>('Pod').get('default', 'stray');
      return p.length === 2 &&
        !p.some((x) => x.metadata?.name === 'stray') &&
        s.metadata?.ownerReferences.length === 0
        ? true
        : undefined;
    });
    // Deleted: replaced.
    const [victim] = await owned(rs);
    assert.ok(victim);
    await suite.admin.kind<Pod>('Pod').delete('default', victim.metadata?.name ?? '');
    await waitFor('replacement', async () => {
      const p = await owned(rs);
      return p.length === 2 && !p.some((x) => x.metadata?.uid === victim.metadata?.uid) ? true : undefined;
    });
  });

  test('availableReplicas honours minReadySeconds', async () => {
    const rs = await rsClient().create(replicaSet('slow', 1, { minReadySeconds: 2 }));
    const [p] = await waitFor('1 pod', async () => {
      const x = await owned(rs);
      return x.length === 1 ? x : undefined;
    });
    assert.ok(p);
    const readyAt = Date.now();
    await markPodReady(suite.admin, p);
    await waitFor('ready, not yet available', async () => {
      const s = (await get('slow')).status;
      return s?.readyReplicas === 1 ? s : undefined;
    });
    assert.equal((await get('slow')).status?.availableReplicas, 0);
    await waitFor('available after minReadySeconds', async () => {
      const s = (await get('slow')).status;
      return s?.availableReplicas === 1 ? s : undefined;
    });
    assert.ok(Date.now() - readyAt >= 2000, 'not available before minReadySeconds');
  });

  test('ReplicaFailure while the quota refuses pods, cleared once they fit', async () => {
    const quotas = suite.admin.kind<ResourceQuota>('ResourceQuota');
    const used = (await listPods(suite.admin, 'default')).length;
    await quotas.create(
      ResourceQuota.fromPartial({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'pods', namespace: 'default' },
        spec: { hard: { pods: String(used + 1) } },
      }),
    );
    await waitFor('the quota counted', async () => {
      const q = await quotas.get('default', 'pods');
      return q.status?.used?.pods === String(used) ? true : undefined;
    });
    await rsClient().create(replicaSet('capped', 3));
    const failed = await waitFor(
      'ReplicaFailure',
      async () => {
        const r = await get('capped');
        return r.status?.conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
      },
      { describe: async () => JSON.stringify((await get('capped')).status) },
    );
    assert.equal(failed.reason, 'FailedCreate');
    assert.match(failed.message, /quota|exceeded/i);
    const events = (await suite.admin.kind<Event>('Event').list('default')).items.filter(
      (e) => e.involvedObject?.name === 'capped' && e.reason === 'FailedCreate',
    );
    assert.ok(events.length > 0 && /Error creating/.test(events[0]?.message ?? ''));
    await waitFor('the quota raised', async () => {
      const fresh = await quotas.get('default', 'pods');
      await quotas.update({
        ...fresh,
        spec: { ...fresh.spec, hard: { pods: '1000' } } as ResourceQuota['spec'],
      });
      return true;
    });
    await waitFor(
      'pods created and the condition cleared',
      async () => {
        const r = await get('capped');
        return r.status?.replicas === 3 && !r.status.conditions.some((c) => c.type === 'ReplicaFailure')
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, describe: async () => JSON.stringify((await get('capped')).status) },
    );
  });
});
