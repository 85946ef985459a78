import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  setReplicasAnnotations,
} from './deployment-util.js';
import { isScalingEvent, proportionalScale, type ScaleStep } from './rollout-plan.js';
import { webDeployment } from './testing.js';

/** A ReplicaSet of `replicas`, all available, sized for a Deployment of `desired` (max `max`). */
function replicaSet(name: string, replicas: number, desired: number, max: number, ageS: number): ReplicaSet {
  return ReplicaSet.fromPartial({
    metadata: {
      name,
      namespace: 'default',
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, ageS)),
      annotations: { [DESIRED_REPLICAS_ANNOTATION]: String(desired), [MAX_REPLICAS_ANNOTATION]: String(max) },
    },
    spec: { replicas },
    status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
  });
}

/** What `scale` writes for each step: the size and the replica annotations. */
function apply(steps: ScaleStep[], desired: number, max: number): void {
  for (const { rs, replicas } of steps) {
    if (rs.spec) rs.spec.replicas = replicas;
    setReplicasAnnotations(rs, desired, max);
  }
}

test('a scaling cut short, sizes already adding up, still ends the scaling event', () => {
  // Scaled from 6 to 5 (maxSurge 25%: 2) mid-rollout; the write to the old ReplicaSet
  // went through and the one to the new one was refused: 6 + 1 = 5 + 2, annotations stale.
  const d = webDeployment('web', 5, { maxSurge: '25%', maxUnavailable: '25%' });
  const old = replicaSet('web-old', 6, 6, 8, 0);
  const cur = replicaSet('web-new', 1, 6, 8, 10);
  assert.ok(isScalingEvent(d, [cur, old]));
  const steps = proportionalScale(d, cur, [old]);
  assert.deepEqual(
    steps.map((s) => [s.rs.metadata?.name, s.replicas]),
    [
      ['web-new', 1],
      ['web-old', 6],
    ],
    'both keep their size; both get the annotations of 5',
  );
  apply(steps, 5, 7);
  assert.equal(isScalingEvent(d, [cur, old]), false);
  assert.deepEqual(proportionalScale(d, cur, [old]), []);
});

test('a single active ReplicaSet of the right size with stale annotations is annotated', () => {
  const d = webDeployment('web', 3, { maxSurge: 1, maxUnavailable: 0 });
  const only = replicaSet('web-a', 3, 4, 5, 0);
  assert.ok(isScalingEvent(d, [only]));
  const steps = proportionalScale(d, undefined, [only]);
  assert.deepEqual(
    steps.map((s) => [s.rs.metadata?.name, s.replicas]),
    [['web-a', 3]],
  );
  apply(steps, 3, 4);
  assert.equal(isScalingEvent(d, [only]), false);
});

test('proportional scaling still spreads a difference over the active ReplicaSets', () => {
  // 10 → 20 replicas, maxSurge 3 → allowed 23 against 13 running: 10 to add, 10:3.
  const d = webDeployment('web', 20, { maxSurge: 3, maxUnavailable: 0 });
  const old = replicaSet('web-old', 10, 10, 13, 0);
  const cur = replicaSet('web-new', 3, 10, 13, 10);
  const sizes = Object.fromEntries(
    proportionalScale(d, cur, [old]).map((s) => [s.rs.metadata?.name, s.replicas]),
  );
  assert.deepEqual(sizes, { 'web-old': 18, 'web-new': 5 });
});
