/**
 * The eviction subresource through real store and apiserver processes: a budget with one
 * disruption left lets one Pod go and refuses the next, as Kubernetes does; Pods that
 * cost the budget nothing go at once; and only callers allowed `create pods/eviction` evict.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { pod } from '../../../test/objects.js';
import { outcome } from '../../../test/outcome.js';
import { configAs, fromYaml } from '../testing.js';

describe('pod eviction in a real cluster', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  const pods = () => cluster.client('pods');
  const budgets = () => cluster.client('poddisruptionbudgets');
  const getPod = async (name: string) =>
    (await call<{ pod: Pod }>(pods(), 'getPod', { namespace: 'default', name })).pod;
  const getBudget = async () =>
    (
      await call<{ podDisruptionBudget: PodDisruptionBudget }>(budgets(), 'getPodDisruptionBudget', {
        namespace: 'default',
        name: 'zk-pdb',
      })
    ).podDisruptionBudget;
  const evict = (name: string, config = cluster.admin) =>
    call<{ pod: Pod }>(cluster.client('pods', config), 'evictPod', {
      eviction: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace: 'default' },
        deleteOptions: { gracePeriodSeconds: '0' },
      },
    });

  /** A running, Ready Pod of the set the budget protects. */
  async function runningPod(name: string, ready = true): Promise<void> {
    const created = (
      await call<{ pod: Pod }>(pods(), 'createPod', { pod: pod(name, { labels: { app: 'zookeeper' } }) })
    ).pod;
    created.status = {
      ...created.status!,
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: '', message: '' }],
    } as Pod['status'];
    await call(pods(), 'updatePodStatus', { pod: created });
  }

  before(async () => {
    for (const name of ['zk-0', 'zk-1', 'zk-2']) await runningPod(name);
    const budget = fromYaml<PodDisruptionBudget>(`
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: zk-pdb
spec:
  minAvailable: 2
  selector:
    matchLabels:
      app: zookeeper
`);
    const created = (
      await call<{ podDisruptionBudget: PodDisruptionBudget }>(budgets(), 'createPodDisruptionBudget', {
        podDisruptionBudget: budget,
      })
    ).podDisruptionBudget;
    // What the disruption controller would write: 3 healthy, 2 needed, 1 disruption allowed.
    created.status = {
      observedGeneration: '1',
      disruptedPods: {},
      disruptionsAllowed: 1,
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      conditions: [],
    };
    await call(budgets(), 'updatePodDisruptionBudgetStatus', { podDisruptionBudget: created });
  });

  test('a caller without create pods/eviction is refused', async () => {
    const scheduler = configAs(cluster, cluster.pki.scheduler);
    const r = await outcome(evict('zk-0', scheduler));
    assert.equal(r.code, 'PERMISSION_DENIED');
    assert.match(r.message, /pods\/eviction/);
  });

  test('the last allowed disruption goes to one Pod; the next eviction is refused', async () => {
    await evict('zk-0');
    assert.equal((await outcome(getPod('zk-0'))).code, 'NOT_FOUND');
    const budget = await getBudget();
    assert.equal(budget.status?.disruptionsAllowed, 0);
    assert.ok(budget.status?.disruptedPods['zk-0'], 'zk-0 recorded as disrupted');
    const condition = budget.status?.conditions.find((c) => c.type === 'DisruptionAllowed');
    assert.equal(condition?.status, 'False');
    assert.equal(condition?.reason, 'InsufficientPods');

    const refused = await outcome(evict('zk-1'));
    assert.equal(refused.code, 'RESOURCE_EXHAUSTED');
    assert.equal(refused.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal((await getPod('zk-1')).metadata?.deletionTimestamp, undefined);
  });

  test('pending Pods and Pods outside every budget go without touching a budget', async () => {
    await call(pods(), 'createPod', { pod: pod('pending', { labels: { app: 'zookeeper' } }) });
    await evict('pending');
    assert.equal((await outcome(getPod('pending'))).code, 'NOT_FOUND');
    await call(pods(), 'createPod', { pod: pod('loner', { labels: { app: 'other' } }) });
    await evict('loner');
    assert.equal((await outcome(getPod('loner'))).code, 'NOT_FOUND');
    assert.equal((await getBudget()).status?.disruptionsAllowed, 0);
    assert.equal((await outcome(evict('no-such-pod'))).code, 'NOT_FOUND');
  });

  test('an unready Pod may go while the budget is met, even with no disruption left', async () => {
    await runningPod('zk-unready', false);
    await evict('zk-unready');
    assert.equal((await outcome(getPod('zk-unready'))).code, 'NOT_FOUND');
  });
});
