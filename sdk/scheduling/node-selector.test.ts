import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { NodeSelectorTerm, PreferredSchedulingTerm } from '../gen/wheelhouse/core/v1/scheduling.js';
import {
  compileNodeSelector,
  compileNodeSelectorTerm,
  compilePreferredSchedulingTerms,
  matchesNodeSelector,
  matchesNodeSelectorMap,
  matchesNodeSelectorTerm,
  type NodeLike,
  podMatchesNodeAffinity,
  requiredNodeAffinityOf,
} from './node-selector.js';

const node = (name: string, labels: Record<string, string> = {}): NodeLike => ({
  metadata: { name, labels },
});
const expr = (key: string, operator: string, ...values: string[]) =>
  NodeSelectorTerm.fromPartial({ matchExpressions: [{ key, operator, values }] });
const field = (operator: string, ...values: string[]) =>
  NodeSelectorTerm.fromPartial({ matchFields: [{ key: 'metadata.name', operator, values }] });

const zoneA = node('n1', { zone: 'a', cores: '8', disk: 'ssd' });
const zoneB = node('n2', { zone: 'b', cores: '2' });
const bare = node('n3');

test('In and NotIn: NotIn also matches nodes without the label', () => {
  assert.ok(matchesNodeSelectorTerm(expr('zone', 'In', 'a', 'c'), zoneA));
  assert.ok(!matchesNodeSelectorTerm(expr('zone', 'In', 'a', 'c'), zoneB));
  assert.ok(!matchesNodeSelectorTerm(expr('zone', 'In', 'a'), bare));
  assert.ok(!matchesNodeSelectorTerm(expr('zone', 'NotIn', 'a'), zoneA));
  assert.ok(matchesNodeSelectorTerm(expr('zone', 'NotIn', 'a'), zoneB));
  assert.ok(matchesNodeSelectorTerm(expr('zone', 'NotIn', 'a'), bare));
});

test('Exists and DoesNotExist', () => {
  assert.ok(matchesNodeSelectorTerm(expr('disk', 'Exists'), zoneA));
  assert.ok(!matchesNodeSelectorTerm(expr('disk', 'Exists'), zoneB));
  assert.ok(!matchesNodeSelectorTerm(expr('disk', 'DoesNotExist'), zoneA));
  assert.ok(matchesNodeSelectorTerm(expr('disk', 'DoesNotExist'), bare));
});

test('Gt and Lt compare integers; a label that is not one never matches', () => {
  assert.ok(matchesNodeSelectorTerm(expr('cores', 'Gt', '4'), zoneA));
  assert.ok(!matchesNodeSelectorTerm(expr('cores', 'Gt', '4'), zoneB));
  assert.ok(!matchesNodeSelectorTerm(expr('cores', 'Gt', '8'), zoneA), 'strictly greater');
  assert.ok(matchesNodeSelectorTerm(expr('cores', 'Lt', '4'), zoneB));
  assert.ok(!matchesNodeSelectorTerm(expr('cores', 'Lt', '2'), zoneB), 'strictly less');
  assert.ok(!matchesNodeSelectorTerm(expr('cores', 'Lt', '4'), bare), 'a missing label');
  assert.ok(!matchesNodeSelectorTerm(expr('zone', 'Gt', '1'), zoneA), 'a label that is not an integer');
  assert.ok(matchesNodeSelectorTerm(expr('cores', 'Gt', '-1'), zoneB), 'negative bounds');
});

test('invalid requirements leave the term out, with the reason', () => {
  for (const [term, reason] of [
    [expr('cores', 'Gt', 'x'), /exactly one integer/],
    [expr('cores', 'Gt', '1', '2'), /exactly one integer/],
    [expr('zone', 'In'), /can't be empty/],
    [expr('zone', 'NotIn'), /can't be empty/],
    [expr('zone', 'Exists', 'a'), /must be empty/],
    [expr('zone', 'Equals', 'a'), /Unsupported value: "Equals"/],
    [expr('', 'Exists'), /key: Required/],
    [
      NodeSelectorTerm.fromPartial({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['x'] }] }),
      /supported values: "metadata.name"/,
    ],
    [field('Exists'), /Unsupported value: "Exists"/],
    [field('In', 'n1', 'n2'), /exactly one element/],
  ] as const) {
    const m = compileNodeSelectorTerm(term);
    assert.match(m.errors.join('\n'), reason);
    assert.ok(!m.matches(zoneA) && !m.matches(zoneB) && !m.matches(bare));
  }
});

