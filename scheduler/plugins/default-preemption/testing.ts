/**
 * A small framework for the unit tests of the cluster-wide plugins (InterPodAffinity,
 * PodTopologySpread, DefaultPreemption): a snapshot of NodeInfos built from Node and
 * Pod objects, namespace labels, and a Handle that runs the given plugins' PreFilter,
 * Filter and PreFilterExtensions in order, as the scheduler's runtime does. It is for
 * tests only; the scheduler's own runtime is what runs in the process.
 */
import type { Clientset } from '../../../sdk/client/typed-client.js';
import type { EventRecorder } from '../../../sdk/events/index.js';
import { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  Affinity,
  Toleration,
  TopologySpreadConstraint,
} from '../../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import type { OwnerReference } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import type { Labels } from '../../../sdk/labels/index.js';
import { createLogger } from '../../../sdk/logger.js';
import { CycleState } from '../../framework/cycle-state.js';
import type {
  FilterPlugin,
  Handle,
  NodeInfoLister,
  NodeScore,
  Plugin,
  PreFilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from '../../framework/interface.js';
import { NodeInfo, newPodInfo, type PodInfo } from '../../framework/node-info.js';
import { Status } from '../../framework/status.js';

export function makeNode(
  name: string,
  labels: Record<string, string> = {},
  allocatable?: Record<string, string>,
): Node {
  return Node.fromPartial({
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: { allocatable: allocatable ?? { cpu: '4', memory: '8Gi', pods: '110' } },
  });
}

let uid = 0;

export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  /** Set: the pod is bound there. */
  nodeName?: string;
  priority?: number;
  preemptionPolicy?: string;
  /** Requests of its one container. */
  requests?: Record<string, string>;
  affinity?: Affinity;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  startTime?: Date;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: Date;
}

/** A pod with one container; `nodeName` set means it is bound there. */
export function makePod(name: string, o: PodOptions = {}): Pod {
  const pod = Pod.fromPartial({
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: `uid-${name}-${++uid}`,
      labels: o.labels ?? {},
      ownerReferences: o.ownerReferences ?? [],
      deletionTimestamp: o.deletionTimestamp,
    },
    spec: {
      nodeName: o.nodeName ?? '',
      priority: o.priority,
      preemptionPolicy: o.preemptionPolicy ?? '',
      nodeSelector: o.nodeSelector ?? {},
      tolerations: o.tolerations ?? [],
      topologySpreadConstraints: o.topologySpreadConstraints ?? [],
      containers: [{ name: 'c', image: 'busybox', resources: { requests: o.requests ?? {} } }],
    },
    status: { startTime: o.startTime },
  });
  if (pod.spec !== undefined) pod.spec.affinity = o.affinity;
  return pod;
}

/** A PodDisruptionBudget over pods with these labels, allowing `disruptionsAllowed` more evictions. */
export function makePdb(
  name: string,
  matchLabels: Record<string, string>,
  disruptionsAllowed: number,
  opts: { namespace?: string; disruptedPods?: Record<string, Date> } = {},
): PodDisruptionBudget {
  return PodDisruptionBudget.fromPartial({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace: opts.namespace ?? 'default' },
    spec: { selector: { matchLabels, matchExpressions: [] } },
    status: { disruptionsAllowed, disruptedPods: opts.disruptedPods ?? {} },
  });
}

export interface TestFramework {
  readonly handle: Handle;
  readonly nodeInfos: NodeInfo[];
  readonly plugins: Plugin[];
  nodeInfo(name: string): NodeInfo;
  /** Runs every PreFilter; the state, and why a PreFilter refused if one did. */
  preFilter(pod: Pod): { state: CycleState; status: Status };
  /** PreFilter, then Filter on every node: node name → status. */
  filterAll(pod: Pod): { state: CycleState; statuses: Map<string, Status> };
  /** PreScore, Score and NormalizeScore of the score plugins over the given nodes (all by default). */
  scoreAll(pod: Pod, nodeNames?: readonly string[]): Map<string, number>;
}

export interface TestFrameworkOptions {
  nodes: readonly Node[];
  /** Bound pods (spec.nodeName says where). */
  pods?: readonly Pod[];
  namespaces?: Readonly<Record<string, Labels>>;
  /** The plugins, made with the handle. */
  plugins: (handle: Handle) => Plugin[];
  /** Nominated pods by node name. */
  nominated?: Readonly<Record<string, readonly Pod[]>>;
  clients?: Clientset;
  events?: EventRecorder;
  pdbs?: readonly PodDisruptionBudget[];
}

const isPreFilter = (p: Plugin): p is PreFilterPlugin => 'preFilter' in p;
const isFilter = (p: Plugin): p is FilterPlugin => 'filter' in p;
const isPreScore = (p: Plugin): p is PreScorePlugin => 'preScore' in p;
const isScore = (p: Plugin): p is ScorePlugin => 'score' in p;

