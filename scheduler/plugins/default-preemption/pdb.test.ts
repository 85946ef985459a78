import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newPodInfo } from '../../framework/node-info.js';
import { filterPodsWithPDBViolation } from './pdb.js';
import { makePod, makePdb as pdb } from './testing.js';

const names = (r: {
  violating: { pod: { metadata?: { name: string } } }[];
  nonViolating: typeof r.violating;
}) => ({
  violating: r.violating.map((p) => p.pod.metadata?.name),
  nonViolating: r.nonViolating.map((p) => p.pod.metadata?.name),
});

test('each matching pod takes one disruption; once the budget is spent the rest violate it', () => {
  const pods = ['a', 'b', 'c'].map((n) => newPodInfo(makePod(n, { labels: { app: 'web' } })));
  assert.deepEqual(names(filterPodsWithPDBViolation(pods, [pdb('web', { app: 'web' }, 1)])), {
    violating: ['b', 'c'],
    nonViolating: ['a'],
  });
  assert.deepEqual(names(filterPodsWithPDBViolation(pods, [])), {
    violating: [],
    nonViolating: ['a', 'b', 'c'],
  });
});

test('budgets of another namespace, with an empty selector, or not matching protect nothing', () => {
  const pods = [
    newPodInfo(makePod('a', { labels: { app: 'web' } })),
    newPodInfo(makePod('b', { labels: {} })),
    newPodInfo(makePod('c', { labels: { app: 'db' } })),
  ];
  const r = filterPodsWithPDBViolation(pods, [
    pdb('other-ns', { app: 'web' }, 0, { namespace: 'prod' }),
    pdb('empty', {}, 0),
    pdb('db-only', { app: 'api' }, 0),
  ]);
  assert.deepEqual(names(r), { violating: [], nonViolating: ['a', 'b', 'c'] });
});

test('a pod the budget already lists as disrupted takes no disruption again', () => {
  const pods = ['a', 'b'].map((n) => newPodInfo(makePod(n, { labels: { app: 'web' } })));
  const r = filterPodsWithPDBViolation(pods, [
    pdb('web', { app: 'web' }, 1, { disruptedPods: { a: new Date() } }),
  ]);
  assert.deepEqual(names(r), { violating: [], nonViolating: ['a', 'b'] });
});

test('a pod two budgets match violates when either is spent', () => {
  const pods = [newPodInfo(makePod('a', { labels: { app: 'web', tier: 'front' } }))];
  const r = filterPodsWithPDBViolation(pods, [
    pdb('web', { app: 'web' }, 3),
    pdb('front', { tier: 'front' }, 0),
  ]);
  assert.deepEqual(names(r), { violating: ['a'], nonViolating: [] });
});
