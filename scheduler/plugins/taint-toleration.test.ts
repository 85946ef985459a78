import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node, type NodeCondition, type Taint } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Toleration } from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import { CycleState } from '../framework/cycle-state.js';
import type {
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  NodeScore,
  PreScorePlugin,
  ScorePlugin,
} from '../framework/interface.js';
import { NodeInfo } from '../framework/node-info.js';
import { TAINT_TOLERATION, taintToleration } from './taint-toleration.js';

const plugin = taintToleration({}, {} as Handle) as FilterPlugin &
  PreScorePlugin &
  ScorePlugin &
  EnqueueExtensions;
const ready = [{ type: 'Ready', status: 'True' }];
const node = (name: string, taints: Partial<Taint>[] = [], conditions: Partial<NodeCondition>[] = ready) =>
  Node.fromPartial({ metadata: { name }, spec: { taints }, status: { conditions } });
const pod = (tolerations: Partial<Toleration>[] = [], uid = 'u1') =>
  Pod.fromPartial({ metadata: { name: 'p', uid }, spec: { containers: [{ name: 'c' }], tolerations } });
const filter = (p: Pod, n: Node) => plugin.filter(new CycleState(), p, new NodeInfo(n));

test('NoSchedule and NoExecute taints reject pods that do not tolerate them, in kube words', () => {
  assert.equal(plugin.name, TAINT_TOLERATION);
  const gpu = node('n1', [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
  const s = filter(pod(), gpu);
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
  const noExec = filter(pod(), node('n1', [{ key: 'evict', value: '', effect: 'NoExecute' }]));
  assert.deepEqual(noExec.reasons, ['node(s) had untolerated taint {evict: }']);
  assert.ok(
    filter(
      pod([{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }]),
      gpu,
    ).isSuccess(),
  );
  assert.ok(filter(pod([{ key: 'dedicated', operator: 'Exists' }]), gpu).isSuccess());
  assert.ok(!filter(pod([{ key: 'dedicated', operator: 'Equal', value: 'cpu' }]), gpu).isSuccess());
  assert.ok(
    filter(pod(), node('n1', [{ key: 'soft', value: 'x', effect: 'PreferNoSchedule' }])).isSuccess(),
    'PreferNoSchedule only scores',
  );
  assert.ok(filter(pod(), node('n1')).isSuccess(), 'no taints');
});

test('the first untolerated taint is the one reported', () => {
  const n = node('n1', [
    { key: 'a', value: '1', effect: 'NoSchedule' },
    { key: 'b', value: '2', effect: 'NoExecute' },
  ]);
  assert.deepEqual(filter(pod(), n).reasons, ['node(s) had untolerated taint {a: 1}']);
  assert.deepEqual(filter(pod([{ key: 'a', operator: 'Exists' }]), n).reasons, [
    'node(s) had untolerated taint {b: 2}',
  ]);
});

test('a node that is not Ready counts as tainted not-ready (or unreachable when Unknown)', () => {
  const notReady = node('n1', [], [{ type: 'Ready', status: 'False' }]);
  assert.deepEqual(filter(pod(), notReady).reasons, [
    'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
  ]);
  assert.equal(filter(pod(), notReady).code, 'UnschedulableAndUnresolvable');
  const unknown = node('n1', [], [{ type: 'Ready', status: 'Unknown' }]);
  assert.deepEqual(filter(pod(), unknown).reasons, [
    'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
  ]);
  const noCondition = node('n1', [], []);
  assert.deepEqual(filter(pod(), noCondition).reasons, [
    'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
  ]);
  const pressure = node(
    'n1',
    [],
    [
      { type: 'MemoryPressure', status: 'False' },
      { type: 'Ready', status: 'True' },
    ],
  );
  assert.ok(filter(pod(), pressure).isSuccess(), 'other conditions do not matter');
  // Tolerating the taint lets the pod go there, as DaemonSet pods that must run everywhere do.
  assert.ok(
    filter(
      pod([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }]),
      notReady,
    ).isSuccess(),
  );
  assert.ok(filter(pod([{ operator: 'Exists' }]), unknown).isSuccess());
  assert.ok(
    !filter(
      pod([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }]),
      notReady,
    ).isSuccess(),
  );
});

