import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  NodeSelectorRequirement,
  NodeSelectorTerm,
  type PreferredSchedulingTerm,
} from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import { CycleState } from '../framework/cycle-state.js';
import type {
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  NodeScore,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from '../framework/interface.js';
import { NodeInfo } from '../framework/node-info.js';
import {
  ERR_REASON_CONFLICT,
  ERR_REASON_ENFORCED,
  ERR_REASON_POD,
  NODE_AFFINITY,
  nodeAffinity,
  nodeNamesOfRequiredTerms,
} from './node-affinity.js';

type NodeAffinityPlugin = PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
const make = (args: Record<string, unknown> = {}) => nodeAffinity(args, {} as Handle) as NodeAffinityPlugin;
const plugin = make();

const node = (name: string, labels: Record<string, string> = {}) =>
  Node.fromPartial({ metadata: { name, labels } });
const req = (key: string, operator: string, ...values: string[]) =>
  NodeSelectorRequirement.fromPartial({ key, operator, values });
const term = (...matchExpressions: NodeSelectorRequirement[]) =>
  NodeSelectorTerm.fromPartial({ matchExpressions });
const nameTerm = (...names: string[]) =>
  NodeSelectorTerm.fromPartial({ matchFields: [{ key: 'metadata.name', operator: 'In', values: names }] });
const pod = (
  opts: {
    nodeSelector?: Record<string, string>;
    required?: NodeSelectorTerm[];
    preferred?: Partial<PreferredSchedulingTerm>[];
  } = {},
) =>
  Pod.fromPartial({
    metadata: { name: 'p', uid: 'u1' },
    spec: {
      containers: [{ name: 'c' }],
      nodeSelector: opts.nodeSelector ?? {},
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: opts.required && {
            nodeSelectorTerms: opts.required,
          },
          preferredDuringSchedulingIgnoredDuringExecution: opts.preferred ?? [],
        },
      },
    },
  });

const zoneA = node('n1', { zone: 'a', gpu: 'true', cores: '16' });
const zoneB = node('n2', { zone: 'b', cores: '4' });
const bare = node('n3');

/** PreFilter then Filter, as a cycle runs them; Skip means the node passes. */
function run(p: Pod, n: Node, pl: NodeAffinityPlugin = plugin) {
  const state = new CycleState();
  const pre = pl.preFilter(state, p, []);
  if (pre.status.isSkip()) return pre.status;
  if (!pre.status.isSuccess()) return pre.status;
  return pl.filter(state, p, new NodeInfo(n));
}

test('a pod without selector or required affinity skips Filter', () => {
  assert.equal(plugin.name, NODE_AFFINITY);
  assert.ok(plugin.preFilter(new CycleState(), pod(), []).status.isSkip());
});

test('nodeSelector: every label with its value, else unresolvable with kube words', () => {
  assert.ok(run(pod({ nodeSelector: { zone: 'a' } }), zoneA).isSuccess());
  const s = run(pod({ nodeSelector: { zone: 'a', gpu: 'false' } }), zoneA);
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, [ERR_REASON_POD]);
  assert.equal(s.message(), "node(s) didn't match Pod's node affinity/selector");
  assert.ok(!run(pod({ nodeSelector: { zone: 'a' } }), bare).isSuccess());
});

test('required node affinity: every operator', () => {
  const cases: [NodeSelectorRequirement, Node, boolean][] = [
    [req('zone', 'In', 'a', 'c'), zoneA, true],
    [req('zone', 'In', 'c'), zoneA, false],
    [req('zone', 'NotIn', 'a'), zoneA, false],
    [req('zone', 'NotIn', 'a'), zoneB, true],
    [req('zone', 'NotIn', 'a'), bare, true],
    [req('gpu', 'Exists'), zoneA, true],
    [req('gpu', 'Exists'), zoneB, false],
    [req('gpu', 'DoesNotExist'), zoneB, true],
    [req('gpu', 'DoesNotExist'), zoneA, false],
    [req('cores', 'Gt', '8'), zoneA, true],
    [req('cores', 'Gt', '8'), zoneB, false],
    [req('cores', 'Gt', '8'), bare, false],
    [req('cores', 'Lt', '8'), zoneB, true],
    [req('cores', 'Lt', '8'), zoneA, false],
    [req('cores', 'Lt', 'eight'), zoneB, false],
  ];
  for (const [r, n, fits] of cases) {
    const s = run(pod({ required: [term(r)] }), n);
    assert.equal(s.isSuccess(), fits, `${r.key} ${r.operator} ${r.values?.join(',')} on ${n.metadata?.name}`);
    if (!fits) assert.deepEqual(s.reasons, [ERR_REASON_POD]);
  }
});

