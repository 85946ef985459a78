import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { CycleState } from '../framework/cycle-state.js';
import type { EnqueueExtensions, Handle, PreScorePlugin, ScorePlugin } from '../framework/interface.js';
import { NodeInfo, newPodInfo } from '../framework/node-info.js';
import {
  balancedResourceScorer,
  NODE_RESOURCES_BALANCED_ALLOCATION,
  nodeResourcesBalancedAllocation,
} from './node-resources-balanced-allocation.js';

type BalancedPlugin = PreScorePlugin & ScorePlugin & EnqueueExtensions;
const make = (args: Record<string, unknown> = {}) =>
  nodeResourcesBalancedAllocation(args, {} as Handle) as BalancedPlugin;
const plugin = make();

const node = () =>
  Node.fromPartial({
    metadata: { name: 'n1' },
    status: {
      allocatable: {
        cpu: '4',
        memory: '8Gi',
        pods: '110',
        'ephemeral-storage': '10Gi',
        'example.com/gpu': '4',
      },
    },
  });
const pod = (requests: Record<string, string> = {}) =>
  Pod.fromPartial({
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', resources: { requests } }] },
  });
const nodeWith = (...pods: Pod[]) => {
  const info = new NodeInfo(node());
  for (const p of pods) info.addPod(newPodInfo(p));
  return info;
};
function score(pl: BalancedPlugin, p: Pod, info: NodeInfo): number {
  const state = new CycleState();
  assert.ok(pl.preScore(state, p, [info]).isSuccess());
  return pl.score(state, p, info);
}

test('equal fractions of cpu and memory score 100; the gap between them lowers it', () => {
  assert.equal(plugin.name, NODE_RESOURCES_BALANCED_ALLOCATION);
  assert.equal(score(plugin, pod({ cpu: '1', memory: '2Gi' }), nodeWith()), 100);
  // cpu 0.5, memory 0.125: std 0.1875.
  assert.equal(score(plugin, pod({ cpu: '2', memory: '1Gi' }), nodeWith()), 81);
  // With what is on the node already: cpu (1+1)/4 = 0.5, memory (0+2)/8 = 0.25: std 0.125.
  assert.equal(score(plugin, pod({ cpu: '1', memory: '2Gi' }), nodeWith(pod({ cpu: '1' }))), 87);
});

test('requests as written: a pod without requests adds nothing', () => {
  assert.equal(score(plugin, pod(), nodeWith()), 100, 'an empty node stays balanced');
  assert.equal(
    score(plugin, pod(), nodeWith(pod({ cpu: '2' }))),
    75,
    'cpu 0.5, memory 0: the node is what it is',
  );
});

test('fractions are capped at 1', () => {
  assert.equal(score(plugin, pod({ cpu: '8' }), nodeWith()), 50);
  assert.equal(score(plugin, pod({ cpu: '16' }), nodeWith()), 50);
});

test('three or more resources use the standard deviation around the mean', () => {
  const three = make({ resources: [{ name: 'cpu' }, { name: 'memory' }, { name: 'ephemeral-storage' }] });
  // 0.5, 0.25, 0: mean 0.25, variance 0.125/3, std ≈ 0.2041.
  assert.equal(score(three, pod({ cpu: '2', memory: '2Gi' }), nodeWith()), 79);
  const gpu = make({ resources: [{ name: 'cpu' }, { name: 'memory' }, { name: 'example.com/gpu' }] });
  assert.equal(
    score(gpu, pod({ cpu: '1', memory: '2Gi' }), nodeWith()),
    100,
    'an extended resource the pod does not ask for is left out',
  );
  // 0.25, 0.25, 1: mean 0.5, std ≈ 0.3536.
  assert.equal(score(gpu, pod({ cpu: '1', memory: '2Gi', 'example.com/gpu': '4' }), nodeWith()), 64);
  assert.equal(balancedResourceScorer([1, 1], [0, 0]), 100, 'nothing to compare');
  assert.equal(balancedResourceScorer([1, 3], [4, 0]), 100, 'one resource alone is balanced');
});

test('no Node is an error; a score plugin registers no events', () => {
  assert.throws(() => plugin.score(new CycleState(), pod(), new NodeInfo()), /node not found/);
  assert.deepEqual(plugin.eventsToRegister(), []);
  assert.throws(() => make({ resources: 'cpu' }), /resources must be a list/);
});

test('plugins scoring different resources in turn do not see each other’s numbers', () => {
  // The resource scorers share scratch arrays between calls: each call must start clean.
  const three = make({ resources: [{ name: 'cpu' }, { name: 'memory' }, { name: 'ephemeral-storage' }] });
  const p = pod({ cpu: '2', memory: '2Gi', 'ephemeral-storage': '5Gi' });
  const alone = [score(three, p, nodeWith()), score(plugin, p, nodeWith())];
  const interleaved: number[] = [];
  for (let i = 0; i < 3; i++) interleaved.push(score(three, p, nodeWith()), score(plugin, p, nodeWith()));
  assert.deepEqual(interleaved, [...alone, ...alone, ...alone]);
  // cpu 0.5, memory 0.25, ephemeral-storage 0.5: std about 0.118.
  assert.equal(alone[0], 88);
  // cpu and memory only: std 0.125.
  assert.equal(alone[1], 87);
});
