import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clientset } from '../../../sdk/client/typed-client.js';
import type { EventRecorder } from '../../../sdk/events/index.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { LabelSelector } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { FilterPlugin, Handle, NodeToStatus, PostFilterPlugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { Status } from '../../framework/status.js';
import { createInterPodAffinity } from '../inter-pod-affinity/index.js';
import { createDefaultPreemption, parseArgs } from './index.js';
import { type Candidate, pickOneNodeForPreemption } from './pick-node.js';
import { selectVictimsOnNode } from './select-victims.js';
import { createTestFramework, makeNode, makePdb, makePod } from './testing.js';

/**
 * A Filter for these tests only: a node takes as many pods as its `pods` allocatable,
 * which is all preemption needs to see room being made.
 */
const podSlots = (): FilterPlugin => ({
  name: 'PodSlots',
  filter: (_state, _pod, ni: NodeInfo) =>
    ni.pods.length < ni.allocatable.allowedPodNumber ? Status.SUCCESS : Status.unschedulable('Too many pods'),
});

const slots = (n: number) => ({ cpu: '4', memory: '8Gi', pods: String(n) });
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

function frameworkOf(nodes: ReturnType<typeof makeNode>[], pods: Pod[], nominated?: Record<string, Pod[]>) {
  const fw = createTestFramework({
    nodes,
    pods,
    nominated,
    plugins: (h) => [podSlots(), createInterPodAffinity({}, h)],
  });
  return fw;
}

/** Filter every node, then PostFilter as the scheduler would; the plugin never reaches the API here. */
async function preempt(fw: ReturnType<typeof frameworkOf>, pod: Pod, make?: (h: Handle) => PostFilterPlugin) {
  const { state, statuses } = fw.filterAll(pod);
  const plugin = (make ?? ((h) => createDefaultPreemption({}, h, { random: () => 0 })))(fw.handle);
  return plugin.postFilter(state, pod, statuses as NodeToStatus);
}

test('victims: every lower-priority pod goes, then the most important are reprieved while the pod still fits', () => {
  const pods = [
    makePod('low-old', { nodeName: 'n1', priority: 1, startTime: at(1) }),
    makePod('low-new', { nodeName: 'n1', priority: 1, startTime: at(2) }),
    makePod('mid', { nodeName: 'n1', priority: 5 }),
    makePod('high', { nodeName: 'n1', priority: 100 }),
  ];
  const fw = frameworkOf([makeNode('n1', {}, slots(4))], pods);
  const preemptor = makePod('p', { priority: 10 });
  const { state } = fw.preFilter(preemptor);
  const r = selectVictimsOnNode(fw.handle, state.clone(), preemptor, fw.nodeInfo('n1').clone());
  assert.ok(r.status.isSuccess());
  // One slot is needed: mid and the older low pod are reprieved, the newest low pod goes.
  assert.deepEqual(
    r.victims?.pods.map((p) => p.metadata?.name),
    ['low-new'],
  );
  assert.equal(fw.nodeInfo('n1').pods.length, 4, 'the snapshot is untouched');
});

test('victims: none of lower priority is unresolvable; not fitting without them returns the Filter status', () => {
  const fw = frameworkOf([makeNode('n1', {}, slots(1))], [makePod('same', { nodeName: 'n1', priority: 10 })]);
  const pod = makePod('p', { priority: 10 });
  const r = selectVictimsOnNode(fw.handle, fw.preFilter(pod).state, pod, fw.nodeInfo('n1').clone());
  assert.equal(r.status.code, 'UnschedulableAndUnresolvable');
  assert.equal(r.status.message(), 'No preemption victims found for incoming pod');

  const fw2 = frameworkOf(
    [makeNode('n1', {}, slots(2))],
    [
      makePod('a', { nodeName: 'n1', priority: 1 }),
      makePod('b', { nodeName: 'n1', priority: 20 }),
      makePod('c', { nodeName: 'n1', priority: 20 }),
    ],
  );
  const r2 = selectVictimsOnNode(fw2.handle, fw2.preFilter(pod).state, pod, fw2.nodeInfo('n1').clone());
  assert.equal(r2.status.message(), 'Too many pods');
});

