/**
 * Two apiserver processes against one store, each with its own watch cache: what one
 * accepts, the other must answer consistently (read-your-writes across replicas), RBAC
 * objects written through one must take effect on the other, and a ResourceQuota must
 * hold against creates spread over both.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Clientset, createClientset } from '../../sdk/client/typed-client.js';
import type { ClientConfig } from '../../sdk/client-config.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { ResourceQuota } from '../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import { WatchEventType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { Role } from '../../sdk/gen/wheelhouse/rbac/v1/role.js';
import { RoleBinding } from '../../sdk/gen/wheelhouse/rbac/v1/role_binding.js';
import { ensureCa, ensureCert } from '../../sdk/pki/index.js';
import { outcome } from '../outcome.js';
import { type HaCluster, startHaCluster } from './ha-cluster.js';
import { eventually } from './processes.js';

describe('several apiservers against one store', () => {
  let cluster: HaCluster;
  let a: Clientset;
  let b: Clientset;

  before(async () => {
    cluster = await startHaCluster({ apiservers: 2 });
    a = createClientset(cluster.adminOf(cluster.apiservers[0]!), { component: 'ha-test' });
    b = createClientset(cluster.adminOf(cluster.apiservers[1]!), { component: 'ha-test' });
  });
  after(async () => {
    a?.close();
    b?.close();
    await cluster?.stop();
  });

  it('reads through one replica what was just written through the other', async () => {
    const cms = [a.kind<ConfigMap>('ConfigMap'), b.kind<ConfigMap>('ConfigMap')];
    for (let i = 0; i < 40; i++) {
      const [writer, reader] = i % 2 === 0 ? [cms[0]!, cms[1]!] : [cms[1]!, cms[0]!];
      const name = `ryw-${i}`;
      const created = await writer.create(
        ConfigMap.fromPartial({ metadata: { name, namespace: 'default' }, data: { v: '1' } }),
      );
      // A consistent get and list (no resourceVersion) through the other replica, at once.
      const got = await reader.get('default', name);
      assert.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion, `get ${name}`);
      const listed = await reader.list('default');
      assert.ok(
        listed.items.some((c) => c.metadata?.name === name),
        `list through the other replica lacks ${name}`,
      );
      assert.ok(Number(listed.resourceVersion) >= Number(created.metadata?.resourceVersion));
      // An update through the writer, then a get through the reader sees the new data.
      const updated = await writer.update({ ...got, data: { v: '2' } });
      const again = await reader.get('default', name);
      assert.equal(again.data.v, '2');
      assert.equal(again.metadata?.resourceVersion, updated.metadata?.resourceVersion);
      // A delete through the writer: the reader answers NOT_FOUND.
      await writer.delete('default', name);
      assert.equal((await outcome(reader.get('default', name))).code, 'NOT_FOUND');
    }
  });

  it('applies a Role and RoleBinding written through one replica on the other promptly', async () => {
    const ca = ensureCa(cluster.pki.dir, 'ca');
    const dev = ensureCert(join(cluster.dir, 'users'), ca, 'dana', {
      commonName: 'dana',
      organizations: ['developers'],
      usage: 'client',
    });
    const danaOn = (i: number): ClientConfig => ({
      ...cluster.adminOf(cluster.apiservers[i]!),
      clientCertificate: dev.certFile,
      clientKey: dev.keyFile,
    });
    const danaA = createClientset(danaOn(0), { component: 'ha-test' });
    const danaB = createClientset(danaOn(1), { component: 'ha-test' });
    try {
      const denied = await outcome(danaB.kind<ConfigMap>('ConfigMap').list('default'));
      assert.equal(denied.code, 'PERMISSION_DENIED');
      await a.kind<Role>('Role').create(
        Role.fromPartial({
          metadata: { name: 'cm-reader', namespace: 'default' },
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
        }),
      );
      await a.kind<RoleBinding>('RoleBinding').create(
        RoleBinding.fromPartial({
          metadata: { name: 'dana-reads', namespace: 'default' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
          subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'dana' }],
        }),
      );
      const granted = Date.now();
      for (const client of [danaB, danaA]) {
        await eventually(
          'the binding to take effect',
          async () =>
            (await outcome(client.kind<ConfigMap>('ConfigMap').list('default'))).code === 'OK' || undefined,
          15_000,
        );
      }
      // Through each replica's watch: seconds at most, though a loaded machine may take several.
      const took = Date.now() - granted;
      assert.ok(took < 15_000, `RBAC took ${took} ms to apply on both replicas`);
      // Revoked through B: A stops allowing it as promptly.
      await b.kind<RoleBinding>('RoleBinding').delete('default', 'dana-reads');
      await eventually(
        'the revocation to take effect on the other replica',
        async () =>
          (await outcome(danaA.kind<ConfigMap>('ConfigMap').list('default'))).code === 'PERMISSION_DENIED' ||
          undefined,
        15_000,
      );
    } finally {
      danaA.close();
      danaB.close();
    }
  });

  it('holds a ResourceQuota against concurrent creates spread over both replicas', async () => {
    await a.kind<Namespace>('Namespace').create(Namespace.fromPartial({ metadata: { name: 'team' } }));
    await a.kind<ResourceQuota>('ResourceQuota').create(
      ResourceQuota.fromPartial({
        metadata: { name: 'cms', namespace: 'team' },
        spec: { hard: { 'count/configmaps': '25' } },
      }),
    );
    // Both replicas know the quota (a create through each is charged) before the race.
    await eventually('the quota to be counted', async () => {
      const q = await b.kind<ResourceQuota>('ResourceQuota').get('team', 'cms');
      return q.status?.used['count/configmaps'] !== undefined || undefined;
    });
    const attempts = 120;
    const results = await Promise.allSettled(
      Array.from({ length: attempts }, (_, i) =>
        (i % 2 === 0 ? a : b)
          .kind<ConfigMap>('ConfigMap')
          .create(ConfigMap.fromPartial({ metadata: { name: `c-${i}`, namespace: 'team' } })),
      ),
    );
    const admitted = results.filter((r) => r.status === 'fulfilled').length;
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(r.reason instanceof ApiError, String(r.reason));
        assert.equal(r.reason.code, Code.RESOURCE_EXHAUSTED, r.reason.message);
      }
    }
    // Both replicas took part in admitting.
    const byReplica = [0, 1].map(
      (k) => results.filter((r, i) => i % 2 === k && r.status === 'fulfilled').length,
    );
    assert.ok(byReplica[0]! > 0 && byReplica[1]! > 0, `admitted per replica: ${byReplica}`);
    const stored = (await a.kind<ConfigMap>('ConfigMap').list('team')).items.length;
    // Each namespace holds the root CA ConfigMap the controller manager would make; none here.
    assert.equal(stored, admitted);
    assert.equal(admitted, 25, `admitted ${admitted} of ${attempts} under a limit of 25`);
    const q = await b.kind<ResourceQuota>('ResourceQuota').get('team', 'cms');
    assert.equal(q.status?.used['count/configmaps'], '25');
  });

  it('holds a ResourceQuota while deletions make both replicas recount during creates', async () => {
    await a.kind<Namespace>('Namespace').create(Namespace.fromPartial({ metadata: { name: 'churn' } }));
    const hard = 4;
    await a.kind<ResourceQuota>('ResourceQuota').create(
      ResourceQuota.fromPartial({
        metadata: { name: 'cms', namespace: 'churn' },
        spec: { hard: { 'count/configmaps': String(hard) } },
      }),
    );
    await eventually('the quota to be counted', async () => {
      const q = await b.kind<ResourceQuota>('ResourceQuota').get('churn', 'cms');
      return q.status?.used['count/configmaps'] !== undefined || undefined;
    });
    // Every live ConfigMap of the namespace, followed through a watch: never more than the quota.
    const live = new Set<string>();
    let most = 0;
    const watching = new AbortController();
    const watch = (async () => {
      for await (const e of a
        .kind<ConfigMap>('ConfigMap')
        .watch('churn', { resourceVersion: '0' }, watching.signal)) {
        const name = e.object?.metadata?.name ?? '';
        if (e.type === WatchEventType.WATCH_EVENT_TYPE_DELETED) live.delete(name);
        else if (e.type === WatchEventType.WATCH_EVENT_TYPE_ADDED) live.add(name);
        most = Math.max(most, live.size);
      }
    })().catch((err: unknown) => {
      if (!watching.signal.aborted) throw err;
    });
    const client = (i: number) => (i % 2 === 0 ? a : b).kind<ConfigMap>('ConfigMap');
    let n = 0;
    const deadline = Date.now() + 8_000;
    const worker = async (w: number) => {
      while (Date.now() < deadline) {
        const name = `w${w}-${n++}`;
        const made = await outcome(
          client(w).create(ConfigMap.fromPartial({ metadata: { name, namespace: 'churn' } })),
        );
        if (made.code === 'OK') {
          // Deleted through the other replica: both recount on the deletion.
          await client(w + 1).delete('churn', name);
        } else assert.equal(made.code, 'RESOURCE_EXHAUSTED', made.message);
      }
    };
    // More writers than the quota allows at once, half through each replica.
    await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    watching.abort();
    await watch;
    assert.ok(most <= hard, `${most} ConfigMaps were live at once under a quota of ${hard}`);
    const left = (await a.kind<ConfigMap>('ConfigMap').list('churn')).items.length;
    assert.equal(left, 0);
    await eventually('usage to return to zero', async () => {
      const q = await b.kind<ResourceQuota>('ResourceQuota').get('churn', 'cms');
      return q.status?.used['count/configmaps'] === '0' || undefined;
    });
  });
});
