import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { CycleState } from '../framework/cycle-state.js';
import type {
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from '../framework/interface.js';
import { NodeInfo, newPodInfo } from '../framework/node-info.js';
import { insufficientResources, NODE_RESOURCES_FIT, nodeResourcesFit } from './node-resources-fit.js';

type FitPlugin = PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
const make = (args: Record<string, unknown> = {}) => nodeResourcesFit(args, {} as Handle) as FitPlugin;
const plugin = make();

const allocatable = {
  cpu: '4',
  memory: '8Gi',
  pods: '3',
  'ephemeral-storage': '10Gi',
  'example.com/gpu': '2',
};
const node = (name = 'n1', alloc: Record<string, string> = allocatable) =>
  Node.fromPartial({ metadata: { name }, status: { allocatable: alloc } });
let uid = 0;
/** A pod whose containers request these lists (one container per list). */
const pod = (...requests: Record<string, string>[]) =>
  Pod.fromPartial({
    metadata: { name: `p${++uid}`, namespace: 'default', uid: `u${uid}` },
    spec: {
      containers: (requests.length ? requests : [{}]).map((r, i) => ({
        name: `c${i}`,
        resources: { requests: r },
      })),
    },
  });
const nodeWith = (n: Node, ...pods: Pod[]) => {
  const info = new NodeInfo(n);
  for (const p of pods) info.addPod(newPodInfo(p));
  return info;
};
function run(p: Pod, info: NodeInfo, pl: FitPlugin = plugin) {
  const state = new CycleState();
  assert.ok(pl.preFilter(state, p, [info]).status.isSuccess());
  return pl.filter(state, p, info);
}

test('a pod that fits passes', () => {
  assert.equal(plugin.name, NODE_RESOURCES_FIT);
  assert.ok(run(pod({ cpu: '1', memory: '1Gi' }), nodeWith(node())).isSuccess());
  assert.ok(run(pod({ cpu: '2' }), nodeWith(node(), pod({ cpu: '2' }))).isSuccess(), 'exactly full');
});

test('requests count the largest init container and the overhead', () => {
  const p = Pod.fromPartial({
    spec: {
      initContainers: [{ name: 'i', resources: { requests: { cpu: '3' } } }],
      containers: [
        { name: 'a', resources: { requests: { cpu: '1' } } },
        { name: 'b', resources: { requests: { cpu: '1' } } },
      ],
      overhead: { cpu: '500m' },
    },
  });
  assert.ok(run(p, nodeWith(node(), pod({ cpu: '500m' }))).isSuccess(), '3.5 cpu of the 3.5 left');
  const s = run(p, nodeWith(node(), pod({ cpu: '501m' })));
  assert.deepEqual(s.reasons, ['Insufficient cpu']);
  assert.equal(s.code, 'Unschedulable', 'preemption could make room');
});

test('one reason per resource, in kube order', () => {
  const full = nodeWith(
    node(),
    pod({ cpu: '3', memory: '7Gi', 'ephemeral-storage': '9Gi', 'example.com/gpu': '2' }),
    pod(),
    pod(),
  );
  const s = run(pod({ cpu: '2', memory: '2Gi', 'ephemeral-storage': '2Gi', 'example.com/gpu': '1' }), full);
  assert.equal(s.code, 'Unschedulable');
  assert.deepEqual(s.reasons, [
    'Too many pods',
    'Insufficient cpu',
    'Insufficient memory',
    'Insufficient ephemeral-storage',
    'Insufficient example.com/gpu',
  ]);
  for (const [request, reason] of [
    [{ cpu: '2' }, 'Insufficient cpu'],
    [{ memory: '2Gi' }, 'Insufficient memory'],
    [{ 'ephemeral-storage': '2Gi' }, 'Insufficient ephemeral-storage'],
    [{ 'example.com/gpu': '1' }, 'Insufficient example.com/gpu'],
  ] as const) {
    const one = run(
      pod(request),
      nodeWith(node(), pod({ cpu: '3', memory: '7Gi', 'ephemeral-storage': '9Gi', 'example.com/gpu': '2' })),
    );
    assert.deepEqual(one.reasons, [reason]);
  }
});

test('Too many pods even for a pod that requests nothing', () => {
  const s = run(pod(), nodeWith(node(), pod(), pod(), pod()));
  assert.deepEqual(s.reasons, ['Too many pods']);
  assert.equal(s.code, 'Unschedulable');
  assert.ok(run(pod(), nodeWith(node(), pod(), pod())).isSuccess());
  assert.deepEqual(
    run(pod(), nodeWith(node('n', { cpu: '4' }))).reasons,
    ['Too many pods'],
    'a node that allows no pods',
  );
});

test('more than the whole allocatable is unresolvable: preemption cannot help', () => {
  const s = run(pod({ cpu: '5' }), nodeWith(node()));
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, ['Insufficient cpu']);
  const missing = run(pod({ 'example.com/fpga': '1' }), nodeWith(node()));
  assert.equal(missing.code, 'UnschedulableAndUnresolvable', 'a resource the node does not offer');
  assert.deepEqual(missing.reasons, ['Insufficient example.com/fpga']);
  const mixed = run(pod({ cpu: '5', memory: '1Gi' }), nodeWith(node(), pod({ memory: '8Gi' })));
  assert.equal(mixed.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(mixed.reasons, ['Insufficient cpu', 'Insufficient memory']);
});

test('ignoredResources and ignoredResourceGroups skip extended resources only', () => {
  const byName = make({ ignoredResources: ['example.com/fpga'] });
  assert.ok(run(pod({ 'example.com/fpga': '1' }), nodeWith(node()), byName).isSuccess());
  const byGroup = make({ ignoredResourceGroups: ['example.com'] });
  assert.ok(
    run(pod({ 'example.com/fpga': '1', 'example.com/gpu': '9' }), nodeWith(node()), byGroup).isSuccess(),
  );
  assert.deepEqual(run(pod({ cpu: '9' }), nodeWith(node()), make({ ignoredResources: ['cpu'] })).reasons, [
    'Insufficient cpu',
  ]);
  assert.deepEqual(
    run(pod({ 'hugepages-2Mi': '1Gi' }), nodeWith(node()), make({ ignoredResourceGroups: ['hugepages-2Mi'] }))
      .reasons,
    ['Insufficient hugepages-2Mi'],
    'hugepages are not extended resources',
  );
  assert.throws(() => make({ ignoredResources: 'x' }), /ignoredResources must be a list/);
});

test('Filter without PreFilter state computes the requests itself; no Node is an error', () => {
  assert.deepEqual(plugin.filter(new CycleState(), pod({ cpu: '9' }), nodeWith(node())).reasons, [
    'Insufficient cpu',
  ]);
  assert.equal(plugin.filter(new CycleState(), pod(), new NodeInfo()).code, 'Error');
  assert.equal(insufficientResources(newPodInfo(pod({ cpu: '1' })).requests, nodeWith(node())).length, 0);
});

function score(pl: FitPlugin, p: Pod, info: NodeInfo): number {
  const state = new CycleState();
  assert.ok(pl.preScore(state, p, [info]).isSuccess());
  return pl.score(state, p, info);
}

const big = () => node('n', { cpu: '4', memory: '8Gi', pods: '110' });

test('LeastAllocated (default): the emptier node scores higher', () => {
  const p = pod({ cpu: '1', memory: '2Gi' });
  assert.equal(score(plugin, p, nodeWith(big())), 75);
  assert.equal(score(plugin, p, nodeWith(big(), pod({ cpu: '1', memory: '2Gi' }))), 50);
  assert.equal(score(plugin, p, nodeWith(big(), pod({ cpu: '3', memory: '6Gi' }))), 0, 'full');
  assert.equal(score(plugin, pod(), nodeWith(big())), 97, 'a pod without requests counts 100m and 200Mi');
  assert.equal(
    score(plugin, p, nodeWith(big(), pod(), pod())),
    70,
    'pods without requests count the defaults too',
  );
  assert.equal(
    score(plugin, pod({ cpu: '5' }), nodeWith(big())),
    48,
    'cpu over capacity scores 0; memory counts the 200Mi default: 97',
  );
});

test('MostAllocated: the fuller node scores higher', () => {
  const most = make({ scoringStrategy: { type: 'MostAllocated' } });
  const p = pod({ cpu: '1', memory: '2Gi' });
  assert.equal(score(most, p, nodeWith(big())), 25);
  assert.equal(score(most, p, nodeWith(big(), pod({ cpu: '1', memory: '2Gi' }))), 50);
  assert.equal(score(most, pod({ cpu: '8', memory: '8Gi' }), nodeWith(big())), 100, 'capped at capacity');
});

test('resources and weights from args', () => {
  const weighted = make({
    scoringStrategy: {
      resources: [
        { name: 'cpu', weight: 3 },
        { name: 'memory', weight: 1 },
      ],
    },
  });
  // cpu 2/4 used → 50, memory 2/8 → 75: (3·50 + 75) / 4 = 56.
  assert.equal(score(weighted, pod({ cpu: '2', memory: '2Gi' }), nodeWith(big())), 56);
  const withGpu = make({
    scoringStrategy: { resources: [{ name: 'cpu' }, { name: 'example.com/gpu', weight: 0 }] },
  });
  const gpuNode = node('g', { cpu: '4', memory: '8Gi', pods: '10', 'example.com/gpu': '4' });
  assert.equal(
    score(withGpu, pod({ cpu: '2' }), nodeWith(gpuNode)),
    50,
    'a pod without the extended resource: only cpu',
  );
  assert.equal(
    score(withGpu, pod({ cpu: '2', 'example.com/gpu': '1' }), nodeWith(gpuNode)),
    62,
    '(50 + 75) / 2',
  );
  assert.equal(
    score(withGpu, pod({ cpu: '2', 'example.com/gpu': '1' }), nodeWith(big())),
    50,
    'a node without it',
  );
  assert.throws(
    () => make({ scoringStrategy: { resources: [{ name: 'cpu', weight: 101 }] } }),
    /weight must be an integer from 1 to 100/,
  );
  assert.throws(() => make({ scoringStrategy: { resources: [{ weight: 1 }] } }), /name must name a resource/);
  assert.throws(() => make({ scoringStrategy: { type: 'Random' } }), /is not one of LeastAllocated/);
});

test('RequestedToCapacityRatio: a shape over utilization, scores 0–10 scaled to 0–100', () => {
  const packing = make({
    scoringStrategy: {
      type: 'RequestedToCapacityRatio',
      requestedToCapacityRatio: {
        shape: [
          { utilization: 0, score: 0 },
          { utilization: 100, score: 10 },
        ],
      },
    },
  });
  // cpu 50 %, memory 25 %: (50 + 25) / 2 rounded.
  assert.equal(score(packing, pod({ cpu: '2', memory: '2Gi' }), nodeWith(big())), 38);
  assert.equal(
    score(packing, pod({ cpu: '8', memory: '16Gi' }), nodeWith(big())),
    100,
    'over capacity is 100 %',
  );
  const spreading = make({
    scoringStrategy: {
      type: 'RequestedToCapacityRatio',
      requestedToCapacityRatio: {
        shape: [
          { utilization: 0, score: 10 },
          { utilization: 100, score: 0 },
        ],
      },
    },
  });
  assert.equal(score(spreading, pod({ cpu: '2', memory: '2Gi' }), nodeWith(big())), 63);
  const stepped = make({
    scoringStrategy: {
      type: 'RequestedToCapacityRatio',
      requestedToCapacityRatio: {
        shape: [
          { utilization: 50, score: 2 },
          { utilization: 80, score: 8 },
        ],
      },
    },
  });
  // cpu 75 % → 20 + 60·25/30 = 70; memory 25 % → flat 20 below the first point.
  assert.equal(score(stepped, pod({ cpu: '3', memory: '2Gi' }), nodeWith(big())), 45);
  assert.equal(
    score(stepped, pod({ cpu: '4', memory: '8Gi' }), nodeWith(big())),
    80,
    'flat after the last point',
  );
  assert.throws(
    () => make({ scoringStrategy: { type: 'RequestedToCapacityRatio' } }),
    /shape must list at least one/,
  );
  const bad = (shape: unknown) => () =>
    make({ scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape } } });
  assert.throws(
    bad([
      { utilization: 50, score: 1 },
      { utilization: 50, score: 2 },
    ]),
    /greater than the point before/,
  );
  assert.throws(bad([{ utilization: 101, score: 1 }]), /utilization must be an integer from 0 to 100/);
  assert.throws(bad([{ utilization: 10, score: 11 }]), /score must be an integer from 0 to 10/);
});

