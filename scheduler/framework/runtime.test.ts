/**
 * The Framework's contract, with plugins that record what they are asked: the order of
 * every extension point, how statuses end or continue a point, weights and
 * normalisation of scores, how many nodes are filtered, and the counted
 * FailedScheduling message.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { createLogger } from '../../sdk/logger.js';
import { parseConfiguration } from '../config/config.js';
import { makeNode, makePod } from '../plugins/default-preemption/testing.js';
import { CycleState } from './cycle-state.js';
import type { BindPlugin, NodeInfoLister, NodeScore, Plugin, PluginFactory } from './interface.js';
import { NodeInfo, newPodInfo, type PodInfo } from './node-info.js';
import {
  emptyDiagnosis,
  FitError,
  Framework,
  fitErrorMessage,
  NO_NODES_AVAILABLE,
  numFeasibleNodesToFind,
} from './runtime.js';
import { Status } from './status.js';

function lister(nodes: NodeInfo[]): NodeInfoLister {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  return {
    list: () => nodes,
    get: (name) => byName.get(name),
    havePodsWithAffinityList: () => [],
    havePodsWithRequiredAntiAffinityList: () => [],
    withPodsOf: () => [],
  };
}

/**
 * A framework over `nodeCount` nodes n0… with `plugins` (name → plugin), enabled in that
 * order at every point each implements (multiPoint), score weights from `weights`.
 */
function frameworkWith(
  plugins: Record<string, Plugin>,
  opts: {
    nodeCount?: number;
    weights?: Record<string, number>;
    percentage?: number;
    nominated?: Record<string, PodInfo[]>;
    random?: () => number;
  } = {},
) {
  const nodes = Array.from({ length: opts.nodeCount ?? 3 }, (_, i) => new NodeInfo(makeNode(`n${i}`)));
  const enabled = Object.keys(plugins)
    .map((n) => `{name: ${n}${opts.weights?.[n] ? `, weight: ${opts.weights[n]}` : ''}}`)
    .join(', ');
  const config = parseConfiguration(`
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: test
    plugins:
      multiPoint:
        enabled: [${enabled}]
        disabled: [{name: '*'}]
`);
  const registry: Record<string, PluginFactory> = Object.fromEntries(
    Object.entries(plugins).map(([name, p]) => [name, () => p]),
  );
  const profile = config.profiles[0];
  assert.ok(profile);
  const fw = new Framework({
    profile,
    registry,
    percentageOfNodesToScore: opts.percentage ?? 0,
    ...(opts.random ? { random: opts.random } : {}),
    deps: {
      snapshot: lister(nodes),
      clients: undefined as never,
      events: undefined as never,
      logger: createLogger('test', { level: 'silent' }),
      namespaceLabels: () => undefined,
      nominatedPodsForNode: (n) => opts.nominated?.[n] ?? [],
      podDisruptionBudgets: () => [],
    },
  });
  return { fw, nodes };
}

/** Every test profile needs a binder. */
const binder = (log: string[] = [], answer: Status = Status.SUCCESS): BindPlugin => ({
  name: 'Binder',
  bind: async (_s: CycleState, _p: Pod, node: string) => {
    log.push(`Binder.bind ${node}`);
    return answer;
  },
});

const rejectOn =
  (name: string, log: string[], nodes: Record<string, Status>) =>
  (_s: CycleState, _p: Pod, ni: NodeInfo): Status => {
    log.push(`${name} ${ni.name}`);
    return nodes[ni.name] ?? Status.SUCCESS;
  };

