import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { TopologySpreadConstraint } from '../../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import { LabelSelector } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { newPodInfo } from '../../framework/node-info.js';
import { createTestFramework, makeNode, makePod, type PodOptions } from '../default-preemption/testing.js';
import { createPodTopologySpread, type PodTopologySpread, parseArgs } from './index.js';

const zoneKey = 'topology.kubernetes.io/zone';
const web = { app: 'web' };

const spread = (extra: Partial<TopologySpreadConstraint> = {}): TopologySpreadConstraint => ({
  ...TopologySpreadConstraint.fromPartial({}),
  maxSkew: 1,
  topologyKey: zoneKey,
  whenUnsatisfiable: 'DoNotSchedule',
  labelSelector: { ...LabelSelector.fromPartial({}), matchLabels: web },
  ...extra,
});
const pod = (name: string, o: PodOptions = {}) => makePod(name, { labels: web, ...o });
const incoming = (c: Partial<TopologySpreadConstraint> = {}, o: PodOptions = {}) =>
  pod('incoming', { topologySpreadConstraints: [spread(c)], ...o });

const nodes = [
  makeNode('a1', { [zoneKey]: 'a' }),
  makeNode('a2', { [zoneKey]: 'a' }),
  makeNode('b1', { [zoneKey]: 'b' }),
  makeNode('nozone'),
];

function filter(pods: Pod[], p: Pod, ns = nodes) {
  const fw = createTestFramework({ nodes: ns, pods, plugins: (h) => [createPodTopologySpread({}, h)] });
  const { state, statuses } = fw.filterAll(p);
  const summary = Object.fromEntries(
    [...statuses].map(([n, s]) => [n, s.isSuccess() ? 'ok' : `${s.code}: ${s.message()}`]),
  );
  return { fw, state, summary };
}

const reject = "Unschedulable: node(s) didn't match pod topology spread constraints";
const missing =
  "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)";

test('maxSkew: the pod goes only where its domain stays within maxSkew of the least loaded one', () => {
  const { summary } = filter([pod('w1', { nodeName: 'a1' }), pod('w2', { nodeName: 'a2' })], incoming());
  assert.deepEqual(summary, { a1: reject, a2: reject, b1: 'ok', nozone: missing });
  // maxSkew 3 allows zone a again (2 + 1 - 0 = 3).
  assert.equal(
    filter([pod('w1', { nodeName: 'a1' }), pod('w2', { nodeName: 'a2' })], incoming({ maxSkew: 3 })).summary
      .a1,
    'ok',
  );
});

test('only pods of the namespace, selected, and not terminating count; the pod counts itself only if selected', () => {
  const others = [
    pod('other-ns', { nodeName: 'a1', namespace: 'other' }),
    pod('going', { nodeName: 'a1', deletionTimestamp: new Date() }),
    makePod('unselected', { nodeName: 'a2', labels: { app: 'db' } }),
  ];
  assert.equal(filter(others, incoming()).summary.a1, 'ok');
  // Not selecting itself: zone a may hold one more than b before it is refused.
  const one = [pod('w1', { nodeName: 'a1' })];
  assert.equal(filter(one, incoming({}, { labels: { app: 'db' } })).summary.a1, 'ok');
  assert.equal(filter(one, incoming()).summary.a1, reject);
});

test('minDomains: while fewer domains are eligible, the global minimum is 0', () => {
  const pods = [pod('w1', { nodeName: 'a1' }), pod('w2', { nodeName: 'b1' })];
  assert.equal(filter(pods, incoming()).summary.a1, 'ok');
  const { summary } = filter(pods, incoming({ minDomains: 3 }));
  assert.equal(summary.a1, reject);
  assert.equal(summary.b1, reject);
});

test('nodeAffinityPolicy: Honor counts only the domains the pod may go to; Ignore counts all', () => {
  const pods = [pod('w1', { nodeName: 'a1' })];
  const onlyA = { nodeSelector: { [zoneKey]: 'a' } };
  // Honor (default): zone b is not a domain, so zone a is the minimum itself.
  assert.equal(filter(pods, incoming({}, onlyA)).summary.a2, 'ok');
  assert.equal(filter(pods, incoming({ nodeAffinityPolicy: 'Ignore' }, onlyA)).summary.a2, reject);
});

test('nodeTaintsPolicy: Honor leaves out nodes with taints the pod does not tolerate; Ignore (default) counts them', () => {
  const tainted = makeNode('b1', { [zoneKey]: 'b' });
  tainted.spec = {
    ...tainted.spec!,
    taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule', timeAdded: undefined }],
  };
  const ns = [nodes[0]!, nodes[1]!, tainted];
  const pods = [pod('w1', { nodeName: 'a1' })];
  assert.equal(filter(pods, incoming(), ns).summary.a2, reject);
  assert.equal(filter(pods, incoming({ nodeTaintsPolicy: 'Honor' }), ns).summary.a2, 'ok');
});

