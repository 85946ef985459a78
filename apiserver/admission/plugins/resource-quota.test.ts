import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ResourceQuota } from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { kinds } from '../../../sdk/kinds.js';
import { until } from '../../../test/until.js';
import { fromYaml } from '../../kinds/testing.js';
import { pendingChargesAnnotation } from './quota-pending.js';
import type { QuotaEvent, QuotaStore } from './quota-store.js';
import { quotaSelects } from './quota-usage.js';
import { resourceQuota } from './resource-quota.js';
import { attrsFor } from './testing.js';

/** An in-memory QuotaStore: quotas with revisions (a write on a stale read fails), objects, events. */
function fakeStore() {
  const quotas = new Map<string, { quota: ResourceQuota; revision: number }>();
  const objects = new Map<string, Map<string, KindObject>>();
  const listeners = new Map<string, ((e: QuotaEvent) => void)[]>();
  const tick = () => new Promise((r) => setImmediate(r));
  const emit = (kind: string, e: QuotaEvent) => {
    for (const l of listeners.get(kind) ?? []) l(e);
  };
  const copy = (q: ResourceQuota) => ResourceQuota.decode(ResourceQuota.encode(q).finish());
  const store: QuotaStore = {
    async quotas(ns) {
      return [...quotas.values()]
        .map((e) => e.quota)
        .filter((q) => ns === '' || q.metadata?.namespace === ns);
    },
    async update(ns, name, mutate, dryRun) {
      for (;;) {
        const entry = quotas.get(`${ns}/${name}`);
        if (!entry) throw ApiError.notFound(`resourcequotas "${name}" not found`);
        const read = entry.revision;
        await tick(); // Let concurrent writers interleave between the read and the write.
        const next = await mutate(copy(entry.quota), read);
        await tick();
        if (dryRun) return next;
        const now = quotas.get(`${ns}/${name}`)!;
        if (now.revision !== read) continue; // Conflict: read again.
        quotas.set(`${ns}/${name}`, { quota: next, revision: read + 1 });
        emit('ResourceQuota', { type: 'MODIFIED', object: next });
        return next;
      }
    },
    async objects(info, ns) {
      return [...(objects.get(info.kind)?.values() ?? [])].filter((o) => o.metadata?.namespace === ns);
    },
    watch(info, opts, onEvent) {
      const list = listeners.get(info.kind) ?? [];
      list.push(onEvent);
      listeners.set(info.kind, list);
      if (opts.initial && info.kind === 'ResourceQuota') {
        for (const { quota } of quotas.values()) onEvent({ type: 'ADDED', object: quota });
      }
    },
  };
  return {
    store,
    addQuota(q: ResourceQuota) {
      quotas.set(`${q.metadata?.namespace}/${q.metadata?.name}`, { quota: q, revision: 1 });
      emit('ResourceQuota', { type: 'ADDED', object: q });
    },
    quota: (ns: string, name: string) => quotas.get(`${ns}/${name}`)!.quota,
    /** The object reaches the store and the cache. */
    land(obj: KindObject) {
      const byKey = objects.get(obj.kind) ?? new Map();
      byKey.set(`${obj.metadata?.namespace}/${obj.metadata?.name}`, obj);
      objects.set(obj.kind, byKey);
      emit(obj.kind, { type: 'ADDED', object: obj });
    },
    remove(obj: KindObject) {
      objects.get(obj.kind)?.delete(`${obj.metadata?.namespace}/${obj.metadata?.name}`);
      emit(obj.kind, { type: 'DELETED', object: obj });
    },
  };
}

const quota = (hard: string) =>
  fromYaml<ResourceQuota>(`
apiVersion: v1
kind: ResourceQuota
metadata: {name: q, namespace: team}
spec: {hard: ${hard}}
`);

function pod(
  name: string,
  resources = '{requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 200m, memory: 64Mi}}',
): Pod {
  const p = fromYaml<Pod>(`
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: team}
spec:
  containers: [{name: a, image: nginx, resources: ${resources}}]
`);
  p.metadata!.uid = randomUUID();
  return p;
}