test('events: an assigned pod deleted or scaled down, a node added or given more allocatable', () => {
  const events = plugin.eventsToRegister();
  const hint = (resource: string, action: string) => {
    const e = events.find((x) => x.event.resource === resource && x.event.action === action);
    assert.ok(e?.hint, `${resource}/${action} is registered with a hint`);
    return e.hint;
  };
  const p = pod({ cpu: '2' });
  const bound = pod({ cpu: '1' });
  bound.spec!.nodeName = 'n1';
  assert.equal(hint('AssignedPod', 'Delete')(p, bound, undefined), 'Queue');
  assert.equal(hint('AssignedPod', 'Delete')(p, pod({ cpu: '1' }), undefined), 'Skip', 'never bound');
  assert.equal(hint('AssignedPod', 'UpdatePodScaleDown')(p, pod({ cpu: '2' }), pod({ cpu: '1' })), 'Queue');
  assert.equal(
    hint('AssignedPod', 'UpdatePodScaleDown')(p, pod({ memory: '2Gi' }), pod({ memory: '1Gi' })),
    'Skip',
    'a resource the pod does not want',
  );
  const small = node('s', { cpu: '1', memory: '8Gi', pods: '10' });
  const large = node('l', { cpu: '4', memory: '8Gi', pods: '10' });
  assert.equal(hint('Node', 'Add')(p, undefined, large), 'Queue');
  assert.equal(hint('Node', 'Add')(p, undefined, small), 'Skip', 'too small even empty');
  assert.equal(hint('Node', 'UpdateNodeAllocatable')(p, small, large), 'Queue');
  assert.equal(hint('Node', 'UpdateNodeAllocatable')(p, large, large), 'Skip', 'nothing grew');
  assert.equal(hint('Node', 'UpdateNodeAllocatable')(p, large, small), 'Skip', 'shrank');
  const morePods = node('l', { cpu: '4', memory: '8Gi', pods: '20' });
  assert.equal(hint('Node', 'UpdateNodeAllocatable')(p, large, morePods), 'Queue', 'more pod slots');
});
