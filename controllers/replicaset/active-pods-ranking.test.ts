import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { POD_DELETION_COST, podsToDelete } from './active-pods-ranking.js';

function pod(
  name: string,
  o: {
    node?: string;
    phase?: string;
    readyAt?: number;
    created?: number;
    restarts?: number;
    cost?: number;
  } = {},
): Pod {
  return Pod.fromPartial({
    metadata: {
      name,
      creationTimestamp: new Date(o.created ?? 1000),
      annotations: o.cost === undefined ? {} : { [POD_DELETION_COST]: String(o.cost) },
    },
    spec: { nodeName: o.node ?? 'n1', containers: [] },
    status: {
      phase: o.phase ?? 'Running',
      conditions:
        o.readyAt === undefined
          ? []
          : [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(o.readyAt) }],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }],
    },
  });
}

const order = (pods: Pod[], related: Pod[] = pods) =>
  podsToDelete(pods, related, pods.length - 1).map((p) => p.metadata?.name);

test('unscheduled, then Pending, Unknown, Running', () => {
  assert.deepEqual(
    order([
      pod('running', { readyAt: 1 }),
      pod('unknown', { phase: 'Unknown' }),
      pod('pending', { phase: 'Pending' }),
      pod('unassigned', { node: '' }),
    ]),
    ['unassigned', 'pending', 'unknown'],
  );
});

test('not ready before ready; lower deletion cost first', () => {
  assert.deepEqual(order([pod('ready', { readyAt: 1 }), pod('notready')]), ['notready']);
  assert.deepEqual(
    order([pod('expensive', { readyAt: 1, cost: 10 }), pod('cheap', { readyAt: 1, cost: -5 })]),
    ['cheap'],
  );
});

test('pods doubled up on a node go before lone ones', () => {
  const a = pod('a', { node: 'crowded', readyAt: 1 });
  const b = pod('b', { node: 'crowded', readyAt: 1 });
  const c = pod('c', { node: 'alone', readyAt: 1 });
  assert.deepEqual(podsToDelete([a, b, c], [a, b, c], 1).map((p) => p.metadata?.name)[0], 'a');
  assert.notEqual(
    podsToDelete([a, b, c], [a, b, c], 2)
      .map((p) => p.metadata?.name)
      .includes('c'),
    true,
  );
});

test('ready more recently, then more restarts, then newer go first', () => {
  assert.deepEqual(order([pod('old-ready', { readyAt: 100 }), pod('new-ready', { readyAt: 200 })]), [
    'new-ready',
  ]);
  assert.deepEqual(
    order([pod('stable', { readyAt: 1, restarts: 0 }), pod('flappy', { readyAt: 1, restarts: 5 })]),
    ['flappy'],
  );
  assert.deepEqual(order([pod('older', { created: 1 }), pod('newer', { created: 2 })]), ['newer']);
});

test('asking for every pod returns every pod', () => {
  const pods = [pod('a'), pod('b')];
  assert.equal(podsToDelete(pods, pods, 5).length, 2);
});