describe('ResourceQuota', () => {
  it('admits exactly up to the limit under concurrent creates, and releases on delete', async () => {
    const fake = fakeStore();
    fake.addQuota(quota('{pods: "5", requests.cpu: "1", count/pods: "100"}'));
    const plugin = resourceQuota(fake.store);
    try {
      const pods = Array.from({ length: 30 }, (_, i) => pod(`p${i}`));
      const results = await Promise.allSettled(pods.map((p) => plugin.validate?.(attrsFor('CREATE', p))));
      const admitted = pods.filter((_, i) => results[i]?.status === 'fulfilled');
      assert.equal(admitted.length, 5);
      for (const r of results) {
        if (r.status === 'rejected') assert.equal((r.reason as ApiError).code, Code.RESOURCE_EXHAUSTED);
      }
      assert.deepEqual(fake.quota('team', 'q').status?.used, {
        pods: '5',
        'requests.cpu': '500m',
        'count/pods': '5',
      });

      for (const p of admitted) fake.land(p);
      fake.remove(admitted[0]!);
      await until(() => fake.quota('team', 'q').status?.used.pods === '4', 'four pods in use');
      await plugin.idle();
      assert.deepEqual(fake.quota('team', 'q').status?.used, {
        pods: '4',
        'requests.cpu': '400m',
        'count/pods': '4',
      });
    } finally {
      plugin.stop();
    }
  });

  it('says which limit a request would pass, in Kubernetes words', async () => {
    const fake = fakeStore();
    fake.addQuota(quota('{pods: "1"}'));
    const plugin = resourceQuota(fake.store);
    try {
      await plugin.validate?.(attrsFor('CREATE', pod('a')));
      await assert.rejects(
        plugin.validate?.(attrsFor('CREATE', pod('b'))) ?? Promise.resolve(),
        (err: ApiError) => {
          assert.equal(err.code, Code.RESOURCE_EXHAUSTED);
          assert.equal(
            err.message,
            'pods "b" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1',
          );
          return true;
        },
      );
    } finally {
      plugin.stop();
    }
  });

  it('refuses pods that leave a limited compute resource unspecified', async () => {
    const fake = fakeStore();
    fake.addQuota(quota('{limits.memory: 1Gi}'));
    const plugin = resourceQuota(fake.store);
    try {
      await assert.rejects(
        plugin.validate?.(attrsFor('CREATE', pod('a', '{requests: {cpu: 100m}}'))) ?? Promise.resolve(),
        /pods "a" is forbidden: failed quota: q: must specify limits.memory for: a/,
      );
    } finally {
      plugin.stop();
    }
  });

  it('counts objects of other kinds, and forgets a charge whose object never arrived', async () => {
    const fake = fakeStore();
    fake.addQuota(quota('{configmaps: "2", count/configmaps: "2"}'));
    const plugin = resourceQuota(fake.store, { pendingTtlMs: 30 });
    try {
      const cm = (name: string) => {
        const o = fromYaml<KindObject>(
          `{apiVersion: v1, kind: ConfigMap, metadata: {name: ${name}, namespace: team}}`,
        );
        o.metadata!.uid = randomUUID();
        return o;
      };
      await plugin.validate?.(attrsFor('CREATE', cm('a')));
      await plugin.validate?.(attrsFor('CREATE', cm('b')));
      await assert.rejects(
        plugin.validate?.(attrsFor('CREATE', cm('c'))) ?? Promise.resolve(),
        /exceeded quota: q/,
      );
      // Neither write reached the store: once their charges expire, a recount gives the room back.
      await new Promise((r) => setTimeout(r, 40));
      await plugin.reconcile('team');
      assert.deepEqual(fake.quota('team', 'q').status?.used, { configmaps: '0', 'count/configmaps': '0' });
      await plugin.validate?.(attrsFor('CREATE', cm('c')));
    } finally {
      plugin.stop();
    }
  });

  it("counts another apiserver's charges in flight when it recounts", async () => {
    const fake = fakeStore();
    fake.addQuota(quota('{pods: "2"}'));
    // Two apiservers over one store: b never sees a's charge being made.
    const a = resourceQuota(fake.store);
    const b = resourceQuota(fake.store);
    try {
      const first = pod('a');
      await a.validate?.(attrsFor('CREATE', first));
      // Its object is not stored yet: b's recount must still count it.
      await b.reconcile('team');
      assert.equal(fake.quota('team', 'q').status?.used.pods, '1');
      await b.validate?.(attrsFor('CREATE', pod('b')));
      await assert.rejects(a.validate?.(attrsFor('CREATE', pod('c'))) ?? Promise.resolve(), /exceeded quota/);
      // Once the object lands, the next write of the quota drops the entry: the caches count it.
      fake.land(first);
      await a.reconcile('team');
      assert.deepEqual(
        Object.keys(
          JSON.parse(fake.quota('team', 'q').metadata?.annotations?.[pendingChargesAnnotation] ?? '{}'),
        ).length,
        1,
      );
      assert.equal(fake.quota('team', 'q').status?.used.pods, '2');
    } finally {
      a.stop();
      b.stop();
    }
  });

  it('does not charge dry runs', async () => {
    const fake = fakeStore();
    fake.addQuota(quota('{pods: "1"}'));
    const plugin = resourceQuota(fake.store);
    try {
      const attrs = attrsFor('CREATE', pod('a'));
      await plugin.validate?.({ ...attrs, ctx: { ...attrs.ctx, dryRun: true } });
      await plugin.validate?.(attrsFor('CREATE', pod('b')));
    } finally {
      plugin.stop();
    }
  });

  it('compares the priority class with every value of a scope selector In and NotIn', () => {
    const podInfo = kinds.find((k) => k.kind === 'Pod')!;
    const scoped = (operator: string, values: string[]) =>
      ResourceQuota.fromPartial({
        spec: { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator, values }] } },
      });
    const withClass = (priorityClassName: string) => {
      const p = pod('p');
      p.spec!.priorityClassName = priorityClassName;
      return p;
    };
    const notIn = scoped('NotIn', ['low', 'high', 'mid']);
    const inSet = scoped('In', ['low', 'high', 'mid']);
    for (const cls of ['high', 'low', 'mid']) {
      assert.ok(!quotaSelects(notIn, podInfo, withClass(cls)), `NotIn, ${cls}`);
      assert.ok(quotaSelects(inSet, podInfo, withClass(cls)), `In, ${cls}`);
    }
    assert.ok(quotaSelects(notIn, podInfo, withClass('critical')));
    assert.ok(!quotaSelects(inSet, podInfo, withClass('critical')));
  });
});
