import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  PodAffinityTerm,
  type WeightedPodAffinityTerm,
} from '../../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import { LabelSelector } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { newPodInfo } from '../../framework/node-info.js';
import { createTestFramework, makeNode, makePod } from '../default-preemption/testing.js';
import { createInterPodAffinity, type InterPodAffinity } from './index.js';

const zoneKey = 'topology.kubernetes.io/zone';
const hostKey = 'kubernetes.io/hostname';

const sel = (matchLabels: Record<string, string>): LabelSelector => ({
  ...LabelSelector.fromPartial({}),
  matchLabels,
});
const term = (
  labels: Record<string, string>,
  topologyKey: string,
  extra: Partial<PodAffinityTerm> = {},
): PodAffinityTerm => ({
  ...PodAffinityTerm.fromPartial({}),
  labelSelector: sel(labels),
  topologyKey,
  ...extra,
});
const weighted = (weight: number, podAffinityTerm: PodAffinityTerm): WeightedPodAffinityTerm => ({
  weight,
  podAffinityTerm,
});
const affinityPod = (
  name: string,
  labels: Record<string, string>,
  req: { aff?: PodAffinityTerm[]; anti?: PodAffinityTerm[] },
  nodeName = '',
) =>
  makePod(name, {
    labels,
    nodeName,
    affinity: {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: req.aff ?? [],
        preferredDuringSchedulingIgnoredDuringExecution: [],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: req.anti ?? [],
        preferredDuringSchedulingIgnoredDuringExecution: [],
      },
    },
  });
const plain = (name: string, labels: Record<string, string>, nodeName: string, namespace = 'default') =>
  makePod(name, { labels, nodeName, namespace });

const nodes = [
  makeNode('a1', { [zoneKey]: 'a' }),
  makeNode('a2', { [zoneKey]: 'a' }),
  makeNode('b1', { [zoneKey]: 'b' }),
  makeNode('nozone'),
];

function run(pods: Pod[], pod: Pod, namespaces?: Record<string, Record<string, string>>) {
  const fw = createTestFramework({
    nodes,
    pods,
    namespaces,
    plugins: (h) => [createInterPodAffinity({}, h)],
  });
  const { state, statuses } = fw.filterAll(pod);
  const summary = Object.fromEntries(
    [...statuses].map(([n, s]) => [n, s.isSuccess() ? 'ok' : `${s.code}: ${s.message()}`]),
  );
  return { fw, state, summary };
}

test('required affinity: only nodes in a zone holding a matching pod; nodes without the label are unresolvable', () => {
  const { summary } = run(
    [plain('db', { app: 'db' }, 'a2')],
    affinityPod('web', { app: 'web' }, { aff: [term({ app: 'db' }, zoneKey)] }),
  );
  assert.deepEqual(summary, {
    a1: 'ok',
    a2: 'ok',
    b1: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
    nozone: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
  });
});

test('the first pod of a group with affinity to itself may go anywhere that has the topology label', () => {
  const self = affinityPod('w1', { app: 'web' }, { aff: [term({ app: 'web' }, zoneKey)] });
  const { summary } = run([plain('other', { app: 'db' }, 'b1')], self);
  assert.deepEqual(summary, {
    a1: 'ok',
    a2: 'ok',
    b1: 'ok',
    nozone: "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
  });
  // Not its own group: no exception.
  const notSelf = affinityPod('w2', { app: 'web' }, { aff: [term({ app: 'cache' }, zoneKey)] });
  assert.equal(
    run([], notSelf).summary.a1,
    "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
  );
});

test('required anti-affinity of the incoming pod keeps it out of the domain of matching pods', () => {
  const { summary } = run(
    [plain('w1', { app: 'web' }, 'a1')],
    affinityPod('w2', { app: 'web' }, { anti: [term({ app: 'web' }, zoneKey)] }),
  );
  assert.deepEqual(summary, {
    a1: "Unschedulable: node(s) didn't match pod anti-affinity rules",
    a2: "Unschedulable: node(s) didn't match pod anti-affinity rules",
    b1: 'ok',
    nozone: 'ok',
  });
});