export function createTestFramework(opts: TestFrameworkOptions): TestFramework {
  const nodeInfos = opts.nodes.map((n) => new NodeInfo(n));
  const byName = new Map(nodeInfos.map((ni) => [ni.name, ni]));
  for (const pod of opts.pods ?? []) {
    const ni = byName.get(pod.spec?.nodeName ?? '');
    if (ni === undefined)
      throw new Error(`pod ${pod.metadata?.name} is bound to unknown node ${pod.spec?.nodeName}`);
    ni.addPod(newPodInfo(pod));
  }
  const snapshot: NodeInfoLister = {
    list: () => nodeInfos,
    get: (name) => byName.get(name),
    havePodsWithAffinityList: () => nodeInfos.filter((ni) => ni.podsWithAffinity.length > 0),
    havePodsWithRequiredAntiAffinityList: () =>
      nodeInfos.filter((ni) => ni.podsWithRequiredAntiAffinity.length > 0),
    withPodsOf: (uid) => nodeInfos.filter((ni) => ni.podsByController.has(uid)),
  };
  const unavailable = (what: string) =>
    new Proxy({} as never, {
      get: () => {
        throw new Error(`${what} is not available in this test: pass it in createTestFramework's options`);
      },
    });
  let plugins: Plugin[] = [];
  const runExtensions = (
    which: 'addPod' | 'removePod',
    state: CycleState,
    pod: Pod,
    info: PodInfo,
    nodeInfo: NodeInfo,
  ): Status => {
    for (const p of plugins) {
      if (!isPreFilter(p) || state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      if (ext === undefined) continue;
      const s = ext[which](state, pod, info, nodeInfo);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  };
  const handle: Handle = {
    snapshot,
    clients: opts.clients ?? unavailable('clients'),
    events: opts.events ?? unavailable('events'),
    logger: createLogger('test', { level: 'silent' }),
    namespaceLabels: (ns) => opts.namespaces?.[ns],
    nominatedPodsForNode: (node) => (opts.nominated?.[node] ?? []).map(newPodInfo),
    podDisruptionBudgets: () => opts.pdbs ?? [],
    runFilterPlugins(state, pod, nodeInfo) {
      for (const p of plugins) {
        if (!isFilter(p) || state.skipFilterPlugins.has(p.name)) continue;
        const s = p.filter(state, pod, nodeInfo);
        if (!s.isSuccess()) return s.withPlugin(p.name);
      }
      return Status.SUCCESS;
    },
    runPreFilterExtensionAddPod: (state, pod, info, ni) => runExtensions('addPod', state, pod, info, ni),
    runPreFilterExtensionRemovePod: (state, pod, info, ni) =>
      runExtensions('removePod', state, pod, info, ni),
  };
  plugins = opts.plugins(handle);

  const preFilter = (pod: Pod) => {
    const state = new CycleState();
    for (const p of plugins) {
      if (!isPreFilter(p)) continue;
      const { status } = p.preFilter(state, pod, nodeInfos);
      if (status.isSkip()) state.skipFilterPlugins.add(p.name);
      else if (!status.isSuccess()) return { state, status: status.withPlugin(p.name) };
    }
    return { state, status: Status.SUCCESS };
  };

  return {
    handle,
    nodeInfos,
    plugins,
    nodeInfo(name) {
      const ni = byName.get(name);
      if (ni === undefined) throw new Error(`no node ${name}`);
      return ni;
    },
    preFilter,
    filterAll(pod) {
      const { state, status } = preFilter(pod);
      const statuses = new Map<string, Status>();
      for (const ni of nodeInfos)
        statuses.set(ni.name, status.isSuccess() ? handle.runFilterPlugins(state, pod, ni) : status);
      return { state, statuses };
    },
    scoreAll(pod, nodeNames) {
      const state = new CycleState();
      const nodes = nodeNames === undefined ? nodeInfos : nodeNames.map((n) => byName.get(n)!);
      const total = new Map<string, number>(nodes.map((n) => [n.name, 0]));
      for (const p of plugins) {
        if (isPreScore(p)) {
          const s = p.preScore(state, pod, nodes);
          if (s.isSkip()) continue;
          if (!s.isSuccess()) throw new Error(`${p.name} PreScore: ${s.message()}`);
        }
        if (!isScore(p)) continue;
        const scores: NodeScore[] = nodes.map((ni) => ({
          name: ni.name,
          score: p.score(state, pod, ni),
        }));
        p.normalizeScore?.(state, pod, scores);
        for (const s of scores) total.set(s.name, (total.get(s.name) ?? 0) + s.score);
      }
      return total;
    },
  };
}
