/**
 * The namespace controller against a real store and apiserver, run in process with the
 * controller manager's identity: a namespace of 200 objects of 8 kinds goes completely;
 * one whose content is held by a finalizer and a pod's grace period says so in its
 * conditions and goes once they are released.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Secret } from '../../sdk/gen/wheelhouse/core/v1/secret.js';
import { ServiceAccount } from '../../sdk/gen/wheelhouse/core/v1/service_account.js';
import { Role } from '../../sdk/gen/wheelhouse/rbac/v1/role.js';
import { RoleBinding } from '../../sdk/gen/wheelhouse/rbac/v1/role_binding.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { kinds } from '../../sdk/kinds.js';
import { pod } from '../../test/objects.js';
import { isGone, useCluster, waitFor } from '../shared/testing.js';
import { namespaceController } from './index.js';

describe('namespace controller', { timeout: 120_000 }, () => {
  const suite = useCluster({ inProcess: { controllers: [namespaceController] } });

  const namespaces = () => suite.admin.kind<Namespace>('Namespace');
  const createNamespace = (name: string) =>
    namespaces().create(Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  const meta = (namespace: string, name: string) => ({ name, namespace });

  const builders: Record<string, (ns: string, name: string) => KindObject> = {
    ConfigMap: (ns, name) => ConfigMap.fromPartial({ metadata: meta(ns, name), data: { k: 'v' } }),
    Secret: (ns, name) => Secret.fromPartial({ metadata: meta(ns, name) }),
    ServiceAccount: (ns, name) => ServiceAccount.fromPartial({ metadata: meta(ns, name) }),
    Pod: (ns, name) => pod(name, { namespace: ns }),
    ReplicaSet: (ns, name) =>
      ReplicaSet.fromPartial({
        metadata: meta(ns, name),
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'c', image: 'nginx' }] },
          },
        },
      }),
    Role: (ns, name) =>
      Role.fromPartial({
        metadata: meta(ns, name),
        rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      }),
    RoleBinding: (ns, name) =>
      RoleBinding.fromPartial({
        metadata: meta(ns, name),
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      }),
    Lease: (ns, name) => Lease.fromPartial({ metadata: meta(ns, name), spec: { holderIdentity: name } }),
  };

  it('empties a namespace of 200 objects of 8 kinds, then lets it go', async () => {
    const ns = 'crowded';
    await createNamespace(ns);
    const perKind = 25;
    for (const [kind, build] of Object.entries(builders)) {
      const client = suite.admin.kind(kind);
      await Promise.all(
        Array.from({ length: perKind }, (_, i) => client.create(build(ns, `${kind.toLowerCase()}-${i}`))),
      );
    }
    for (const kind of Object.keys(builders)) {
      const { items } = await suite.admin.kind(kind).list(ns);
      // The apiserver may add a `default` ServiceAccount of its own.
      assert.ok(items.length >= perKind, `${kind}: ${items.length}`);
    }
    await namespaces().delete('', ns);
    await waitFor(
      'the namespace to go',
      async () => ((await isGone(namespaces().get('', ns))) ? true : undefined),
      { timeoutMs: 60_000 },
    );
    for (const info of kinds.filter((k) => k.namespaced)) {
      const { items } = await suite.admin.kind(info.kind).list(ns);
      assert.equal(items.length, 0, `${info.resource} left in ${ns}`);
    }
  });

  it('says what remains and why, and waits for finalizers and grace periods', async () => {
    const ns = 'held';
    await createNamespace(ns);
    const cms = suite.admin.kind<ConfigMap>('ConfigMap');
    await cms.create(
      ConfigMap.fromPartial({ metadata: { ...meta(ns, 'held-cm'), finalizers: ['example.com/hold'] } }),
    );
    await cms.create(ConfigMap.fromPartial({ metadata: meta(ns, 'free-cm') }));
    const bound = pod('bound', { namespace: ns });
    bound.spec!.nodeName = 'node-1';
    bound.spec!.terminationGracePeriodSeconds = '600';
    const pods = suite.admin.kind<Pod>('Pod');
    await pods.create(bound);

    await namespaces().delete('', ns);
    const terminating = await waitFor('the conditions to name what remains', async () => {
      const n = await namespaces().get('', ns);
      const remaining = n.status?.conditions.find((c) => c.type === 'NamespaceContentRemaining');
      const finalizers = n.status?.conditions.find((c) => c.type === 'NamespaceFinalizersRemaining');
      return remaining?.status === 'True' && finalizers?.status === 'True' ? n : undefined;
    });
    assert.equal(terminating.status?.phase, 'Terminating');
    const byType = new Map(terminating.status?.conditions.map((c) => [c.type, c]));
    assert.equal(
      byType.get('NamespaceContentRemaining')?.message,
      'Some resources are remaining: configmaps has 1 resource instances, pods has 1 resource instances',
    );
    assert.equal(byType.get('NamespaceContentRemaining')?.reason, 'SomeResourcesRemain');
    assert.equal(
      byType.get('NamespaceFinalizersRemaining')?.message,
      'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    );
    assert.equal(byType.get('NamespaceDeletionDiscoveryFailure')?.status, 'False');
    assert.equal(byType.get('NamespaceDeletionContentFailure')?.status, 'False');
    assert.deepEqual(terminating.spec?.finalizers, ['kubernetes']);
    assert.ok(await isGone(cms.get(ns, 'free-cm')));
    // The pod was deleted gracefully: it waits for its kubelet.
    const p = await pods.get(ns, 'bound');
    assert.equal(p.metadata?.deletionGracePeriodSeconds, '600');

    const held = await cms.get(ns, 'held-cm');
    held.metadata!.finalizers = [];
    await cms.update(held);
    // What the kubelet does once the containers have stopped.
    await pods.delete(ns, 'bound', { gracePeriodSeconds: '0' });
    await waitFor(
      'the namespace to go',
      async () => ((await isGone(namespaces().get('', ns))) ? true : undefined),
      { timeoutMs: 60_000 },
    );
  });
});