test('terms are ORed, requirements of a term ANDed, and nodeSelector must hold too', () => {
  const anded = pod({ required: [term(req('zone', 'In', 'a', 'b'), req('gpu', 'Exists'))] });
  assert.ok(run(anded, zoneA).isSuccess());
  assert.ok(!run(anded, zoneB).isSuccess());
  const ored = pod({ required: [term(req('zone', 'In', 'b')), term(req('gpu', 'Exists'))] });
  assert.ok(run(ored, zoneA).isSuccess());
  assert.ok(run(ored, zoneB).isSuccess());
  assert.ok(!run(ored, bare).isSuccess());
  const both = pod({ nodeSelector: { zone: 'b' }, required: [term(req('gpu', 'Exists'))] });
  assert.ok(!run(both, zoneA).isSuccess(), 'affinity holds, selector does not');
  assert.ok(!run(both, zoneB).isSuccess(), 'selector holds, affinity does not');
  assert.ok(
    !run(pod({ required: [NodeSelectorTerm.fromPartial({})] }), zoneA).isSuccess(),
    'an empty term selects nothing',
  );
  assert.ok(!run(pod({ required: [] }), zoneA).isSuccess(), 'no terms select nothing');
});

test('Filter without PreFilter state computes the affinity itself', () => {
  assert.ok(
    !plugin.filter(new CycleState(), pod({ nodeSelector: { zone: 'z' } }), new NodeInfo(zoneA)).isSuccess(),
  );
  assert.equal(plugin.filter(new CycleState(), pod(), new NodeInfo()).code, 'Error', 'no Node');
});

test('PreFilter narrows to the nodes named by matchFields metadata.name', () => {
  const pre = (p: Pod) => plugin.preFilter(new CycleState(), p, []);
  assert.deepEqual(
    [...(pre(pod({ required: [nameTerm('n1', 'n2')] })).result?.nodeNames ?? [])],
    ['n1', 'n2'],
  );
  assert.deepEqual(
    [...(pre(pod({ required: [nameTerm('n1'), nameTerm('n3')] })).result?.nodeNames ?? [])].sort(),
    ['n1', 'n3'],
    'terms ORed: the union',
  );
  const intersect = pod({
    required: [
      NodeSelectorTerm.fromPartial({
        matchFields: [
          { key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] },
          { key: 'metadata.name', operator: 'In', values: ['n2', 'n3'] },
        ],
      }),
    ],
  });
  assert.deepEqual(
    [...(pre(intersect).result?.nodeNames ?? [])],
    ['n2'],
    'requirements ANDed: the intersection',
  );
  assert.equal(
    pre(pod({ required: [nameTerm('n1'), term(req('zone', 'In', 'a'))] })).result,
    undefined,
    'a term without names allows every node',
  );
  assert.equal(pre(pod({ nodeSelector: { zone: 'a' } })).result, undefined);
  const conflict = pod({
    required: [
      NodeSelectorTerm.fromPartial({
        matchFields: [
          { key: 'metadata.name', operator: 'In', values: ['n1'] },
          { key: 'metadata.name', operator: 'In', values: ['n2'] },
        ],
      }),
    ],
  });
  const s = pre(conflict).status;
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, [ERR_REASON_CONFLICT]);
  assert.equal(nodeNamesOfRequiredTerms(pod()), undefined);
  // The named node still passes Filter; the others would not.
  assert.ok(run(pod({ required: [nameTerm('n1')] }), zoneA).isSuccess());
  assert.ok(!run(pod({ required: [nameTerm('n1')] }), zoneB).isSuccess());
});

