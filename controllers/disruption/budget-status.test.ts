import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { IntOrString } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { PodDisruptionBudget } from '../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import {
  budgetStatus,
  countHealthy,
  DELETION_TIMEOUT_MS,
  expectedCount,
  failSafeStatus,
  pendingDisruptions,
  type ScaleOf,
  statusChanged,
} from './budget-status.js';

const int = (value: number): IntOrString => ({ value: { $case: 'intVal', value } });
const str = (value: string): IntOrString => ({ value: { $case: 'strVal', value } });

function pod(name: string, opts: { ready?: boolean; owner?: string; deleting?: boolean } = {}): Pod {
  return Pod.fromPartial({
    metadata: {
      name,
      namespace: 'default',
      ...(opts.deleting ? { deletionTimestamp: new Date(0) } : {}),
      ownerReferences: opts.owner
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.owner, uid: opts.owner, controller: true }]
        : [],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  });
}

function budget(spec: { minAvailable?: IntOrString; maxUnavailable?: IntOrString }, generation = '1') {
  return PodDisruptionBudget.fromPartial({
    metadata: { name: 'pdb', namespace: 'default', generation },
    spec: { ...spec, selector: { matchLabels: { app: 'web' } } },
  });
}

/** Every controller named by a pod has the scale given here. */
const scales =
  (replicas: Record<string, number>): ScaleOf =>
  (p) => {
    const ref = p.metadata?.ownerReferences[0];
    const n = ref ? replicas[ref.name] : undefined;
    return ref && n !== undefined ? { uid: ref.uid, replicas: n } : undefined;
  };