test('victims: pods a disruption budget protects are reprieved first, and counted when they must go', () => {
  const pods = [
    makePod('guarded', { nodeName: 'n1', priority: 1, labels: { app: 'db' } }),
    makePod('free', { nodeName: 'n1', priority: 2, labels: { app: 'cache' } }),
  ];
  const fw = frameworkOf([makeNode('n1', {}, slots(2))], pods);
  const preemptor = makePod('p', { priority: 10 });
  const victimsWith = (pdbs: ReturnType<typeof makePdb>[], node = fw) => {
    const { state } = node.preFilter(preemptor);
    const r = selectVictimsOnNode(node.handle, state, preemptor, node.nodeInfo('n1').clone(), pdbs);
    assert.ok(r.status.isSuccess(), r.status.message());
    return { names: r.victims?.pods.map((p) => p.metadata?.name), violations: r.victims?.numPDBViolations };
  };
  // Without a budget the least important pod goes.
  assert.deepEqual(victimsWith([]), { names: ['guarded'], violations: 0 });
  // A budget with no disruption left spares it: the more important but unprotected pod goes instead.
  assert.deepEqual(victimsWith([makePdb('db', { app: 'db' }, 0)]), { names: ['free'], violations: 0 });
  // A budget that still allows a disruption protects nothing.
  assert.deepEqual(victimsWith([makePdb('db', { app: 'db' }, 1)]), { names: ['guarded'], violations: 0 });
  // When only protected pods can make room, they go, and the violation is counted.
  const full = frameworkOf(
    [makeNode('n1', {}, slots(1))],
    [makePod('only', { nodeName: 'n1', priority: 1, labels: { app: 'db' } })],
  );
  assert.deepEqual(victimsWith([makePdb('db', { app: 'db' }, 0)], full), { names: ['only'], violations: 1 });
});

test('pickOneNodeForPreemption: fewest PDB violations, lowest top priority, smallest sum, fewest, latest start', () => {
  const v = (name: string, priority: number, start = 0) => makePod(name, { priority, startTime: at(start) });
  const c = (nodeName: string, pods: Pod[], numPDBViolations = 0): Candidate => ({
    nodeName,
    victims: { pods, numPDBViolations },
  });
  const pick = (...cs: Candidate[]) => pickOneNodeForPreemption(cs)?.nodeName;
  assert.equal(pick(c('a', [v('x', 1)], 1), c('b', [v('y', 5)], 0)), 'b');
  assert.equal(pick(c('a', [v('x', 5)]), c('b', [v('y', 3), v('z', 3)])), 'b');
  assert.equal(pick(c('a', [v('x', 5), v('y', 4)]), c('b', [v('z', 5), v('w', 1)])), 'b');
  // Negative priorities: more victims never look cheaper.
  assert.equal(pick(c('a', [v('x', -5), v('y', -5)]), c('b', [v('z', -5)])), 'b');
  assert.equal(pick(c('a', [v('x', 5, 10)]), c('b', [v('y', 5, 20)])), 'b', 'evict what started last');
  assert.equal(pick(c('a', [v('x', 5, 10)]), c('b', [v('y', 5, 10)])), 'a');
  assert.equal(pick(), undefined);
});

/** Records the API calls preemption makes, in place of the apiserver (the end-to-end test uses a real one). */
function recordingApi() {
  const calls: string[] = [];
  const events: string[] = [];
  const pods = {
    delete: async (ns: string, name: string) => {
      calls.push(`delete ${ns}/${name}`);
      return makePod(name);
    },
    updateStatus: async (p: Pod) => {
      const cond = p.status?.conditions.find((c) => c.type === 'DisruptionTarget');
      calls.push(
        `status ${p.metadata?.name} nominated=${p.status?.nominatedNodeName}${cond ? ` ${cond.reason}` : ''}`,
      );
      return p;
    },
    get: async () => {
      throw new Error('no conflict expected');
    },
  };
  const clients = { api: undefined, kind: () => pods, close() {} } as unknown as Clientset;
  const recorder: EventRecorder = {
    event: (obj, type, reason, message) =>
      events.push(`${obj.kind} ${obj.metadata?.name} ${type} ${reason}: ${message}`),
    flush: async () => {},
    dropped: 0,
    droppedByReason: { queue_full: 0, rate_limited: 0, write_failed: 0 },
    queued: 0,
    withComponent: () => recorder,
  };
  return { calls, events, clients, recorder };
}