test('matchFields selects by node name; labels and fields of one term are ANDed', () => {
  assert.ok(matchesNodeSelectorTerm(field('In', 'n1'), zoneA));
  assert.ok(!matchesNodeSelectorTerm(field('In', 'n1'), zoneB));
  assert.ok(matchesNodeSelectorTerm(field('NotIn', 'n1'), zoneB));
  assert.ok(!matchesNodeSelectorTerm(field('NotIn', 'n1'), zoneA));
  const both = NodeSelectorTerm.fromPartial({
    matchExpressions: [
      { key: 'zone', operator: 'In', values: ['a', 'b'] },
      { key: 'disk', operator: 'Exists', values: [] },
    ],
    matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }],
  });
  assert.ok(matchesNodeSelectorTerm(both, zoneA));
  assert.ok(!matchesNodeSelectorTerm(both, zoneB));
});

test('an empty term selects nothing; terms are ORed; an invalid term does not spoil the others', () => {
  assert.ok(!matchesNodeSelectorTerm(NodeSelectorTerm.fromPartial({}), zoneA));
  assert.ok(!matchesNodeSelectorTerm(undefined, zoneA));
  assert.ok(!matchesNodeSelector({ nodeSelectorTerms: [] }, zoneA));
  assert.ok(!matchesNodeSelector(undefined, zoneA));
  const selector = {
    nodeSelectorTerms: [expr('zone', 'In', 'b'), expr('cores', 'Gt', 'x'), expr('disk', 'Exists')],
  };
  assert.ok(matchesNodeSelector(selector, zoneA));
  assert.ok(matchesNodeSelector(selector, zoneB));
  assert.ok(!matchesNodeSelector(selector, bare));
  assert.equal(compileNodeSelector(selector).errors.length, 1);
  assert.match(
    compileNodeSelector(selector).errors[0] ?? '',
    /^nodeSelectorTerms\[1\]\.matchExpressions\[0\]\.values/,
  );
});

test('nodeSelector map: every key with its value', () => {
  assert.ok(matchesNodeSelectorMap({}, undefined));
  assert.ok(matchesNodeSelectorMap(undefined, { a: '1' }));
  assert.ok(matchesNodeSelectorMap({ zone: 'a', disk: 'ssd' }, zoneA.metadata?.labels));
  assert.ok(!matchesNodeSelectorMap({ zone: 'a', disk: 'hdd' }, zoneA.metadata?.labels));
  assert.ok(!matchesNodeSelectorMap({ zone: 'a' }, undefined));
});

test("a pod's required node affinity: nodeSelector and required terms must both hold", () => {
  const pod = (nodeSelector: Record<string, string>, terms?: NodeSelectorTerm[]) =>
    Pod.fromPartial({
      spec: {
        nodeSelector,
        affinity: terms && {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
        },
      },
    });
  assert.ok(podMatchesNodeAffinity(pod({}), bare), 'no constraints');
  assert.ok(podMatchesNodeAffinity(pod({ zone: 'a' }), zoneA));
  assert.ok(!podMatchesNodeAffinity(pod({ zone: 'a' }), zoneB));
  assert.ok(podMatchesNodeAffinity(pod({}, [expr('zone', 'In', 'b')]), zoneB));
  assert.ok(!podMatchesNodeAffinity(pod({ disk: 'ssd' }, [expr('zone', 'In', 'b')]), zoneB));
  assert.ok(!podMatchesNodeAffinity(pod({ zone: 'b' }, [expr('cores', 'Gt', '4')]), zoneB));
  assert.ok(!podMatchesNodeAffinity(pod({}, []), zoneA), 'required affinity with no terms selects nothing');
  assert.deepEqual(requiredNodeAffinityOf(pod({}, [expr('cores', 'Gt', 'x')])).errors.length, 1);
});

test('preferred terms: the sum of the weights of the terms a node matches', () => {
  const terms = [
    PreferredSchedulingTerm.fromPartial({ weight: 10, preference: expr('zone', 'In', 'a') }),
    PreferredSchedulingTerm.fromPartial({ weight: 5, preference: expr('cores', 'Exists') }),
    PreferredSchedulingTerm.fromPartial({ weight: 0, preference: expr('cores', 'Exists') }),
    PreferredSchedulingTerm.fromPartial({ weight: 7, preference: NodeSelectorTerm.fromPartial({}) }),
    PreferredSchedulingTerm.fromPartial({ weight: 3, preference: expr('cores', 'Lt', 'x') }),
  ];
  const preferred = compilePreferredSchedulingTerms(terms);
  assert.equal(preferred.score(zoneA), 15);
  assert.equal(preferred.score(zoneB), 5);
  assert.equal(preferred.score(bare), 0);
  assert.equal(preferred.errors.length, 1);
});
