import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { groupByNode } from './daemon-pods.js';
import { compilePlacement } from './node-should-run.js';
import { type PlacementInput, planPlacement } from './placement-plan.js';
import { daemonPod, daemonSet, node } from './testing.js';

const names = (pods: readonly Pod[]) => pods.map((p) => p.metadata?.name).sort();

function plan(pods: Pod[], overrides: Partial<PlacementInput> = {}) {
  const failed: string[] = [];
  const succeeded: string[] = [];
  const result = planPlacement({
    nodes: [
      node('a', { run: 'yes' }),
      node('b', { run: 'yes' }),
      node('c', {}),
      node('d', { run: 'yes' }, [{ key: 'x', value: '', effect: 'NoSchedule' }]),
    ],
    nodeToPods: groupByNode(pods, false),
    placement: compilePlacement(daemonSet('ds', { nodeSelector: { run: 'yes' } })),
    hash: 'new',
    allowsSurge: false,
    minReadySeconds: 0,
    now: 10_000,
    onFailedPod: (pod) => {
      failed.push(pod.metadata?.name ?? '');
      return true;
    },
    onSucceededPod: (pod) => succeeded.push(pod.metadata?.name ?? ''),
    ...overrides,
  });
  return { ...result, deleted: names(result.podsToDelete), failed, succeeded };
}

test('creates where missing, keeps the oldest of extras, deletes where it may not stay and for vanished nodes', () => {
  const r = plan([
    daemonPod('a-old', 'a', { created: new Date(1000) }),
    daemonPod('a-new', 'a', { created: new Date(5000) }),
    daemonPod('a-newer-bound', 'a', { created: new Date(9000), bound: true }),
    daemonPod('c-1', 'c'),
    daemonPod('d-1', 'd'),
    daemonPod('gone-unbound', 'zz'),
    daemonPod('gone-bound', 'zz', { bound: true }),
  ]);
  assert.deepEqual(r.nodesNeedingPods, ['b']);
  // A bound pod ranks before unbound ones, whatever their age.
  assert.deepEqual(r.deleted, ['a-new', 'a-old', 'c-1', 'gone-unbound']);
  // d: NoSchedule taint, the pod may stay.
});

test('failed pods are deleted (when the backoff allows), succeeded ones too; terminating ones wait', () => {
  const r = plan([
    daemonPod('a-failed', 'a', { phase: 'Failed' }),
    daemonPod('b-done', 'b', { phase: 'Succeeded' }),
    daemonPod('d-going', 'd', { deleting: true }),
  ]);
  assert.deepEqual(r.deleted, ['a-failed', 'b-done']);
  assert.deepEqual(r.failed, ['a-failed']);
  assert.deepEqual(r.succeeded, ['b-done']);
  assert.deepEqual(r.nodesNeedingPods, [], 'a replacement comes once the failed pod is gone');

  const held = plan([daemonPod('a-failed', 'a', { phase: 'Failed' })], { onFailedPod: () => false });
  assert.deepEqual(held.deleted, []);
  // A finished pod being deleted does not hold its node.
  const finished = plan([daemonPod('a-failed', 'a', { phase: 'Failed', deleting: true })]);
  assert.deepEqual(finished.nodesNeedingPods, ['a', 'b']);
});

test('with surge, an old and a new pod share a node until the new one is available', () => {
  const pods = [
    daemonPod('a-old', 'a', { hash: 'old', ready: true, created: new Date(1000) }),
    daemonPod('a-new', 'a', { hash: 'new', ready: false, created: new Date(2000) }),
    daemonPod('a-new2', 'a', { hash: 'new', created: new Date(3000) }),
    daemonPod('b-old', 'b', { hash: 'old', ready: true }),
    daemonPod('b-new', 'b', { hash: 'new', ready: true, readySince: new Date(9_500) }),
  ];
  const r = plan(pods, { allowsSurge: true, minReadySeconds: 1 });
  // a: the second new pod goes, the old stays while the new is not ready.
  // b: new ready for 0.5 s < minReadySeconds 1: both stay.
  assert.deepEqual(r.deleted, ['a-new2']);
  const later = plan(pods, { allowsSurge: true, minReadySeconds: 0 });
  assert.deepEqual(later.deleted, ['a-new2', 'b-old']);
  // An old pod that is not ready goes at once.
  const notReady = plan(
    [daemonPod('a-old', 'a', { hash: 'old' }), daemonPod('a-new', 'a', { hash: 'new' })],
    {
      allowsSurge: true,
    },
  );
  assert.deepEqual(notReady.deleted, ['a-old']);
});