test('PostFilter evicts on the node whose victims matter least; only Unschedulable nodes are tried', async () => {
  const nodes = [
    makeNode('n1', {}, slots(1)),
    makeNode('n2', {}, slots(1)),
    makeNode('n3', { gpu: 'yes' }, slots(1)),
  ];
  const pods = [
    makePod('a', { nodeName: 'n1', priority: 5 }),
    makePod('b', { nodeName: 'n2', priority: 3 }),
    makePod('c', { nodeName: 'n3', priority: 0 }),
  ];
  const api = recordingApi();
  const lowerNominated = makePod('waiting', { priority: 4 });
  lowerNominated.status!.nominatedNodeName = 'n2';
  const fw = createTestFramework({
    nodes,
    pods,
    nominated: { n2: [lowerNominated] },
    clients: api.clients,
    events: api.recorder,
    plugins: () => [podSlots()],
  });
  const pod = makePod('p', { priority: 10 });
  const { state, statuses } = fw.filterAll(pod);
  // n3 is rejected as unresolvable (as a label mismatch would be): evicting c there cannot help.
  statuses.set('n3', Status.unresolvable("node(s) didn't match Pod's node affinity/selector"));
  const r = await createDefaultPreemption({}, fw.handle, { random: () => 0.5 }).postFilter(
    state,
    pod,
    statuses,
  );
  assert.ok(r.status.isSuccess(), r.status.message());
  assert.equal(r.nominatedNodeName, 'n2');
  assert.deepEqual(api.calls, [
    'status b nominated= PreemptionByScheduler',
    'delete default/b',
    'status waiting nominated=',
  ]);
  assert.deepEqual(api.events, ['Pod b Normal Preempted: Preempted by default/p on node n2']);
});

test('PostFilter prefers a node whose victims break no disruption budget, even of higher priority', async () => {
  const nodes = [makeNode('n1', {}, slots(1)), makeNode('n2', {}, slots(1))];
  const pods = [
    makePod('guarded', { nodeName: 'n1', priority: 1, labels: { app: 'db' } }),
    makePod('free', { nodeName: 'n2', priority: 5, labels: { app: 'cache' } }),
  ];
  const run = async (pdbs: ReturnType<typeof makePdb>[]) => {
    const api = recordingApi();
    const fw = createTestFramework({
      nodes,
      pods,
      pdbs,
      clients: api.clients,
      events: api.recorder,
      plugins: () => [podSlots()],
    });
    const pod = makePod('p', { priority: 10 });
    const { state, statuses } = fw.filterAll(pod);
    const r = await createDefaultPreemption({}, fw.handle, { random: () => 0 }).postFilter(
      state,
      pod,
      statuses,
    );
    assert.ok(r.status.isSuccess(), r.status.message());
    return { node: r.nominatedNodeName, deleted: api.calls.filter((c) => c.startsWith('delete')) };
  };
  assert.deepEqual(await run([]), { node: 'n1', deleted: ['delete default/guarded'] });
  assert.deepEqual(await run([makePdb('db', { app: 'db' }, 0)]), {
    node: 'n2',
    deleted: ['delete default/free'],
  });
  // Every candidate breaks a budget: still preempts, on the fewest violations.
  assert.deepEqual(await run([makePdb('db', { app: 'db' }, 0), makePdb('cache', { app: 'cache' }, 0)]), {
    node: 'n1',
    deleted: ['delete default/guarded'],
  });
});

test('a nominated pod for which preemption no longer helps loses its nomination', async () => {
  const api = recordingApi();
  const fw = createTestFramework({
    nodes: [makeNode('n1', {}, slots(1))],
    pods: [makePod('x', { nodeName: 'n1', priority: 10 })],
    clients: api.clients,
    events: api.recorder,
    plugins: () => [podSlots()],
  });
  const pod = makePod('p', { priority: 10 });
  pod.status!.nominatedNodeName = 'n1';
  const { state, statuses } = fw.filterAll(pod);
  const r = await createDefaultPreemption({}, fw.handle).postFilter(state, pod, statuses);
  assert.equal(
    r.status.message(),
    'preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.',
  );
  assert.equal(r.nominatedNodeName, '');
  assert.deepEqual(api.calls, ['status p nominated=']);
});

test('PostFilter messages: Never, no victims, not helpful — worded as kube-scheduler words them', async () => {
  const nodes = [makeNode('n1', {}, slots(1)), makeNode('n2', {}, slots(1)), makeNode('n3', {}, slots(1))];
  const full = [0, 1, 2].map((i) => makePod(`x${i}`, { nodeName: `n${i + 1}`, priority: 10 }));
  const fw = frameworkOf(nodes, full);

  const never = await preempt(fw, makePod('never', { priority: 100, preemptionPolicy: 'Never' }));
  assert.equal(never.status.code, 'Unschedulable');
  assert.equal(never.status.message(), 'preemption: not eligible due to preemptionPolicy=Never.');

  const same = await preempt(fw, makePod('same', { priority: 10 }));
  assert.equal(same.status.code, 'Unschedulable');
  assert.equal(
    same.status.message(),
    'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
  );
  assert.equal(same.nominatedNodeName, '');

  const { state } = fw.filterAll(makePod('u', { priority: 100 }));
  const plugin = createDefaultPreemption({}, fw.handle);
  const unresolvable = new Map([['n1', Status.unresolvable('node(s) had untolerated taint {a: b}')]]);
  const notHelpful = await plugin.postFilter(state, makePod('u', { priority: 100 }), unresolvable);
  assert.equal(
    notHelpful.status.message(),
    'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
  );
});