test("existing pods' required anti-affinity keeps matching pods out of their domain", () => {
  const existing = affinityPod('lonely', { app: 'lonely' }, { anti: [term({ app: 'web' }, hostKey)] }, 'b1');
  const { summary, state } = run([existing], plain('w', { app: 'web' }, ''));
  assert.deepEqual(summary, {
    a1: 'ok',
    a2: 'ok',
    b1: "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
    nozone: 'ok',
  });
  assert.ok(!state.skipFilterPlugins.has('InterPodAffinity'));
  // A pod it does not select is not affected, and the plugin skips its Filter.
  const other = run([existing], plain('x', { app: 'other' }, ''));
  assert.ok(other.state.skipFilterPlugins.has('InterPodAffinity'));
});

test('namespaces: the own namespace by default, listed namespaces, and a namespaceSelector', () => {
  const pods = [plain('db', { app: 'db' }, 'b1', 'prod')];
  const withTerm = (t: Partial<PodAffinityTerm>) =>
    affinityPod('web', { app: 'web' }, { aff: [term({ app: 'db' }, zoneKey, t)] });
  const ns = { prod: { env: 'prod' }, default: {} };
  // Only the own namespace ("default"): no db pod there, and web does not match its own term.
  assert.equal(
    run(pods, withTerm({}), ns).summary.b1,
    "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
  );
  assert.equal(run(pods, withTerm({ namespaces: ['prod'] }), ns).summary.b1, 'ok');
  assert.equal(run(pods, withTerm({ namespaceSelector: sel({ env: 'prod' }) }), ns).summary.b1, 'ok');
  assert.equal(
    run(pods, withTerm({ namespaceSelector: sel({ env: 'dev' }) }), ns).summary.b1,
    "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
  );
  // {} selects every namespace.
  assert.equal(run(pods, withTerm({ namespaceSelector: sel({}) }), ns).summary.b1, 'ok');
});

test('matchLabelKeys and mismatchLabelKeys take their values from the pod that owns the term', () => {
  const pods = [plain('v1', { app: 'web', rev: '1' }, 'a1'), plain('v2', { app: 'web', rev: '2' }, 'b1')];
  const anti = (t: Partial<PodAffinityTerm>) =>
    affinityPod('new', { app: 'web', rev: '2' }, { anti: [term({ app: 'web' }, zoneKey, t)] });
  // Only pods of the same revision repel it.
  const same = run(pods, anti({ matchLabelKeys: ['rev'] })).summary;
  assert.equal(same.a1, 'ok');
  assert.equal(same.b1, "Unschedulable: node(s) didn't match pod anti-affinity rules");
  // Only pods of another revision repel it.
  const other = run(pods, anti({ mismatchLabelKeys: ['rev'] })).summary;
  assert.equal(other.a1, "Unschedulable: node(s) didn't match pod anti-affinity rules");
  assert.equal(other.b1, 'ok');
});

test('AddPod and RemovePod update the counts as if the pod were there or gone', () => {
  const existing = plain('w1', { app: 'web' }, 'a1');
  const pod = affinityPod('w2', { app: 'web' }, { anti: [term({ app: 'web' }, zoneKey)] });
  const { fw, state } = run([existing], pod);
  const plugin = fw.plugins[0] as InterPodAffinity;
  const ext = plugin.preFilterExtensions!()!;
  const a2 = fw.nodeInfo('a2');
  const copy = state.clone();
  assert.ok(ext.removePod(copy, pod, newPodInfo(existing), fw.nodeInfo('a1')).isSuccess());
  assert.ok(plugin.filter(copy, pod, a2).isSuccess(), 'a2 fits once w1 is gone');
  assert.ok(!plugin.filter(state, pod, a2).isSuccess(), 'the original state is untouched');
  const b = plain('w3', { app: 'web' }, 'b1');
  assert.ok(ext.addPod(copy, pod, newPodInfo(b), fw.nodeInfo('b1')).isSuccess());
  assert.equal(
    plugin.filter(copy, pod, fw.nodeInfo('b1')).message(),
    "node(s) didn't match pod anti-affinity rules",
  );
  // An added pod with anti-affinity against the incoming pod.
  const lonely = affinityPod('l', { app: 'l' }, { anti: [term({ app: 'web' }, hostKey)] }, 'nozone');
  assert.ok(plugin.filter(copy, pod, fw.nodeInfo('nozone')).isSuccess());
  ext.addPod(copy, pod, newPodInfo(lonely), fw.nodeInfo('nozone'));
  assert.equal(
    plugin.filter(copy, pod, fw.nodeInfo('nozone')).message(),
    "node(s) didn't satisfy existing pods anti-affinity rules",
  );
});