describe('expectedCount', () => {
  const pods = [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs' }), pod('c', { owner: 'rs' })];
  test('integer minAvailable: the matching pods, managed or not', () => {
    const r = expectedCount(budget({ minAvailable: int(3) }), [...pods, pod('loner')], () => undefined);
    assert.deepEqual(r, { expectedPods: 4, desiredHealthy: 3, unmanagedPods: [] });
  });
  test('percentage minAvailable: the controllers’ scale, rounded up', () => {
    const r = expectedCount(budget({ minAvailable: str('50%') }), pods, scales({ rs: 5 }));
    assert.deepEqual(r, { expectedPods: 5, desiredHealthy: 3, unmanagedPods: [] });
  });
  test('maxUnavailable: scale minus the unavailable allowed (rounded up), never below 0', () => {
    assert.deepEqual(expectedCount(budget({ maxUnavailable: int(1) }), pods, scales({ rs: 3 })), {
      expectedPods: 3,
      desiredHealthy: 2,
      unmanagedPods: [],
    });
    assert.deepEqual(expectedCount(budget({ maxUnavailable: str('34%') }), pods, scales({ rs: 3 })), {
      expectedPods: 3,
      desiredHealthy: 1,
      unmanagedPods: [],
    });
    assert.equal(
      expectedCount(budget({ maxUnavailable: int(9) }), pods, scales({ rs: 3 })).desiredHealthy,
      0,
    );
  });
  test('each controller counted once; pods without one are reported, not counted', () => {
    const mixed = [...pods, pod('d', { owner: 'other' }), pod('loner')];
    const r = expectedCount(budget({ maxUnavailable: int(1) }), mixed, scales({ rs: 3, other: 2 }));
    assert.deepEqual(r, { expectedPods: 5, desiredHealthy: 4, unmanagedPods: ['loner'] });
  });
  test('a pod whose controller cannot be found fails the count', () => {
    assert.throws(
      () => expectedCount(budget({ minAvailable: str('50%') }), pods, scales({})),
      /found no controllers for pod "a"/,
    );
  });
});

describe('disrupted pods and health', () => {
  const t = 1_000_000_000;
  const evictedAt = new Date(t - 1000);
  const stale = new Date(t - DELETION_TIMEOUT_MS - 1);
  const pdb = budget({ minAvailable: int(2) });
  pdb.status = {
    observedGeneration: '1',
    disruptedPods: { a: evictedAt, b: evictedAt, c: stale, gone: evictedAt },
    disruptionsAllowed: 0,
    currentHealthy: 3,
    desiredHealthy: 2,
    expectedPods: 4,
    conditions: [],
  };
  const pods = [pod('a'), pod('b', { deleting: true }), pod('c'), pod('d')];

  test('kept while the pod exists, is not being deleted, and the 2 minutes are not over', () => {
    const r = pendingDisruptions(pdb, pods, t);
    assert.deepEqual(r.disrupted, { a: evictedAt });
    assert.deepEqual(
      r.notDeleted.map((p) => p.metadata?.name),
      ['c'],
    );
    assert.equal(r.recheckAt, evictedAt.getTime() + DELETION_TIMEOUT_MS);
  });
  test('healthy: ready, not deleting, not awaiting an eviction', () => {
    const { disrupted } = pendingDisruptions(pdb, pods, t);
    assert.equal(countHealthy(pods, disrupted, t), 2); // c and d
    assert.equal(countHealthy([...pods, pod('e', { ready: false })], disrupted, t), 2);
  });
});

describe('budgetStatus', () => {
  const now = new Date(5000);
  test('allowed = healthy - desired, with the condition and the generation', () => {
    const s = budgetStatus(
      budget({ minAvailable: int(3) }, '4'),
      { currentHealthy: 4, desiredHealthy: 3, expectedPods: 4 },
      {},
      now,
    );
    assert.equal(s.disruptionsAllowed, 1);
    assert.equal(s.observedGeneration, '4');
    assert.deepEqual(
      s.conditions.map((c) => [c.type, c.status, c.reason, c.observedGeneration]),
      [['DisruptionAllowed', 'True', 'SufficientPods', '4']],
    );
  });
  test('never negative, and 0 while no pod is expected', () => {
    const pdb = budget({ minAvailable: int(3) });
    assert.equal(
      budgetStatus(pdb, { currentHealthy: 1, desiredHealthy: 3, expectedPods: 4 }, {}, now)
        .disruptionsAllowed,
      0,
    );
    const s = budgetStatus(pdb, { currentHealthy: 2, desiredHealthy: 0, expectedPods: 0 }, {}, now);
    assert.equal(s.disruptionsAllowed, 0);
    assert.equal(s.conditions[0]?.reason, 'InsufficientPods');
  });
  test('a transition keeps its time while the status holds; a change is a change', () => {
    const pdb = budget({ minAvailable: int(1) });
    const first = budgetStatus(
      pdb,
      { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 },
      {},
      new Date(1),
    );
    pdb.status = first;
    const same = budgetStatus(
      pdb,
      { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 },
      {},
      new Date(2),
    );
    assert.equal(same.conditions[0]?.lastTransitionTime?.getTime(), 1);
    assert.equal(statusChanged(first, same), false);
    const fewer = budgetStatus(
      pdb,
      { currentHealthy: 1, desiredHealthy: 1, expectedPods: 2 },
      {},
      new Date(3),
    );
    assert.equal(fewer.conditions[0]?.lastTransitionTime?.getTime(), 3);
    assert.equal(statusChanged(first, fewer), true);
    assert.equal(statusChanged(first, { ...first, disruptedPods: { a: new Date(9) } }), true);
  });
  test('fail-safe: nothing allowed, SyncFailed with the cause', () => {
    const pdb = budget({ minAvailable: str('50%') });
    pdb.status = budgetStatus(pdb, { currentHealthy: 4, desiredHealthy: 2, expectedPods: 4 }, {}, now);
    const s = failSafeStatus(pdb, 'found no controllers for pod "a"', now);
    assert.equal(s.disruptionsAllowed, 0);
    assert.deepEqual(
      s.conditions.map((c) => [c.status, c.reason, c.message]),
      [['False', 'SyncFailed', 'found no controllers for pod "a"']],
    );
  });
});
