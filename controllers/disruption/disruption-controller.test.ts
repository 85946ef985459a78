/**
 * The disruption controller through a real store, apiserver and controller manager process
 * (with the ReplicaSet and Deployment controllers making the pods), the test playing the
 * kubelets' part, and evictions through the real eviction subresource.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Event } from '../../sdk/gen/wheelhouse/core/v1/event.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { IntOrString } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { PodDisruptionBudget } from '../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import { call } from '../../test/cluster.js';
import { pod as podOf } from '../../test/objects.js';
import { outcome } from '../../test/outcome.js';
import { edit, webDeployment } from '../deployment/testing.js';
import { listPods, markPodReady, useCluster, waitFor } from '../shared/testing.js';

const int = (value: number): IntOrString => ({ value: { $case: 'intVal', value } });
const pct = (value: string): IntOrString => ({ value: { $case: 'strVal', value } });

function replicaSet(name: string, replicas: number): ReplicaSet {
  return ReplicaSet.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
      },
    },
  });
}

function budget(
  name: string,
  app: string,
  spec: { minAvailable?: IntOrString; maxUnavailable?: IntOrString },
): PodDisruptionBudget {
  return PodDisruptionBudget.fromPartial({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: 'default' },
    spec: { ...spec, selector: { matchLabels: { app } } },
  });
}

interface Expected {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
}

describe('disruption controller', { timeout: 120_000 }, () => {
  const suite = useCluster({ controllerManager: ['--controllers', 'disruption,replicaset,deployment'] });
  const budgets = () => suite.admin.kind<PodDisruptionBudget>('PodDisruptionBudget');
  const evict = (name: string) =>
    call(suite.cluster.client('pods'), 'evictPod', {
      eviction: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace: 'default' },
        deleteOptions: { gracePeriodSeconds: '0' },
      },
    });
  const activePods = async (app: string) =>
    (await listPods(suite.admin, 'default', `app=${app}`)).filter(
      (p) => p.metadata?.deletionTimestamp === undefined,
    );
  /** Waits for `count` pods of `app` and reports every one Running and Ready, as kubelets would. */
  async function readyPods(app: string, count: number): Promise<Pod[]> {
    const pods = await waitFor(`${count} pods of ${app}`, async () => {
      const p = await activePods(app);
      return p.length === count ? p : undefined;
    });
    return Promise.all(pods.map((p) => markPodReady(suite.admin, p)));
  }
  /** Waits until the budget's status says `want`, for the budget's current generation. */
  async function statusOf(name: string, want: Expected): Promise<PodDisruptionBudget> {
    let last: PodDisruptionBudget | undefined;
    return waitFor(
      `budget ${name} at ${JSON.stringify(want)}`,
      async () => {
        last = await budgets().get('default', name);
        const s = last.status;
        const got = {
          expectedPods: s?.expectedPods,
          desiredHealthy: s?.desiredHealthy,
          currentHealthy: s?.currentHealthy,
          disruptionsAllowed: s?.disruptionsAllowed,
        };
        return JSON.stringify(got) === JSON.stringify(want) &&
          s?.observedGeneration === last.metadata?.generation
          ? last
          : undefined;
      },
      { describe: () => `last status: ${JSON.stringify(last?.status)}\n${suite.cm.output().slice(-2000)}` },
    );
  }
  const condition = (pdb: PodDisruptionBudget) =>
    pdb.status?.conditions.find((c) => c.type === 'DisruptionAllowed');

  test('minAvailable 3 of 4: one eviction goes, the next is refused, the budget recovers with the replacement', async () => {
    await suite.admin.kind<ReplicaSet>('ReplicaSet').create(replicaSet('web', 4));
    const pods = await readyPods('web', 4);
    await budgets().create(budget('web-pdb', 'web', { minAvailable: int(3) }));
    const ready = await statusOf('web-pdb', {
      expectedPods: 4,
      desiredHealthy: 3,
      currentHealthy: 4,
      disruptionsAllowed: 1,
    });
    assert.deepEqual(
      [condition(ready)?.status, condition(ready)?.reason, condition(ready)?.observedGeneration],
      ['True', 'SufficientPods', ready.metadata?.generation],
    );

    const [first, second] = pods.map((p) => p.metadata?.name ?? '');
    assert.equal((await outcome(evict(first ?? ''))).code, 'OK');
    const refused = await outcome(evict(second ?? ''));
    assert.equal(refused.code, 'RESOURCE_EXHAUSTED');
    assert.equal(refused.message, "Cannot evict pod as it would violate the pod's disruption budget.");

    // The ReplicaSet replaces the evicted pod; until it is ready, nothing more may go.
    const short = await statusOf('web-pdb', {
      expectedPods: 4,
      desiredHealthy: 3,
      currentHealthy: 3,
      disruptionsAllowed: 0,
    });
    assert.equal(condition(short)?.reason, 'InsufficientPods');
    assert.deepEqual(
      await waitFor('the evicted pod dropped from disruptedPods', async () => {
        const s = (await budgets().get('default', 'web-pdb')).status;
        return s && Object.keys(s.disruptedPods).length === 0 ? s.disruptedPods : undefined;
      }),
      {},
    );
    await readyPods('web', 4);
    const recovered = await statusOf('web-pdb', {
      expectedPods: 4,
      desiredHealthy: 3,
      currentHealthy: 4,
      disruptionsAllowed: 1,
    });
    assert.equal(condition(recovered)?.reason, 'SufficientPods');
    assert.equal((await outcome(evict(second ?? ''))).code, 'OK');
  });

  test('a percentage counts the Deployment’s scale, rounded up', async () => {
    await suite.admin.kind('Deployment').create(webDeployment('api', 3));
    await readyPods('api', 3);
    // minAvailable 50% of 3 = 2 (rounded up): one may go.
    await budgets().create(budget('api-pdb', 'api', { minAvailable: pct('50%') }));
    await statusOf('api-pdb', {
      expectedPods: 3,
      desiredHealthy: 2,
      currentHealthy: 3,
      disruptionsAllowed: 1,
    });
    await edit(suite.admin, 'api', (d) => {
      if (d.spec) d.spec.replicas = 5;
    });
    await readyPods('api', 5);
    await statusOf('api-pdb', {
      expectedPods: 5,
      desiredHealthy: 3,
      currentHealthy: 5,
      disruptionsAllowed: 2,
    });
  });

  test('maxUnavailable as an integer and as a percentage; observedGeneration follows the spec', async () => {
    await suite.admin.kind<ReplicaSet>('ReplicaSet').create(replicaSet('db', 3));
    await readyPods('db', 3);
    const created = await budgets().create(budget('db-pdb', 'db', { maxUnavailable: int(1) }));
    await statusOf('db-pdb', {
      expectedPods: 3,
      desiredHealthy: 2,
      currentHealthy: 3,
      disruptionsAllowed: 1,
    });
    const current = await budgets().get('default', 'db-pdb');
    await budgets().update({ ...current, spec: { ...current.spec, maxUnavailable: pct('34%') } });
    // 34% of 3 rounded up is 2 unavailable: 1 must stay healthy.
    const updated = await statusOf('db-pdb', {
      expectedPods: 3,
      desiredHealthy: 1,
      currentHealthy: 3,
      disruptionsAllowed: 2,
    });
    assert.notEqual(updated.status?.observedGeneration, created.metadata?.generation);
  });

  test('unhealthyPodEvictionPolicy AlwaysAllow: an unready pod may go while the budget is not met', async () => {
    await suite.admin.kind<ReplicaSet>('ReplicaSet').create(replicaSet('cache', 2));
    const [healthy, unready] = await waitFor('2 pods of cache', async () => {
      const p = await activePods('cache');
      return p.length === 2 ? p : undefined;
    });
    assert.ok(healthy && unready);
    await markPodReady(suite.admin, healthy);
    const pods = suite.admin.kind<Pod>('Pod');
    await pods.updateStatus({
      ...unready,
      status: { ...unready.status, phase: 'Running', conditions: [] } as Pod['status'],
    });
    const pdb = budget('cache-pdb', 'cache', { minAvailable: int(2) });
    if (pdb.spec) pdb.spec.unhealthyPodEvictionPolicy = 'AlwaysAllow';
    await budgets().create(pdb);
    await statusOf('cache-pdb', {
      expectedPods: 2,
      desiredHealthy: 2,
      currentHealthy: 1,
      disruptionsAllowed: 0,
    });
    assert.equal((await outcome(evict(healthy.metadata?.name ?? ''))).code, 'RESOURCE_EXHAUSTED');
    assert.equal((await outcome(evict(unready.metadata?.name ?? ''))).code, 'OK');
  });

  test('pods without a controller count for an integer minAvailable; a missing controller fails safe', async () => {
    const pods = suite.admin.kind<Pod>('Pod');
    for (const name of ['bare-0', 'bare-1']) await pods.create(podOf(name, { labels: { app: 'bare' } }));
    await readyPods('bare', 2);
    await budgets().create(budget('bare-pdb', 'bare', { minAvailable: int(1) }));
    await statusOf('bare-pdb', {
      expectedPods: 2,
      desiredHealthy: 1,
      currentHealthy: 2,
      disruptionsAllowed: 1,
    });

    // A percentage needs the scale of every pod's controller: one that does not exist fails the sync.
    const orphan = podOf('lost-0', { labels: { app: 'lost' } });
    orphan.metadata?.ownerReferences.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'gone',
      uid: '00000000-0000-0000-0000-000000000000',
      controller: true,
      blockOwnerDeletion: false,
    });
    await pods.create(orphan);
    await readyPods('lost', 1);
    await budgets().create(budget('lost-pdb', 'lost', { maxUnavailable: pct('50%') }));
    const failed = await waitFor('SyncFailed', async () => {
      const pdb = await budgets().get('default', 'lost-pdb');
      return condition(pdb)?.reason === 'SyncFailed' ? pdb : undefined;
    });
    assert.equal(failed.status?.disruptionsAllowed, 0);
    assert.equal(condition(failed)?.status, 'False');
    assert.equal(condition(failed)?.message, 'found no controllers for pod "lost-0"');
    const refused = await outcome(evict('lost-0'));
    assert.equal(refused.code, 'RESOURCE_EXHAUSTED');
    const events = (await suite.admin.kind<Event>('Event').list('default')).items.filter(
      (e) => e.involvedObject?.name === 'lost-pdb',
    );
    assert.ok(
      events.some(
        (e) =>
          e.reason === 'CalculateExpectedPodCountFailed' &&
          e.message ===
            'Failed to calculate the number of expected pods: found no controllers for pod "lost-0"',
      ),
      JSON.stringify(events.map((e) => [e.reason, e.message])),
    );
  });
});