test('a pod without terms when no pod has affinity visits no pod: PreFilter answers Skip', () => {
  const fw = createTestFramework({
    nodes,
    pods: [plain('x', { app: 'x' }, 'a1')],
    plugins: (h) => [createInterPodAffinity({}, h)],
  });
  // Pods are visited through their node's lists; none of them is touched when no list has entries.
  for (const ni of fw.nodeInfos) {
    Object.defineProperty(ni, 'pods', {
      get() {
        throw new Error('scanned every pod');
      },
    });
  }
  assert.ok(fw.preFilter(plain('y', { app: 'y' }, '')).state.skipFilterPlugins.has('InterPodAffinity'));
  assert.deepEqual([...fw.scoreAll(plain('y', { app: 'y' }, '')).values()], [0, 0, 0, 0]);
});

test('scores: preferred terms of the incoming pod, and of existing pods, both directions, normalized', () => {
  const pods = [
    plain('db', { app: 'db' }, 'a1'),
    plain('noisy', { app: 'noisy' }, 'b1'),
    // An existing pod that requires to be with web pods draws web towards its zone (hardPodAffinityWeight).
    affinityPod('sidecar', { app: 'sidecar' }, { aff: [term({ app: 'web' }, hostKey)] }, 'nozone'),
  ];
  const web = makePod('web', {
    labels: { app: 'web' },
    affinity: {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [],
        preferredDuringSchedulingIgnoredDuringExecution: [weighted(10, term({ app: 'db' }, zoneKey))],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [],
        preferredDuringSchedulingIgnoredDuringExecution: [weighted(5, term({ app: 'noisy' }, zoneKey))],
      },
    },
  });
  const score = (args: Record<string, unknown>) =>
    Object.fromEntries(
      createTestFramework({ nodes, pods, plugins: (h) => [createInterPodAffinity(args, h)] }).scoreAll(web),
    );
  // Raw: a1 = a2 = 10, b1 = -5, nozone = 1 (hard weight 1) → normalized over [-5, 10].
  assert.deepEqual(score({}), { a1: 100, a2: 100, b1: 0, nozone: 40 });
  // hardPodAffinityWeight 100 puts nozone (raw 100) on top.
  assert.deepEqual(score({ hardPodAffinityWeight: 100 }), { a1: 14, a2: 14, b1: 0, nozone: 100 });
  // Existing pods' preferred anti-affinity pushes the incoming pod away.
  const repel = makePod('repel', {
    labels: { app: 'r' },
    nodeName: 'b1',
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [],
        preferredDuringSchedulingIgnoredDuringExecution: [weighted(50, term({ app: 'plain' }, zoneKey))],
      },
    },
  });
  const s = createTestFramework({
    nodes,
    pods: [repel],
    plugins: (h) => [createInterPodAffinity({}, h)],
  }).scoreAll(plain('p', { app: 'plain' }, ''));
  assert.deepEqual(Object.fromEntries(s), { a1: 100, a2: 100, b1: 0, nozone: 100 });
});

test('invalid args are refused naming the field', () => {
  const fw = createTestFramework({ nodes, plugins: () => [] });
  assert.throws(
    () => createInterPodAffinity({ hardPodAffinityWeight: 101 }, fw.handle),
    /hardPodAffinityWeight must be/,
  );
});

test('ignorePreferredTermsOfExistingPods: a pod without preferred terms of its own is not scored', () => {
  const sidecar = affinityPod(
    'sidecar',
    { app: 'sidecar' },
    { aff: [term({ app: 'web' }, hostKey)] },
    'nozone',
  );
  const score = (args: Record<string, unknown>) =>
    Object.fromEntries(
      createTestFramework({
        nodes,
        pods: [sidecar],
        plugins: (h) => [createInterPodAffinity(args, h)],
      }).scoreAll(plain('web', { app: 'web' }, '')),
    );
  // By default the existing pod's required affinity draws web to its host.
  assert.deepEqual(score({}), { a1: 0, a2: 0, b1: 0, nozone: 100 });
  assert.deepEqual(score({ ignorePreferredTermsOfExistingPods: true }), { a1: 0, a2: 0, b1: 0, nozone: 0 });
});