test('matchLabelKeys narrow the selector to pods with the same values as the incoming pod', () => {
  const pods = [pod('old', { nodeName: 'a1', labels: { ...web, rev: '1' } })];
  const p = incoming({ matchLabelKeys: ['rev'] }, { labels: { ...web, rev: '2' } });
  assert.equal(filter(pods, p).summary.a2, 'ok');
  assert.equal(
    filter(pods, incoming({ matchLabelKeys: ['rev'] }, { labels: { ...web, rev: '1' } })).summary.a2,
    reject,
  );
});

test('AddPod and RemovePod keep the counts, and the global minimum, in step', () => {
  const w1 = pod('w1', { nodeName: 'a1' });
  const p = incoming();
  const { fw, state } = filter([w1], p);
  const plugin = fw.plugins[0] as PodTopologySpread;
  const ext = plugin.preFilterExtensions!()!;
  const copy = state.clone();
  assert.ok(!plugin.filter(copy, p, fw.nodeInfo('a2')).isSuccess());
  ext.removePod(copy, p, newPodInfo(w1), fw.nodeInfo('a1'));
  assert.ok(plugin.filter(copy, p, fw.nodeInfo('a2')).isSuccess(), 'zone a is empty again');
  assert.ok(!plugin.filter(state, p, fw.nodeInfo('a2')).isSuccess(), 'the original is untouched');
  ext.addPod(copy, p, newPodInfo(pod('w3', { nodeName: 'b1' })), fw.nodeInfo('b1'));
  assert.equal(
    plugin.filter(copy, p, fw.nodeInfo('b1')).message(),
    "node(s) didn't match pod topology spread constraints",
  );
  assert.ok(plugin.filter(copy, p, fw.nodeInfo('a1')).isSuccess());
});

test('ScheduleAnyway scores the emptier domains higher; nodes without the key score 0', () => {
  const pods = [pod('w1', { nodeName: 'a1' }), pod('w2', { nodeName: 'a2' }), pod('w3', { nodeName: 'a1' })];
  const fw = createTestFramework({ nodes, pods, plugins: (h) => [createPodTopologySpread({}, h)] });
  const scores = Object.fromEntries(fw.scoreAll(incoming({ whenUnsatisfiable: 'ScheduleAnyway' })));
  // Zone a holds 3 matching pods, zone b none: raw a = round(3·ln 4) = 4, b = 0 → b 100, a 100·(4+0−4)/4 = 0.
  assert.deepEqual(scores, { a1: 0, a2: 0, b1: 100, nozone: 0 });
  // DoNotSchedule constraints do not score.
  assert.deepEqual([...fw.scoreAll(incoming()).values()], [0, 0, 0, 0]);
});

test('system default constraints spread the pods of a ReplicaSet by host and zone, and nobody else', () => {
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    name: 'web-1',
    uid: 'rs-uid',
    controller: true,
    blockOwnerDeletion: true,
  };
  const owned = (name: string, nodeName = '') =>
    makePod(name, { labels: web, nodeName, ownerReferences: [rs] });
  const pods = [owned('r1', 'a1'), owned('r2', 'a1'), owned('r3', 'a2'), pod('loose', { nodeName: 'b1' })];
  const fw = createTestFramework({ nodes, pods, plugins: (h) => [createPodTopologySpread({}, h)] });
  const scores = Object.fromEntries(fw.scoreAll(owned('r4')));
  // Hosts: a1 2, a2 1, b1 0, nozone 0 (the loose pod has no owner: it does not count).
  // Zones (nodes without a zone are still spread by host): a 3, b 0.
  assert.ok(
    (scores.b1 ?? 0) > (scores.a2 ?? 0) && (scores.a2 ?? 0) > (scores.a1 ?? 0),
    JSON.stringify(scores),
  );
  assert.equal(scores.nozone, 100);
  // A pod without a replicating owner gets no default constraints.
  assert.deepEqual([...fw.scoreAll(pod('loose2')).values()], [0, 0, 0, 0]);
  // List defaulting with no constraints turns spreading off.
  const off = createTestFramework({
    nodes,
    pods,
    plugins: (h) => [createPodTopologySpread({ defaultingType: 'List' }, h)],
  });
  assert.deepEqual([...off.scoreAll(owned('r5')).values()], [0, 0, 0, 0]);
});

test('args are checked', () => {
  assert.equal(parseArgs({}).defaultConstraints.length, 2);
  assert.throws(() => parseArgs({ defaultingType: 'Bogus' }), /System or List/);
  assert.throws(
    () =>
      parseArgs({
        defaultingType: 'List',
        defaultConstraints: [{ maxSkew: 0, topologyKey: 'k', whenUnsatisfiable: 'DoNotSchedule' }],
      }),
    /maxSkew must be an integer of at least 1/,
  );
});
