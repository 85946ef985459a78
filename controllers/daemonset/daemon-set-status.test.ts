import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupByNode } from './daemon-pods.js';
import { calculateStatus, statusChanged } from './daemon-set-status.js';
import { compilePlacement } from './node-should-run.js';
import { daemonPod, daemonSet, node } from './testing.js';

test('status counts nodes: desired, scheduled, misscheduled, and the oldest pod of each for readiness and revision', () => {
  const ds = daemonSet('ds', { nodeSelector: { run: 'yes' }, minReadySeconds: 10 });
  if (ds.metadata) ds.metadata.generation = '4';
  const nodes = [
    node('a', { run: 'yes' }),
    node('b', { run: 'yes' }),
    node('c', { run: 'yes' }),
    node('d', { run: 'yes' }),
    node('e', {}),
  ];
  const pods = [
    // a: oldest is ready for long, of the current revision; a newer old-revision pod does not count.
    daemonPod('a1', 'a', { hash: 'new', ready: true, readySince: new Date(0), created: new Date(1) }),
    daemonPod('a2', 'a', { hash: 'old', created: new Date(2) }),
    // b: ready 5 s ago, minReadySeconds 10: ready, not available; old revision.
    daemonPod('b1', 'b', { hash: 'old', ready: true, readySince: new Date(95_000) }),
    // c: not ready.
    daemonPod('c1', 'c', { hash: 'new' }),
    // d: none. e: should not run one, has one.
    daemonPod('e1', 'e', { hash: 'new', ready: true }),
  ];
  const input = {
    ds,
    nodes,
    nodeToPods: groupByNode(pods, true),
    placement: compilePlacement(ds),
    hash: 'new',
    now: 100_000,
    observed: true,
    collisionCount: undefined,
  };
  const status = calculateStatus(input);
  assert.deepEqual(status, {
    currentNumberScheduled: 3,
    numberMisscheduled: 1,
    desiredNumberScheduled: 4,
    numberReady: 2,
    observedGeneration: '4',
    updatedNumberScheduled: 2,
    numberAvailable: 1,
    numberUnavailable: 3,
    conditions: [],
  });
  // Only counting (expectations pending): the generation is not claimed as observed.
  assert.equal(calculateStatus({ ...input, observed: false }).observedGeneration, '0');
  const collided = calculateStatus({ ...input, collisionCount: 2 });
  assert.equal(collided.collisionCount, 2);
  assert.equal(statusChanged(status, { ...status }), false);
  assert.equal(statusChanged(status, collided), true);
  assert.equal(statusChanged(status, { ...status, numberUnavailable: 2 }), true);
});