test('a pod nominated where a victim of its preemption is still terminating waits rather than preempting again', async () => {
  const victim = makePod('going', { nodeName: 'n1', priority: 1, deletionTimestamp: new Date() });
  victim.status!.conditions.push({
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'PreemptionByScheduler',
    message: '',
    lastProbeTime: undefined,
    lastTransitionTime: undefined,
    observedGeneration: '0',
  });
  const fw = frameworkOf([makeNode('n1', {}, slots(1))], [victim]);
  const pod = makePod('p', { priority: 10 });
  pod.status!.nominatedNodeName = 'n1';
  const r = await preempt(fw, pod);
  assert.equal(
    r.status.message(),
    'preemption: not eligible due to a terminating pod on the nominated node.',
  );
});

test('victims and PreFilterExtensions: evicting the pod an anti-affinity term matches makes room', () => {
  const web = { app: 'web' };
  const nodes = [makeNode('n1', {}, slots(10))];
  const fw = frameworkOf(nodes, [
    makePod('old-web', { nodeName: 'n1', priority: 0, labels: web }),
    makePod('other', { nodeName: 'n1', priority: 0 }),
  ]);
  const pod = makePod('p', {
    priority: 10,
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: { ...LabelSelector.fromPartial({}), matchLabels: web },
            topologyKey: 'kubernetes.io/hostname',
            namespaces: [],
            namespaceSelector: undefined,
            matchLabelKeys: [],
            mismatchLabelKeys: [],
          },
        ],
        preferredDuringSchedulingIgnoredDuringExecution: [],
      },
    },
  });
  const { state, statuses } = fw.filterAll(pod);
  assert.equal(statuses.get('n1')?.message(), "node(s) didn't match pod anti-affinity rules");
  const r = selectVictimsOnNode(fw.handle, state.clone(), pod, fw.nodeInfo('n1').clone());
  assert.deepEqual(
    r.victims?.pods.map((p) => p.metadata?.name),
    ['old-web'],
  );
});

test('nominated pods of higher priority hold their room while victims are chosen', () => {
  const nodes = [makeNode('n1', {}, slots(2))];
  const pods = [
    makePod('a', { nodeName: 'n1', priority: 1, startTime: at(1) }),
    makePod('b', { nodeName: 'n1', priority: 1, startTime: at(2) }),
  ];
  const pod = makePod('p', { priority: 10 });
  // Without a nominated pod one victim suffices; with one of higher priority nominated there, both go.
  const alone = frameworkOf(nodes, pods);
  const r1 = selectVictimsOnNode(alone.handle, alone.preFilter(pod).state, pod, alone.nodeInfo('n1').clone());
  assert.equal(r1.victims?.pods.length, 1);
  const crowded = frameworkOf(nodes, pods, { n1: [makePod('nominated', { priority: 50 })] });
  const r2 = selectVictimsOnNode(
    crowded.handle,
    crowded.preFilter(pod).state,
    pod,
    crowded.nodeInfo('n1').clone(),
  );
  assert.equal(r2.victims?.pods.length, 2);
  // One of lower priority does not count.
  const lower = frameworkOf(nodes, pods, { n1: [makePod('nominated', { priority: 5 })] });
  assert.equal(
    selectVictimsOnNode(lower.handle, lower.preFilter(pod).state, pod, lower.nodeInfo('n1').clone()).victims
      ?.pods.length,
    1,
  );
});

test('args are checked', () => {
  assert.deepEqual(parseArgs({}), { minCandidateNodesPercentage: 10, minCandidateNodesAbsolute: 100 });
  assert.throws(
    () => parseArgs({ minCandidateNodesPercentage: 0, minCandidateNodesAbsolute: 0 }),
    /cannot both be 0/,
  );
  assert.throws(() => parseArgs({ minCandidateNodesPercentage: 101 }), /from 0 to 100/);
});
