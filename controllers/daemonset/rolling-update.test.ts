import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { groupByNode } from './daemon-pods.js';
import { compilePlacement } from './node-should-run.js';
import { allowsSurge, planRollingUpdate, surgeCount, unavailableCount } from './rolling-update.js';
import { type DaemonSetOptions, daemonPod, daemonSet, int, node, percent } from './testing.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'].map((n) => node(n));

function step(pods: Pod[], opts: DaemonSetOptions) {
  const ds = daemonSet('ds', opts);
  const r = planRollingUpdate({
    ds,
    nodes,
    nodeToPods: groupByNode(pods, false),
    placement: compilePlacement(ds),
    hash: 'new',
    now: 100_000,
  });
  return { ...r, deleted: r.podsToDelete.map((p) => p.metadata?.name).sort() };
}

test('bounds are counts or percentages of desired nodes, rounded up; both 0 allows one unavailable', () => {
  const ds = daemonSet('ds', { maxUnavailable: percent('30%'), maxSurge: percent('0%') });
  assert.equal(unavailableCount(ds, 5), 2);
  assert.equal(unavailableCount(ds, 1), 1);
  assert.equal(surgeCount(ds, 5), 0);
  assert.equal(allowsSurge(ds), false);
  assert.equal(surgeCount(daemonSet('s', { maxSurge: percent('10%'), maxUnavailable: int(0) }), 5), 1);
  assert.equal(allowsSurge(daemonSet('s', { maxSurge: percent('1%'), maxUnavailable: int(0) })), true);
  assert.equal(unavailableCount(daemonSet('o', { updateStrategy: 'OnDelete' }), 5), 0);
  const zero = step(
    nodes.map((n) =>
      daemonPod(`${n.metadata?.name}-old`, n.metadata?.name ?? '', { hash: 'old', ready: true }),
    ),
    { maxUnavailable: int(0), maxSurge: int(0) },
  );
  assert.equal(zero.maxUnavailable, 1);
  assert.deepEqual(zero.deleted, ['n1-old']);
});

test('without surge: old pods deleted in node order up to maxUnavailable, counting nodes already down', () => {
  const allOld = nodes.map((n) =>
    daemonPod(`${n.metadata?.name}-old`, n.metadata?.name ?? '', { hash: 'old', ready: true }),
  );
  assert.deepEqual(step(allOld, { maxUnavailable: int(2) }).deleted, ['n1-old', 'n2-old']);

  const midway = [
    daemonPod('n1-new', 'n1', { hash: 'new', ready: true }),
    daemonPod('n2-new', 'n2', { hash: 'new', ready: false }), // counts as unavailable
    // n3 has no pod at all: unavailable too
    daemonPod('n4-old', 'n4', { hash: 'old', ready: true }),
    daemonPod('n5-old', 'n5', { hash: 'old', ready: false }), // not available: replaced at once
  ];
  const r = step(midway, { maxUnavailable: int(2) });
  assert.deepEqual(r.deleted, ['n5-old'], 'n4 must wait: two nodes are down already');
  assert.deepEqual(r.nodesNeedingPods, []);
  assert.deepEqual(step(midway, { maxUnavailable: int(4) }).deleted, ['n4-old', 'n5-old']);
});

test('with surge: new pods beside available old ones up to maxSurge; old ones go once the new are available', () => {
  const pods = [
    daemonPod('n1-old', 'n1', { hash: 'old', ready: true }),
    daemonPod('n1-new', 'n1', { hash: 'new', ready: true }), // available: n1-old goes
    daemonPod('n2-old', 'n2', { hash: 'old', ready: true }),
    daemonPod('n2-new', 'n2', { hash: 'new', ready: false }), // surging
    daemonPod('n3-old', 'n3', { hash: 'old', ready: false }), // unavailable: replaced at once
    daemonPod('n4-old', 'n4', { hash: 'old', ready: true }),
    daemonPod('n5-old', 'n5', { hash: 'old', ready: true }),
  ];
  const one = step(pods, { maxSurge: int(1), maxUnavailable: int(0) });
  assert.deepEqual(one.deleted, ['n1-old']);
  assert.deepEqual(one.nodesNeedingPods, ['n3'], 'n2 already uses the one surge');
  const two = step(pods, { maxSurge: int(2), maxUnavailable: int(0) });
  assert.deepEqual(two.nodesNeedingPods, ['n3', 'n4']);
});