test('addedAffinity: scheduler-enforced required terms apply to every pod', () => {
  const enforced = make({
    addedAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
      },
    },
  });
  assert.ok(
    enforced.preFilter(new CycleState(), pod(), []).status.isSuccess(),
    'not skipped for a plain pod',
  );
  assert.ok(run(pod(), zoneA, enforced).isSuccess());
  const s = run(pod(), zoneB, enforced);
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, [ERR_REASON_ENFORCED]);
  assert.deepEqual(run(pod({ nodeSelector: { gpu: 'false' } }), zoneA, enforced).reasons, [ERR_REASON_POD]);
  assert.throws(
    () =>
      make({
        addedAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Gt', values: ['x'] }] }],
          },
        },
      }),
    /addedAffinity.*exactly one integer/,
  );
});

function scoreAll(pl: NodeAffinityPlugin, p: Pod, nodes: Node[]) {
  const infos = nodes.map((n) => new NodeInfo(n));
  const state = new CycleState();
  const pre = pl.preScore(state, p, infos);
  if (pre.isSkip()) return 'skip';
  assert.ok(pre.isSuccess(), pre.message());
  const scores: NodeScore[] = infos.map((n) => ({ name: n.name, score: pl.score(state, p, n) }));
  assert.ok(pl.normalizeScore?.(state, p, scores).isSuccess());
  return Object.fromEntries(scores.map((s) => [s.name, s.score]));
}

test('score: preferred terms weighted and normalized to 100', () => {
  const p = pod({
    preferred: [
      { weight: 60, preference: term(req('zone', 'In', 'a')) },
      { weight: 20, preference: term(req('cores', 'Gt', '2')) },
    ],
  });
  assert.deepEqual(scoreAll(plugin, p, [zoneA, zoneB, bare]), { n1: 100, n2: 25, n3: 0 });
  assert.equal(scoreAll(plugin, pod(), [zoneA, zoneB]), 'skip', 'no preferred terms');
  const none = pod({ preferred: [{ weight: 5, preference: term(req('zone', 'In', 'z')) }] });
  assert.deepEqual(scoreAll(plugin, none, [zoneA, zoneB]), { n1: 0, n2: 0 }, 'nothing matches: all zero');
  const bad = pod({ preferred: [{ weight: 5, preference: term(req('cores', 'Lt', 'x')) }] });
  assert.equal(plugin.preScore(new CycleState(), bad, [new NodeInfo(zoneA)]).code, 'Error');
});

test('score: addedAffinity preferred terms add to the pod own', () => {
  const pl = make({
    addedAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } },
      ],
    },
  });
  assert.deepEqual(scoreAll(pl, pod(), [zoneA, zoneB]), { n1: 0, n2: 100 });
  const p = pod({ preferred: [{ weight: 30, preference: term(req('zone', 'In', 'a')) }] });
  assert.deepEqual(scoreAll(pl, p, [zoneA, zoneB]), { n1: 100, n2: 33 });
});

test('events: a node added or relabelled so that it now matches', () => {
  const events = plugin.eventsToRegister();
  const hint = (action: string) => {
    const e = events.find((x) => x.event.resource === 'Node' && x.event.action === action);
    assert.ok(e?.hint, `Node/${action} is registered with a hint`);
    return e.hint;
  };
  const p = pod({ nodeSelector: { zone: 'a' } });
  assert.equal(hint('Add')(p, undefined, zoneA), 'Queue');
  assert.equal(hint('Add')(p, undefined, zoneB), 'Skip');
  assert.equal(hint('UpdateNodeLabel')(p, zoneB, zoneA), 'Queue');
  assert.equal(hint('UpdateNodeLabel')(p, zoneA, zoneA), 'Skip', 'matched before');
  assert.equal(hint('UpdateNodeLabel')(p, zoneA, zoneB), 'Skip', 'no longer matches');
  assert.equal(events.length, 2);
});
