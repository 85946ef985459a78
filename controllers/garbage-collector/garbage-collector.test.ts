/**
 * The garbage collector against a real store and apiserver, run in process with the
 * controller manager's identity: Background, Foreground (with blockOwnerDeletion) and
 * Orphan cascades across kinds, dependents of absent owners, and whctl's foreground delete.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runWhctl } from '../../cli/whctl/main.js';
import { testIo } from '../../cli/whctl/test-io.js';
import { writeClientConfig } from '../../sdk/client-config.js';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Secret } from '../../sdk/gen/wheelhouse/core/v1/secret.js';
import type { OwnerReference } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { deployment, pod } from '../../test/objects.js';
import { isGone, useCluster, waitFor } from '../shared/testing.js';
import { followedByDefault } from './garbage-collector.js';
import { garbageCollectorController } from './index.js';

const ref = (owner: KindObject, blockOwnerDeletion = false): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata?.name ?? '',
  uid: owner.metadata?.uid ?? '',
  blockOwnerDeletion,
});

describe('garbage collector', { timeout: 120_000 }, () => {
  const suite = useCluster({
    inProcess: { controllers: [garbageCollectorController], flags: { 'concurrent-gc-syncs': '4' } },
  });

  const cms = () => suite.admin.kind<ConfigMap>('ConfigMap');
  const secrets = () => suite.admin.kind<Secret>('Secret');
  const pods = () => suite.admin.kind<Pod>('Pod');
  const rss = () => suite.admin.kind<ReplicaSet>('ReplicaSet');
  const deploys = () => suite.admin.kind<Deployment>('Deployment');
  const configMap = (name: string, owners: OwnerReference[] = [], finalizers: string[] = []) =>
    cms().create(
      ConfigMap.fromPartial({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'default', ownerReferences: owners, finalizers },
      }),
    );
  const podOwnedBy = (name: string, owners: OwnerReference[], finalizers: string[] = []) => {
    const p = pod(name);
    p.metadata = { ...(p.metadata ?? Pod.fromPartial({}).metadata!), ownerReferences: owners, finalizers };
    return pods().create(p);
  };
  const replicaSet = (name: string, owners: OwnerReference[]) =>
    rss().create(
      ReplicaSet.fromPartial({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name, namespace: 'default', ownerReferences: owners },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'c', image: 'nginx' }] },
          },
        },
      }),
    );
  const gone = (what: string, get: () => Promise<unknown>) =>
    waitFor(what, async () => ((await isGone(get())) ? true : undefined));

  it('Background: dependents of several kinds go after their owner', async () => {
    const owner = await configMap('bg-owner');
    await configMap('bg-cm', [ref(owner)]);
    await secrets().create(
      Secret.fromPartial({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'bg-secret', namespace: 'default', ownerReferences: [ref(owner)] },
      }),
    );
    await podOwnedBy('bg-pod', [ref(owner)]);
    const bystander = await configMap('bg-bystander');
    await cms().delete('default', 'bg-owner', { propagationPolicy: 'Background' });
    await gone('bg-cm', () => cms().get('default', 'bg-cm'));
    await gone('bg-secret', () => secrets().get('default', 'bg-secret'));
    await gone('bg-pod', () => pods().get('default', 'bg-pod'));
    assert.equal((await cms().get('default', 'bg-bystander')).metadata?.uid, bystander.metadata?.uid);
  });

  it('Foreground: the owner waits for dependents that block it, transitively', async () => {
    const d = await deploys().create(deployment('fg'));
    const rs = await replicaSet('fg-rs', [ref(d, true)]);
    // The held pod keeps the ReplicaSet, which keeps the Deployment.
    await podOwnedBy('fg-pod', [ref(rs, true)], ['example.com/hold']);
    await configMap('fg-nonblocking', [ref(d, false)]);

    await deploys().delete('default', 'fg', { propagationPolicy: 'Foreground' });
    const held = await waitFor('the pod to be deleted', async () => {
      const p = await pods().get('default', 'fg-pod');
      return p.metadata?.deletionTimestamp ? p : undefined;
    });
    assert.deepEqual(held.metadata?.finalizers, ['example.com/hold']);
    // The non-blocking dependent goes without holding anyone.
    await gone('fg-nonblocking', () => cms().get('default', 'fg-nonblocking'));
    const rsNow = await rss().get('default', 'fg-rs');
    assert.ok(rsNow.metadata?.deletionTimestamp, 'the ReplicaSet is being deleted');
    assert.deepEqual(rsNow.metadata?.finalizers, ['foregroundDeletion']);
    const dNow = await deploys().get('default', 'fg');
    assert.deepEqual(dNow.metadata?.finalizers, ['foregroundDeletion']);

    held.metadata!.finalizers = [];
    await pods().update(held);
    await gone('fg-rs', () => rss().get('default', 'fg-rs'));
    await gone('fg', () => deploys().get('default', 'fg'));
  });

  it('Foreground: a dependent without blockOwnerDeletion does not hold its owner', async () => {
    const owner = await configMap('fg2-owner');
    await configMap('fg2-held', [ref(owner, false)], ['example.com/hold']);
    await cms().delete('default', 'fg2-owner', { propagationPolicy: 'Foreground' });
    await gone('fg2-owner', () => cms().get('default', 'fg2-owner'));
    const held = await cms().get('default', 'fg2-held');
    assert.ok(held.metadata?.deletionTimestamp, 'the dependent was deleted too');
    held.metadata!.finalizers = [];
    await cms().update(held);
  });

  it('Orphan: dependents lose the reference and stay; the owner goes', async () => {
    const owner = await replicaSet('orph-rs', []);
    const other = await configMap('orph-other-owner');
    await podOwnedBy('orph-pod', [ref(owner, true)]);
    await configMap('orph-cm', [ref(owner), ref(other)]);
    await rss().delete('default', 'orph-rs', { propagationPolicy: 'Orphan' });
    await gone('orph-rs', () => rss().get('default', 'orph-rs'));
    const p = await pods().get('default', 'orph-pod');
    assert.deepEqual(p.metadata?.ownerReferences, []);
    // A dependent the collector saw only after the owner went loses the reference as a
    // dangling one, since its other owner lives.
    const cm = await waitFor('orph-cm to lose its reference to orph-rs', async () => {
      const now = await cms().get('default', 'orph-cm');
      return now.metadata?.ownerReferences.length === 1 ? now : undefined;
    });
    assert.deepEqual(
      cm.metadata?.ownerReferences.map((r) => r.name),
      ['orph-other-owner'],
    );
    assert.equal(p.metadata?.deletionTimestamp, undefined);
  });

  it('collects dependents whose owner is absent or has another uid; keeps those with a live owner', async () => {
    await podOwnedBy('dangling-pod', [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'never-was',
        uid: randomUUID(),
        blockOwnerDeletion: true,
      },
    ]);
    const real = await configMap('dangling-real');
    await configMap('dangling-other-uid', [{ ...ref(real), uid: randomUUID() }]);
    await configMap('dangling-two-owners', [
      ref(real),
      { apiVersion: 'v1', kind: 'Secret', name: 'no-such-secret', uid: randomUUID() },
    ]);
    await gone('dangling-pod', () => pods().get('default', 'dangling-pod'));
    await gone('dangling-other-uid', () => cms().get('default', 'dangling-other-uid'));
    const survivor = await waitFor('the dangling reference to be removed', async () => {
      const cm = await cms().get('default', 'dangling-two-owners');
      return cm.metadata?.ownerReferences.length === 1 ? cm : undefined;
    });
    assert.equal(survivor.metadata?.ownerReferences[0]?.uid, real.metadata?.uid);
    assert.equal(survivor.metadata?.deletionTimestamp, undefined);
  });

  it('whctl delete deployment --cascade=foreground completes', async () => {
    const d = await deploys().create(deployment('web'));
    const rs = await replicaSet('web-rs', [ref(d, true)]);
    await podOwnedBy('web-pod-1', [ref(rs, true)]);
    await podOwnedBy('web-pod-2', [ref(rs, true)]);
    const dir = mkdtempSync(join(tmpdir(), 'gc-whctl-'));
    try {
      writeClientConfig(join(dir, 'config.yaml'), {
        ...suite.cluster.admin,
        server: suite.cluster.apiserver,
      });
      const io = testIo({ cwd: dir, env: { WHEELHOUSE_CONFIG: join(dir, 'config.yaml') } });
      const code = await runWhctl(['delete', 'deployment', 'web', '--cascade=foreground'], io);
      assert.equal(code, 0, io.err());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await gone('web', () => deploys().get('default', 'web'));
    assert.ok(await isGone(rss().get('default', 'web-rs')));
    assert.ok(await isGone(pods().get('default', 'web-pod-1')));
    assert.ok(await isGone(pods().get('default', 'web-pod-2')));
  });
});

describe('garbage collector kinds', () => {
  it('follows every kind but Events, as Kubernetes ignores them by default', () => {
    const resources = followedByDefault.map((k) => `${k.resource}.${k.apiGroup}`);
    assert.ok(!resources.includes('events.'), 'Events are not followed');
    for (const r of ['pods.', 'replicasets.apps', 'leases.coordination.k8s.io', 'configmaps.']) {
      assert.ok(resources.includes(r), `${r} is followed`);
    }
  });
});