describe('Framework: filtering', () => {
  test('each node gets the first rejecting plugin’s status; later plugins are not asked', () => {
    const log: string[] = [];
    const { fw } = frameworkWith({
      A: { name: 'A', filter: rejectOn('A', log, { n0: Status.unschedulable('reason a') }) } as Plugin,
      B: { name: 'B', filter: rejectOn('B', log, { n1: Status.unresolvable('reason b') }) } as Plugin,
      Binder: binder(),
    });
    const r = fw.schedulePod(new CycleState(), makePod('p'));
    assert.equal(r.suggestedHost, 'n2');
    assert.deepEqual(r, { suggestedHost: 'n2', evaluatedNodes: 3, feasibleNodes: 1 });
    assert.deepEqual(log, ['A n0', 'A n1', 'B n1', 'A n2', 'B n2']);
  });

  test('no node fits: a FitError whose message counts each reason over the nodes, and the plugins that rejected', () => {
    const { fw } = frameworkWith({
      Fit: {
        name: 'Fit',
        filter: rejectOn('Fit', [], { n0: Status.unschedulable('Insufficient cpu', 'Insufficient memory') }),
      } as Plugin,
      Taint: {
        name: 'Taint',
        filter: rejectOn('Taint', [], {
          n1: Status.unresolvable('node(s) had untolerated taint {dedicated: gpu}'),
          n2: Status.unresolvable('node(s) had untolerated taint {dedicated: gpu}'),
        }),
      } as Plugin,
      Binder: binder(),
    });
    const err = (() => {
      try {
        fw.schedulePod(new CycleState(), makePod('p'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof FitError);
    assert.equal(
      err.message,
      '0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 2 node(s) had untolerated taint {dedicated: gpu}.',
    );
    assert.deepEqual([...err.diagnosis.unschedulablePlugins].sort(), ['Fit', 'Taint']);
    assert.equal(err.diagnosis.nodeToStatus.get('n0')?.plugin, 'Fit');
    err.diagnosis.postFilterMsg =
      'preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    assert.equal(
      fitErrorMessage(err.numAllNodes, err.diagnosis),
      '0/3 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    );
    assert.equal(fitErrorMessage(0, emptyDiagnosis()), NO_NODES_AVAILABLE);
  });

  test('PreFilter: Skip skips that plugin’s Filter; a rejection ends the cycle with its message for every node', () => {
    const log: string[] = [];
    const { fw } = frameworkWith({
      S: {
        name: 'S',
        preFilter: () => ({ status: Status.SKIP }),
        filter: rejectOn('S', log, { n0: Status.unschedulable('never asked') }),
      } as Plugin,
      Binder: binder(),
    });
    const state = new CycleState();
    assert.ok(fw.schedulePod(state, makePod('p')).suggestedHost !== '');
    assert.deepEqual(log, []);
    assert.ok(state.skipFilterPlugins.has('S'));

    const { fw: refusing } = frameworkWith({
      R: {
        name: 'R',
        preFilter: () => ({
          status: Status.unresolvable('pod has unbound immediate PersistentVolumeClaims'),
        }),
      } as Plugin,
      Binder: binder(),
    });
    assert.throws(
      () => refusing.schedulePod(new CycleState(), makePod('p')),
      (e: unknown) =>
        e instanceof FitError &&
        e.message === '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.' &&
        e.diagnosis.unschedulablePlugins.has('R') &&
        e.diagnosis.nodeToStatus.size === 3,
    );
  });

  test('PreFilter results narrow the nodes; their intersection empty is unresolvable', () => {
    const narrow = (name: string, nodes: string[]): Plugin =>
      ({
        name,
        preFilter: () => ({ result: { nodeNames: new Set(nodes) }, status: Status.SUCCESS }),
      }) as Plugin;
    const { fw } = frameworkWith({ X: narrow('X', ['n1', 'n2']), Y: narrow('Y', ['n2']), Binder: binder() });
    assert.equal(fw.schedulePod(new CycleState(), makePod('p')).suggestedHost, 'n2');

    const { fw: apart } = frameworkWith({ X: narrow('X', ['n0']), Y: narrow('Y', ['n1']), Binder: binder() });
    assert.throws(
      () => apart.schedulePod(new CycleState(), makePod('p')),
      /0\/3 nodes are available: node\(s\) didn't satisfy plugin\(s\) \[X, Y\] simultaneously\./,
    );
  });

  test('a Filter error is the cycle’s error, not a rejection', () => {
    const { fw } = frameworkWith({
      E: { name: 'E', filter: () => Status.error(new Error('cache broken')) } as Plugin,
      Binder: binder(),
    });
    assert.throws(() => fw.schedulePod(new CycleState(), makePod('p')), /cache broken/);
  });

  test('stops after numFeasibleNodesToFind feasible nodes, and the next cycle starts where it stopped', () => {
    const seen: string[] = [];
    const { fw } = frameworkWith(
      { F: { name: 'F', filter: rejectOn('F', seen, {}) } as Plugin, Binder: binder() },
      { nodeCount: 200, percentage: 60 },
    );
    const r = fw.schedulePod(new CycleState(), makePod('p'));
    assert.equal(r.feasibleNodes, 120);
    assert.equal(seen.length, 120);
    assert.equal(seen[0], 'F n0');
    seen.length = 0;
    fw.schedulePod(new CycleState(), makePod('q'));
    assert.equal(seen[0], 'F n120');
    assert.equal(seen[seen.length - 1], 'F n39', 'wraps around');
  });

  test('numFeasibleNodesToFind: all below 100 nodes, adaptive 50% - n/125 with at least 5%, never under 100', () => {
    assert.equal(numFeasibleNodesToFind(99, 0), 99);
    assert.equal(numFeasibleNodesToFind(500, 0), 230);
    assert.equal(numFeasibleNodesToFind(5000, 0), 500);
    assert.equal(numFeasibleNodesToFind(100_000, 0), 5000);
    assert.equal(numFeasibleNodesToFind(150, 10), 100);
    assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
  });

  test('nodes with nominated pods of at least this priority are filtered with them there, and without', () => {
    const slots: Plugin = {
      name: 'Slots',
      filter: (_s: CycleState, _p: Pod, ni: NodeInfo) =>
        ni.pods.length < 1 ? Status.SUCCESS : Status.unschedulable('Too many pods'),
    } as Plugin;
    const high = newPodInfo(makePod('high', { priority: 100 }));
    const low = newPodInfo(makePod('low', { priority: 1 }));
    const { fw } = frameworkWith(
      { Slots: slots, Binder: binder() },
      { nodeCount: 1, nominated: { n0: [high] } },
    );
    assert.throws(() => fw.schedulePod(new CycleState(), makePod('p', { priority: 10 })), /1 Too many pods/);
    const { fw: fw2 } = frameworkWith(
      { Slots: slots, Binder: binder() },
      { nodeCount: 1, nominated: { n0: [low] } },
    );
    assert.equal(fw2.schedulePod(new CycleState(), makePod('p', { priority: 10 })).suggestedHost, 'n0');
  });
});

describe('Framework: scoring', () => {
  const scorer = (
    name: string,
    scores: Record<string, number>,
    normalize?: (s: NodeScore[]) => void,
  ): Plugin =>
    ({
      name,
      score: (_s: CycleState, _p: Pod, ni: NodeInfo) => scores[ni.name] ?? 0,
      ...(normalize
        ? {
            normalizeScore: (_s: CycleState, _p: Pod, list: NodeScore[]) => {
              normalize(list);
              return Status.SUCCESS;
            },
          }
        : {}),
    }) as Plugin;

  test('scores are normalised, then weighted, then summed', () => {
    // A prefers n0 (after normalising 0..10 to 0..100), B prefers n1 with weight 3.
    const { fw, nodes } = frameworkWith(
      {
        A: scorer('A', { n0: 10, n1: 5, n2: 0 }, (l) => {
          for (const s of l) s.score *= 10;
        }),
        B: scorer('B', { n0: 0, n1: 40, n2: 10 }),
        Binder: binder(),
      },
      { weights: { B: 3 } },
    );
    const totals = fw.prioritizeNodes(new CycleState(), makePod('p'), nodes);
    assert.deepEqual(
      totals.map((t) => [t.name, t.score]),
      [
        ['n0', 100],
        ['n1', 50 + 120],
        ['n2', 30],
      ],
    );
    assert.equal(fw.schedulePod(new CycleState(), makePod('p')).suggestedHost, 'n1');
  });

  test('PreScore Skip skips that plugin’s Score; a score outside [0, 100] is an error', () => {
    const { fw, nodes } = frameworkWith({
      S: { ...scorer('S', { n0: 100 }), preScore: () => Status.SKIP } as Plugin,
      T: scorer('T', { n1: 7 }),
      Binder: binder(),
    });
    assert.deepEqual(
      fw.prioritizeNodes(new CycleState(), makePod('p'), nodes).map((t) => t.score),
      [0, 7, 0],
    );
    const { fw: bad, nodes: n2 } = frameworkWith({ X: scorer('X', { n0: 101 }), Binder: binder() });
    assert.throws(
      () => bad.prioritizeNodes(new CycleState(), makePod('p'), n2),
      /X scored node n0 101, outside \[0, 100\]/,
    );
  });

  test('a Score plugin that throws fails the cycle with its error', () => {
    const thrower = {
      name: 'Thrower',
      score: () => {
        throw new Error('Thrower: no PreScore state in this cycle');
      },
    } as Plugin;
    const { fw } = frameworkWith({ Thrower: thrower, T: scorer('T', { n1: 7 }), Binder: binder() });
    assert.throws(
      () => fw.schedulePod(new CycleState(), makePod('p')),
      /Thrower: no PreScore state in this cycle/,
    );
  });

  test('ties are broken at random among the best', () => {
    const { fw } = frameworkWith({ Binder: binder() }, { random: () => 0 });
    const scores = [
      { name: 'a', score: 5 },
      { name: 'b', score: 9 },
      { name: 'c', score: 9 },
      { name: 'd', score: 9 },
    ];
    assert.equal(fw.selectHost(scores), 'b', 'random 0 takes the first tie');
    const { fw: fw2 } = frameworkWith({ Binder: binder() }, { random: () => 0.5 });
    assert.equal(fw2.selectHost(scores), 'c', 'random 1/2 takes the middle one of three');
    const { fw: fw3 } = frameworkWith({ Binder: binder() }, { random: () => 0.99 });
    assert.equal(fw3.selectHost(scores), 'd', 'random near 1 takes the last');
    assert.equal(fw3.selectHost([{ name: 'x', score: 0 }]), 'x');
    assert.equal(fw3.selectHost([]), '');
  });
});

describe('Framework: reserve, permit, bind', () => {
  test('Reserve in order, stopping at a failure; Unreserve in reverse order, its errors only logged', () => {
    const log: string[] = [];
    const reserve = (name: string, s: Status = Status.SUCCESS): Plugin =>
      ({
        name,
        reserve: () => {
          log.push(`${name}.reserve`);
          return s;
        },
        unreserve: () => {
          log.push(`${name}.unreserve`);
          if (name === 'R2') throw new Error('boom');
        },
      }) as Plugin;
    const { fw } = frameworkWith({
      R1: reserve('R1'),
      R2: reserve('R2', Status.unschedulable('no room reserved')),
      R3: reserve('R3'),
      Binder: binder(),
    });
    const s = fw.runReservePluginsReserve(new CycleState(), makePod('p'), 'n0');
    assert.equal(s.code, 'Unschedulable');
    assert.equal(s.plugin, 'R2');
    fw.runReservePluginsUnreserve(new CycleState(), makePod('p'), 'n0');
    assert.deepEqual(log, ['R1.reserve', 'R2.reserve', 'R3.unreserve', 'R2.unreserve', 'R1.unreserve']);
  });

  test('Permit: a rejection ends it; Wait holds the pod until every waiting plugin allows it', async () => {
    const permit = (name: string, answer: { status: Status; timeoutMs?: number }): Plugin =>
      ({ name, permit: () => answer }) as Plugin;
    const { fw } = frameworkWith({
      W1: permit('W1', { status: Status.wait() }),
      W2: permit('W2', { status: Status.wait(), timeoutMs: 60_000 }),
      Binder: binder(),
    });
    const pod = makePod('p');
    const uid = pod.metadata?.uid ?? '';
    assert.equal(fw.runPermitPlugins(new CycleState(), pod, 'n0').code, 'Wait');
    assert.deepEqual(fw.waitingPods(), [uid]);
    const waited = fw.waitOnPermit(pod);
    fw.allowWaitingPod(uid, 'W1');
    assert.deepEqual(fw.waitingPods(), [uid], 'still waits for W2');
    fw.allowWaitingPod(uid, 'W2');
    assert.ok((await waited).isSuccess());

    assert.equal(fw.runPermitPlugins(new CycleState(), pod, 'n0').code, 'Wait');
    fw.rejectWaitingPod(uid, 'W2', 'gang incomplete');
    const rejected = await fw.waitOnPermit(pod);
    assert.equal(rejected.code, 'Unschedulable');
    assert.equal(rejected.message(), 'gang incomplete');

    const { fw: refusing } = frameworkWith({
      N: permit('N', { status: Status.unschedulable('not now') }),
      W: permit('W', { status: Status.wait() }),
      Binder: binder(),
    });
    const s = refusing.runPermitPlugins(new CycleState(), pod, 'n0');
    assert.equal(s.plugin, 'N');
    assert.deepEqual(refusing.waitingPods(), []);
    assert.ok((await refusing.waitOnPermit(pod)).isSuccess(), 'a pod not waiting passes at once');
  });

  test('Permit: a Wait past its timeout is rejected', async () => {
    const { fw } = frameworkWith({
      W: { name: 'W', permit: () => ({ status: Status.wait(), timeoutMs: 20 }) } as Plugin,
      Binder: binder(),
    });
    const pod = makePod('p');
    fw.runPermitPlugins(new CycleState(), pod, 'n0');
    const s = await fw.waitOnPermit(pod);
    assert.equal(s.message(), 'rejected due to timeout after waiting 20ms');
    assert.equal(s.plugin, 'W');
  });

  test('PreBind stops at a failure; the first Bind plugin not answering Skip binds; PostBind errors are only logged', async () => {
    const log: string[] = [];
    const { fw } = frameworkWith({
      P: {
        name: 'P',
        preBind: async () => {
          log.push('P.preBind');
          return Status.SUCCESS;
        },
      } as Plugin,
      Skipper: {
        name: 'Skipper',
        bind: async () => {
          log.push('Skipper.bind');
          return Status.SKIP;
        },
      } as Plugin,
      Binder: binder(log),
      Late: {
        name: 'Late',
        bind: async () => {
          log.push('Late.bind');
          return Status.SUCCESS;
        },
        postBind: () => {
          log.push('Late.postBind');
          throw new Error('ignored');
        },
      } as Plugin,
    });
    const state = new CycleState();
    const pod = makePod('p');
    assert.ok((await fw.runPreBindPlugins(state, pod, 'n0')).isSuccess());
    const s = await fw.runBindPlugins(state, pod, 'n0');
    assert.ok(s.isSuccess());
    assert.equal(s.plugin, 'Binder');
    fw.runPostBindPlugins(state, pod, 'n0');
    assert.deepEqual(log, ['P.preBind', 'Skipper.bind', 'Binder.bind n0', 'Late.postBind']);

    const { fw: failing } = frameworkWith({
      P: { name: 'P', preBind: async () => Status.error(new Error('volume not ready')) } as Plugin,
      Binder: binder(),
    });
    const pre = await failing.runPreBindPlugins(state, pod, 'n0');
    assert.equal(pre.code, 'Error');
    assert.equal(pre.plugin, 'P');
  });

  test('PostFilter: runs until one succeeds; unresolvable or an error stops it', async () => {
    const log: string[] = [];
    const post = (name: string, status: Status, nominatedNodeName?: string): Plugin =>
      ({
        name,
        postFilter: async () => {
          log.push(name);
          return { status, ...(nominatedNodeName ? { nominatedNodeName } : {}) };
        },
      }) as Plugin;
    const { fw } = frameworkWith({
      A: post('A', Status.unschedulable('a cannot help')),
      B: post('B', Status.SUCCESS, 'n1'),
      C: post('C', Status.SUCCESS, 'n2'),
      Binder: binder(),
    });
    const r = await fw.runPostFilterPlugins(new CycleState(), makePod('p'), new Map());
    assert.equal(r.nominatedNodeName, 'n1');
    assert.deepEqual(log, ['A', 'B']);

    log.length = 0;
    const { fw: stop } = frameworkWith({
      A: post('A', Status.unresolvable('hopeless')),
      B: post('B', Status.SUCCESS, 'n1'),
      Binder: binder(),
    });
    const r2 = await stop.runPostFilterPlugins(new CycleState(), makePod('p'), new Map());
    assert.equal(r2.status.code, 'UnschedulableAndUnresolvable');
    assert.equal(r2.status.plugin, 'A');
    assert.deepEqual(log, ['A']);
  });

  test('PreEnqueue: the first plugin not answering Success keeps the pod out, named', () => {
    const { fw } = frameworkWith({
      G: {
        name: 'G',
        preEnqueue: (p: Pod) =>
          p.metadata?.name === 'gated' ? Status.pending('waiting for gates') : Status.SUCCESS,
      } as Plugin,
      Binder: binder(),
    });
    assert.ok(fw.runPreEnqueuePlugins(makePod('free')).isSuccess());
    const s = fw.runPreEnqueuePlugins(makePod('gated'));
    assert.equal(s.code, 'Pending');
    assert.equal(s.plugin, 'G');
  });
});
