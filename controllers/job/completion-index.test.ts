import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  completionIndexOf,
  duplicatedIndexPods,
  firstPendingIndexes,
  formatIndexes,
  parseIndexes,
  podGenerateNameWithIndex,
} from './completion-index.js';

function pod(name: string, index?: string, phase = 'Running'): Pod {
  return Pod.fromPartial({
    metadata: {
      name,
      annotations: index === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': index },
    },
    status: { phase },
  });
}

test('completed indexes are written as Kubernetes writes them', () => {
  assert.equal(formatIndexes([]), '');
  assert.equal(formatIndexes([0]), '0');
  assert.equal(formatIndexes([1, 0]), '0,1', 'two neighbours are not a range');
  assert.equal(formatIndexes([0, 1, 2]), '0-2');
  assert.equal(formatIndexes([7, 1, 3, 4, 5, 3]), '1,3-5,7');
  assert.equal(formatIndexes([0, 1, 2, 5, 6, 9, 10, 11, 12]), '0-2,5,6,9-12');
});

test('completed indexes are read back, bounded by completions, skipping what is malformed', () => {
  assert.deepEqual([...parseIndexes('1,3-5,7', 10)], [1, 3, 4, 5, 7]);
  assert.deepEqual([...parseIndexes('', 10)], []);
  assert.deepEqual(
    [...parseIndexes('0-2,8-12', 10)].sort((a, b) => a - b),
    [0, 1, 2, 8, 9],
  );
  assert.deepEqual([...parseIndexes('x,2,-1,3-', 10)], [2]);
  for (const s of ['0', '0,1', '0-2', '1,3-5,7', '0-2,5,6,9-12']) {
    assert.equal(formatIndexes(parseIndexes(s, 100)), s, `round trip of ${s}`);
  }
});

test('a pod index is a non-negative integer in the annotation', () => {
  assert.equal(completionIndexOf(pod('a', '3')), 3);
  assert.equal(completionIndexOf(pod('a', '0')), 0);
  assert.equal(completionIndexOf(pod('a')), undefined);
  for (const bad of ['', '-1', '01', '1.5', 'x'])
    assert.equal(completionIndexOf(pod('a', bad)), undefined, bad);
});

test('pending indexes are the lowest neither running nor succeeded', () => {
  assert.deepEqual(firstPendingIndexes(new Set([1]), new Set([0, 3]), 2, 6), [2, 4]);
  assert.deepEqual(firstPendingIndexes(new Set([1]), new Set([0, 3]), 10, 6), [2, 4, 5]);
  assert.deepEqual(firstPendingIndexes(new Set(), new Set([0, 1]), 3, 2), []);
});

test('repeated, missing and out-of-range indexes are removed, keeping the best pod of an index', () => {
  const pods = [
    pod('a0', '0', 'Pending'),
    pod('b0', '0', 'Running'),
    pod('c1', '1'),
    pod('none'),
    pod('far', '9'),
    pod('a2', '2', 'Pending'),
    pod('b2', '2', 'Pending'),
    pod('c2', '2', 'Running'),
  ];
  const phaseRank = (p: Pod) => (p.status?.phase === 'Running' ? 1 : 0);
  const { remove, keep } = duplicatedIndexPods(pods, 3, (x, y) => phaseRank(x) - phaseRank(y));
  assert.deepEqual(
    keep.map((p) => p.metadata?.name),
    ['b0', 'c1', 'c2'],
  );
  assert.deepEqual(remove.map((p) => p.metadata?.name).sort(), ['a0', 'a2', 'b2', 'far', 'none']);
});

test("an indexed pod's name prefix fits a generated name", () => {
  assert.equal(podGenerateNameWithIndex('pi', 3), 'pi-3-');
  const long = 'j'.repeat(70);
  const prefix = podGenerateNameWithIndex(long, 12);
  assert.equal(prefix.length, 58);
  assert.ok(prefix.endsWith('-12-'));
});