test('a not-Ready node already carrying the taint is judged by its own taint only', () => {
  const tainted = node(
    'n1',
    [{ key: 'node.kubernetes.io/not-ready', value: '', effect: 'NoExecute' }],
    [{ type: 'Ready', status: 'False' }],
  );
  const tolerateNoExecute = pod([
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  ]);
  assert.ok(filter(tolerateNoExecute, tainted).isSuccess());
  assert.deepEqual(filter(pod(), tainted).reasons, [
    'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
  ]);
  assert.equal(plugin.filter(new CycleState(), pod(), new NodeInfo()).code, 'Error', 'no Node');
});

test('preScore skips when no node has a PreferNoSchedule taint: every node would score the same', () => {
  const untainted = [node('a'), node('b', [{ key: 'x', value: '1', effect: 'NoSchedule' }])].map(
    (n) => new NodeInfo(n),
  );
  assert.ok(plugin.preScore(new CycleState(), pod(), untainted).isSkip());
  const one = [...untainted, new NodeInfo(node('c', [{ key: 'y', value: '', effect: 'PreferNoSchedule' }]))];
  assert.ok(plugin.preScore(new CycleState(), pod(), one).isSuccess());
});

test('score: fewer intolerable PreferNoSchedule taints score higher, normalized reversed', () => {
  const nodes = [
    node('none'),
    node('one', [{ key: 'a', value: '1', effect: 'PreferNoSchedule' }]),
    node('two', [
      { key: 'a', value: '1', effect: 'PreferNoSchedule' },
      { key: 'b', value: '2', effect: 'PreferNoSchedule' },
      { key: 'c', value: '3', effect: 'NoSchedule' },
    ]),
  ].map((n) => new NodeInfo(n));
  const scoreAll = (p: Pod) => {
    const state = new CycleState();
    assert.ok(plugin.preScore(state, p, nodes).isSuccess());
    const scores: NodeScore[] = nodes.map((n) => ({ name: n.name, score: plugin.score(state, p, n) }));
    assert.ok(plugin.normalizeScore?.(state, p, scores).isSuccess());
    return Object.fromEntries(scores.map((s) => [s.name, s.score]));
  };
  assert.deepEqual(scoreAll(pod()), { none: 100, one: 50, two: 0 });
  assert.deepEqual(scoreAll(pod([{ key: 'b', operator: 'Exists', effect: 'PreferNoSchedule' }])), {
    none: 100,
    one: 0,
    two: 0,
  });
  assert.deepEqual(
    scoreAll(pod([{ key: 'a', operator: 'Exists' }])),
    { none: 100, one: 100, two: 0 },
    'no effect tolerates every effect',
  );
  assert.deepEqual(
    scoreAll(pod([{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }])),
    { none: 100, one: 50, two: 0 },
    'a NoSchedule toleration does not tolerate PreferNoSchedule',
  );
  assert.deepEqual(
    scoreAll(pod([{ operator: 'Exists' }])),
    { none: 100, one: 100, two: 100 },
    'all tolerated: every node scores max',
  );
});

test('events: a node added, its taints or readiness changed, or the pod tolerating more', () => {
  const events = plugin.eventsToRegister();
  const hint = (resource: string, action: string) => {
    const e = events.find((x) => x.event.resource === resource && x.event.action === action);
    assert.ok(e?.hint, `${resource}/${action} is registered with a hint`);
    return e.hint;
  };
  const clean = node('n1');
  const tainted = node('n1', [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
  const notReady = node('n1', [], [{ type: 'Ready', status: 'False' }]);
  assert.equal(hint('Node', 'Add')(pod(), undefined, clean), 'Queue');
  assert.equal(hint('Node', 'Add')(pod(), undefined, tainted), 'Skip');
  assert.equal(hint('Node', 'UpdateNodeTaint')(pod(), tainted, clean), 'Queue');
  assert.equal(hint('Node', 'UpdateNodeTaint')(pod(), clean, tainted), 'Skip');
  assert.equal(hint('Node', 'UpdateNodeTaint')(pod(), clean, clean), 'Skip', 'was fine already');
  assert.equal(hint('Node', 'UpdateNodeCondition')(pod(), notReady, clean), 'Queue', 'became Ready');
  assert.equal(hint('Node', 'UpdateNodeCondition')(pod(), clean, notReady), 'Skip');
  const tolerations = hint('UnscheduledPod', 'UpdatePodTolerations');
  assert.equal(tolerations(pod(), pod(), pod([{ operator: 'Exists' }])), 'Queue');
  assert.equal(tolerations(pod(), pod([], 'u2'), pod([{ operator: 'Exists' }], 'u2')), 'Skip', 'another pod');
});
