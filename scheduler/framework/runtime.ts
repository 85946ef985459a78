/**
 * The framework of one profile: its enabled plugins, made once from the registry, and
 * each extension point run as kube-scheduler's frameworkImpl runs it. It is also the
 * `Handle` plugins get: the cycle's snapshot, the clients, and helpers preemption needs.
 *
 * Contracts kept from kube-scheduler:
 * - PreFilter: the first rejection ends the cycle; Skip skips that plugin's Filter;
 *   PreFilterResults intersect, and nodes outside them are rejected as unresolvable.
 * - Filter: a node's status is the first rejecting plugin's; the search stops once
 *   numFeasibleNodesToFind nodes fit, starting where the previous cycle stopped.
 * - Score: each plugin's scores are normalised, then weighted, then summed.
 * - Bind: the first plugin that does not answer Skip binds.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodDisruptionBudget } from '../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import type { ExtensionPoint, Profile } from '../config/config.js';
import { pluginsFor } from '../config/config.js';
import type { CycleState } from './cycle-state.js';
import type {
  BindPlugin,
  ClusterEventWithHint,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  NodeInfoLister,
  NodeScore,
  NodeToStatus,
  PermitPlugin,
  Plugin,
  PluginFactory,
  PostBindPlugin,
  PostFilterPlugin,
  PreBindPlugin,
  PreEnqueuePlugin,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  ReservePlugin,
  RowCondition,
  ScorePlugin,
} from './interface.js';
import { MAX_NODE_SCORE } from './interface.js';
import type { NodeInfo, PodInfo } from './node-info.js';
import {
  ALLOCATABLE_EPHEMERAL_STORAGE,
  ALLOCATABLE_MEMORY,
  ALLOCATABLE_MILLI_CPU,
  ALLOWED_PODS,
  FLAGS,
  type NodeTable,
  NUM_PODS,
  REQUESTED_EPHEMERAL_STORAGE,
  REQUESTED_MEMORY,
  REQUESTED_MILLI_CPU,
  ROW_STRIDE,
} from './node-table.js';
import { Status } from './status.js';

/** Plugin names the framework itself stands for (the queue sorts by priority; no plugin object). */
const BUILT_IN = new Set(['PrioritySort']);

/** What the scheduler gives the framework to build its Handle from. */
export type HandleDeps = Omit<
  Handle,
  'runFilterPlugins' | 'runPreFilterExtensionAddPod' | 'runPreFilterExtensionRemovePod'
> & {
  /**
   * Whether any pod is nominated to any node (the queue's answer): false lets Filter
   * skip asking node by node. Absent: it asks each node it passes.
   */
  readonly anyNominatedPods?: () => boolean;
};

export interface FrameworkMetrics {
  /** Seconds one extension point took for one pod (scheduler_framework_extension_point_duration_seconds). */
  observeExtensionPoint(point: string, status: string, seconds: number): void;
}

export interface FrameworkOptions {
  readonly profile: Profile;
  readonly registry: Readonly<Record<string, PluginFactory>>;
  readonly deps: HandleDeps;
  /** The profile's or the configuration's; 0: adaptive. */
  readonly percentageOfNodesToScore: number;
  readonly metrics?: FrameworkMetrics;
  /** [0, 1); Math.random by default (ties between equal best nodes). */
  readonly random?: () => number;
}

/** Everything the scheduling cycle found out when no node fits. */
export interface Diagnosis {
  /** Every rejected node's status (the first rejecting plugin's). */
  readonly nodeToStatus: Map<string, Status>;
  /** Plugins that rejected the pod: the events they registered may make it fit. */
  readonly unschedulablePlugins: Set<string>;
  /** The PreFilter rejection's message, when PreFilter ended the cycle. */
  preFilterMsg: string;
  /** The PostFilter's message ("preemption: ..."). */
  postFilterMsg: string;
}

export interface ScheduleResult {
  readonly suggestedHost: string;
  readonly evaluatedNodes: number;
  readonly feasibleNodes: number;
}

/** No node fits: carries what FailedScheduling reports. */
export class FitError extends Error {
  constructor(
    readonly pod: Pod,
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super('');
    this.message = fitErrorMessage(numAllNodes, diagnosis);
  }
}

/** kube-scheduler's ErrNoNodesAvailable: no Node objects at all. */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/**
 * kube-scheduler's FitError message: "0/3 nodes are available: 1 Insufficient cpu, 2
 * node(s) had untolerated taint {dedicated: gpu}." — every reason counted over the
 * nodes that gave it, sorted as strings, then the PostFilter's message.
 */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  if (numAllNodes === 0) return NO_NODES_AVAILABLE;
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg !== '') {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const histogram = new Map<string, number>();
    for (const status of d.nodeToStatus.values()) {
      for (const reason of status.reasons) histogram.set(reason, (histogram.get(reason) ?? 0) + 1);
    }
    const reasons = [...histogram].map(([reason, n]) => `${n} ${reason}`).sort();
    msg += ` ${reasons.join(', ')}.`;
  }
  if (d.postFilterMsg !== '') msg += ` ${d.postFilterMsg}`;
  return msg;
}

/**
 * How many feasible nodes are enough (kube's numFeasibleNodesToFind): every node in
 * small clusters (< 100), else a percentage — adaptive 50% - nodes/125, at least 5% —
 * but never fewer than 100.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage: number): number {
  const minFeasible = 100;
  if (numAllNodes < minFeasible || percentage >= 100) return numAllNodes;
  let adaptive = percentage;
  if (adaptive <= 0) adaptive = Math.max(5, 50 - Math.trunc(numAllNodes / 125));
  const n = Math.trunc((numAllNodes * adaptive) / 100);
  return Math.max(n, minFeasible);
}

interface Weighted<T> {
  readonly plugin: T;
  readonly weight: number;
}

/** A pod held by a Permit plugin's Wait until allowed, rejected, or timed out. */
interface WaitingPod {
  readonly pending: Set<string>;
  readonly settle: (s: Status) => void;
  readonly timers: (() => void)[];
}

export class Framework implements Handle {
  readonly profileName: string;
  readonly snapshot: NodeInfoLister;
  readonly clients: Handle['clients'];
  readonly events: Handle['events'];
  readonly logger: Handle['logger'];
  private readonly deps: HandleDeps;
  private readonly percentage: number;
  private readonly metrics: FrameworkMetrics | undefined;
  private readonly random: () => number;

  readonly preEnqueuePlugins: PreEnqueuePlugin[] = [];
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: Weighted<ScorePlugin>[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  readonly postBindPlugins: PostBindPlugin[] = [];
  /** Every plugin made, by name. */
  readonly plugins = new Map<string, Plugin>();
  /** Plugins of the configuration that the registry does not have (left out). */
  readonly missing: string[] = [];

  private nextStartNodeIndex = 0;
  /**
   * scoreNodes' arrays, kept across cycles and grown as needed: a Float64Array of
   * hundreds of nodes has its memory outside the JS heap, allocated and freed per cycle
   * otherwise. Only the first `nodes.length` entries of a cycle are meaningful.
   */
  private scoreTotals = new Float64Array(0);
  private scoreRaw = new Float64Array(0);
  /** The table rows of the feasible nodes when Filter checked rows (same reuse as above). */
  private feasibleRows = new Int32Array(0);
  private readonly waiting = new Map<string, WaitingPod>();

  constructor(opts: FrameworkOptions) {
    this.profileName = opts.profile.schedulerName;
    this.deps = opts.deps;
    this.snapshot = opts.deps.snapshot;
    this.clients = opts.deps.clients;
    this.events = opts.deps.events;
    this.logger = opts.deps.logger;
    this.percentage = opts.profile.percentageOfNodesToScore ?? opts.percentageOfNodesToScore;
    this.metrics = opts.metrics;
    this.random = opts.random ?? Math.random;

    const { profile, registry } = opts;
    const instance = (name: string): Plugin | undefined => {
      if (BUILT_IN.has(name)) return undefined;
      let p = this.plugins.get(name);
      if (p !== undefined) return p;
      const factory = registry[name];
      if (factory === undefined) {
        if (!this.missing.includes(name)) this.missing.push(name);
        return undefined;
      }
      p = factory(profile.pluginConfig.get(name) ?? {}, this);
      this.plugins.set(name, p);
      return p;
    };
    const explicit = (name: string) =>
      Object.values(profile.plugins).some((set) => set?.enabled.some((e) => e.name === name));
    const point = <T>(ext: ExtensionPoint, method: string, add: (p: T, weight: number) => void) => {
      const refs = pluginsFor(profile, ext, (name) => {
        const p = instance(name);
        return p !== undefined && typeof (p as unknown as Record<string, unknown>)[method] === 'function';
      });
      for (const ref of refs) {
        const p = instance(ref.name);
        if (p === undefined) {
          if (BUILT_IN.has(ref.name) && ext === 'queueSort') continue;
          if (explicit(ref.name)) {
            throw new Error(
              `profile "${profile.schedulerName}": plugin "${ref.name}" enabled at ${ext} is not registered; known plugins: ${[...BUILT_IN, ...Object.keys(registry)].sort().join(', ')}`,
            );
          }
          continue;
        }
        if (typeof (p as unknown as Record<string, unknown>)[method] !== 'function') {
          throw new Error(
            `profile "${profile.schedulerName}": plugin "${ref.name}" is enabled at ${ext} but does not implement it`,
          );
        }
        add(p as T, ref.weight);
      }
    };
    point<PreEnqueuePlugin>('preEnqueue', 'preEnqueue', (p) => this.preEnqueuePlugins.push(p));
    point<PreFilterPlugin>('preFilter', 'preFilter', (p) => this.preFilterPlugins.push(p));
    point<FilterPlugin>('filter', 'filter', (p) => this.filterPlugins.push(p));
    point<PostFilterPlugin>('postFilter', 'postFilter', (p) => this.postFilterPlugins.push(p));
    point<PreScorePlugin>('preScore', 'preScore', (p) => this.preScorePlugins.push(p));
    point<ScorePlugin>('score', 'score', (p, w) => this.scorePlugins.push({ plugin: p, weight: w || 1 }));
    point<ReservePlugin>('reserve', 'reserve', (p) => this.reservePlugins.push(p));
    point<PermitPlugin>('permit', 'permit', (p) => this.permitPlugins.push(p));
    point<PreBindPlugin>('preBind', 'preBind', (p) => this.preBindPlugins.push(p));
    point<BindPlugin>('bind', 'bind', (p) => this.bindPlugins.push(p));
    point<PostBindPlugin>('postBind', 'postBind', (p) => this.postBindPlugins.push(p));
    const queueSort = pluginsFor(profile, 'queueSort', (n) => BUILT_IN.has(n));
    for (const ref of queueSort) {
      if (!BUILT_IN.has(ref.name))
        throw new Error(
          `profile "${profile.schedulerName}": queueSort plugin "${ref.name}" is not known; only PrioritySort is`,
        );
    }
    if (this.bindPlugins.length === 0)
      throw new Error(`profile "${profile.schedulerName}" has no bind plugin; enable DefaultBinder`);
  }

  // ---- Handle ----

  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined {
    return this.deps.namespaceLabels(namespace);
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.deps.nominatedPodsForNode(nodeName);
  }

  podDisruptionBudgets(): readonly PodDisruptionBudget[] {
    return this.deps.podDisruptionBudgets();
  }

  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    return this.runFilters(this.activeFilterPlugins(state), state, pod, nodeInfo);
  }

  /** The Filter plugins this cycle runs: those whose PreFilter did not answer Skip. */
  private activeFilterPlugins(state: CycleState): readonly FilterPlugin[] {
    if (state.skipFilterPlugins.size === 0) return this.filterPlugins;
    return this.filterPlugins.filter((p) => !state.skipFilterPlugins.has(p.name));
  }

  /**
   * Runs `filters` (the cycle's active ones, chosen once per cycle rather than per
   * node) on one node; the first rejection is the node's status.
   */
  private runFilters(
    filters: readonly FilterPlugin[],
    state: CycleState,
    pod: Pod,
    nodeInfo: NodeInfo,
  ): Status {
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i] as FilterPlugin;
      let s: Status;
      try {
        s = p.filter(state, pod, nodeInfo);
      } catch (err) {
        s = Status.error(err);
      }
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  runPreFilterExtensionAddPod(
    state: CycleState,
    pod: Pod,
    podInfoToAdd: PodInfo,
    nodeInfo: NodeInfo,
  ): Status {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      if (ext === undefined) continue;
      const s = ext.addPod(state, pod, podInfoToAdd, nodeInfo);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  runPreFilterExtensionRemovePod(
    state: CycleState,
    pod: Pod,
    podInfoToRemove: PodInfo,
    nodeInfo: NodeInfo,
  ): Status {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      if (ext === undefined) continue;
      const s = ext.removePod(state, pod, podInfoToRemove, nodeInfo);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  // ---- queue side ----

  /** The first PreEnqueue non-success (the pod stays out of the active queue), or SUCCESS. */
  runPreEnqueuePlugins(pod: Pod): Status {
    for (const p of this.preEnqueuePlugins) {
      const s = p.preEnqueue(pod);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.SUCCESS;
  }

  /** Plugin name → the events that could make a pod it rejected schedulable (undefined: any event). */
  eventsToRegister(): Map<string, readonly ClusterEventWithHint[] | undefined> {
    const out = new Map<string, readonly ClusterEventWithHint[] | undefined>();
    for (const [name, p] of this.plugins) {
      const ext = p as Partial<EnqueueExtensions>;
      out.set(name, typeof ext.eventsToRegister === 'function' ? ext.eventsToRegister() : undefined);
    }
    return out;
  }

  // ---- scheduling cycle ----

  /**
   * Filters and scores the snapshot's nodes for `pod` and answers the best one, or
   * throws a FitError with the diagnosis when none fits.
   */
  schedulePod(state: CycleState, pod: Pod): ScheduleResult {
    const all = this.snapshot.list();
    if (all.length === 0) {
      const d = emptyDiagnosis();
      throw new FitError(pod, 0, d);
    }
    const table = this.snapshot.table;
    if (table !== undefined && table.length === all.length) state.nodeTable = table;
    const { feasible, diagnosis, evaluated, rows } = this.findNodesThatFitPod(state, pod, all);
    if (feasible.length === 0) throw new FitError(pod, all.length, diagnosis);
    if (feasible.length === 1) {
      return { suggestedHost: feasible[0]?.name ?? '', evaluatedNodes: evaluated, feasibleNodes: 1 };
    }
    const totals = this.scoreNodes(state, pod, feasible, rows);
    return {
      suggestedHost: this.selectBest(feasible, totals),
      evaluatedNodes: evaluated,
      feasibleNodes: feasible.length,
    };
  }

  private findNodesThatFitPod(
    state: CycleState,
    pod: Pod,
    all: readonly NodeInfo[],
  ): { feasible: NodeInfo[]; diagnosis: Diagnosis; evaluated: number; rows?: Int32Array } {
    const diagnosis = emptyDiagnosis();
    const pre = this.timed('PreFilter', () => this.runPreFilterPlugins(state, pod, all));
    if (!pre.status.isSuccess()) {
      if (!pre.status.isRejected()) throw pre.status.error ?? new Error(pre.status.message());
      diagnosis.preFilterMsg = pre.status.message();
      if (pre.status.plugin !== '') diagnosis.unschedulablePlugins.add(pre.status.plugin);
      for (const n of all) diagnosis.nodeToStatus.set(n.name, pre.status);
      return { feasible: [], diagnosis, evaluated: 0 };
    }

    const filters = this.activeFilterPlugins(state);
    // A pod nominated to a node (by an earlier preemption) tries that node first.
    const nominated = pod.status?.nominatedNodeName ?? '';
    if (nominated !== '') {
      const ni = this.snapshot.get(nominated);
      if (ni !== undefined && (pre.result?.nodeNames === undefined || pre.result.nodeNames.has(nominated))) {
        const s = this.runFilterPluginsWithNominatedPods(filters, state, pod, ni);
        if (s.isSuccess()) return { feasible: [ni], diagnosis, evaluated: 1 };
      }
    }

    let nodes = all;
    if (pre.result?.nodeNames !== undefined) {
      const allowed = pre.result.nodeNames;
      nodes = all.filter((n) => allowed.has(n.name));
      if (nodes.length < all.length) {
        const narrowing = pre.plugins.join(', ');
        const absent = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${narrowing}]`).withPlugin(
          pre.plugins[0] ?? '',
        );
        for (const n of all) if (!allowed.has(n.name)) diagnosis.nodeToStatus.set(n.name, absent);
        for (const p of pre.plugins) diagnosis.unschedulablePlugins.add(p);
      }
    }
    const want = numFeasibleNodesToFind(nodes.length, this.percentage);
    const condition = nodes === all ? this.rowCondition(filters, state, pod) : undefined;
    if (condition !== undefined && state.nodeTable !== undefined)
      return this.findNodesThatFitByRows(
        filters,
        state,
        pod,
        all,
        want,
        condition,
        state.nodeTable,
        diagnosis,
      );
    const feasible: NodeInfo[] = [];
    const start = nodes.length === 0 ? 0 : this.nextStartNodeIndex % nodes.length;
    let processed = 0;
    const t0 = performance.now();
    for (let i = 0; i < nodes.length && feasible.length < want; i++) {
      const ni = nodes[(start + i) % nodes.length] as NodeInfo;
      processed++;
      const s = this.runFilterPluginsWithNominatedPods(filters, state, pod, ni);
      if (s.isSuccess()) {
        feasible.push(ni);
      } else if (s.isRejected()) {
        diagnosis.nodeToStatus.set(ni.name, s);
        if (s.plugin !== '') diagnosis.unschedulablePlugins.add(s.plugin);
      } else {
        throw s.error ?? new Error(`${s.plugin}: ${s.message()}`);
      }
    }
    this.metrics?.observeExtensionPoint('Filter', 'Success', (performance.now() - t0) / 1000);
    this.nextStartNodeIndex = nodes.length === 0 ? 0 : (start + processed) % nodes.length;
    return { feasible, diagnosis, evaluated: processed + (all.length - nodes.length) };
  }

  /**
   * The conditions of this cycle's Filter plugins on a node's row, combined; undefined
   * when some plugin offers none (Filter then looks at every node).
   */
  private rowCondition(
    filters: readonly FilterPlugin[],
    state: CycleState,
    pod: Pod,
  ): RowCondition | undefined {
    let clearFlags = 0;
    let fit: { milliCpu: number; memory: number; ephemeralStorage: number } | undefined;
    for (let i = 0; i < filters.length; i++) {
      const p = filters[i] as FilterPlugin;
      if (p.rowCondition === undefined) return undefined;
      let c: RowCondition | undefined;
      try {
        c = p.rowCondition(state, pod);
      } catch {
        // Its Filter will say what is wrong, node by node.
        return undefined;
      }
      if (c === undefined) return undefined;
      clearFlags |= c.clearFlags;
      if (c.fit !== undefined) {
        // Both must hold: the larger request of each resource is the one to fit.
        fit =
          fit === undefined
            ? { ...c.fit }
            : {
                milliCpu: Math.max(fit.milliCpu, c.fit.milliCpu),
                memory: Math.max(fit.memory, c.fit.memory),
                ephemeralStorage: Math.max(fit.ephemeralStorage, c.fit.ephemeralStorage),
              };
      }
    }
    return fit === undefined ? { clearFlags } : { clearFlags, fit };
  }

  /**
   * findNodesThatFitPod when every active Filter plugin gave a row condition: the same
   * nodes in the same order, from the same start, stopping at the same count, but a
   * node whose row meets the condition (and that has no nominated pods) is feasible
   * without its NodeInfo being read; any other node goes through the plugins' Filter as
   * before, which decides it and gives its status.
   */
  private findNodesThatFitByRows(
    filters: readonly FilterPlugin[],
    state: CycleState,
    pod: Pod,
    all: readonly NodeInfo[],
    want: number,
    condition: RowCondition,
    table: NodeTable,
    diagnosis: Diagnosis,
  ): { feasible: NodeInfo[]; diagnosis: Diagnosis; evaluated: number; rows: Int32Array } {
    const n = all.length;
    if (this.feasibleRows.length < n) this.feasibleRows = new Int32Array(n);
    const rows = this.feasibleRows;
    const d = table.data;
    const clear = condition.clearFlags;
    const fit = condition.fit;
    const fits = fit !== undefined;
    const cpu = fit?.milliCpu ?? 0;
    const memory = fit?.memory ?? 0;
    const storage = fit?.ephemeralStorage ?? 0;
    const askNominated = this.deps.anyNominatedPods?.() !== false;
    let count = 0;
    const start = n === 0 ? 0 : this.nextStartNodeIndex % n;
    let processed = 0;
    const t0 = performance.now();
    for (let i = 0; i < n && count < want; i++) {
      let r = start + i;
      if (r >= n) r -= n;
      const ni = all[r] as NodeInfo;
      processed++;
      const o = r * ROW_STRIDE;
      let pass = ((d[o + FLAGS] as number) & clear) === 0;
      if (pass && fits)
        pass =
          (d[o + NUM_PODS] as number) + 1 <= (d[o + ALLOWED_PODS] as number) &&
          (cpu <= 0 ||
            cpu <= (d[o + ALLOCATABLE_MILLI_CPU] as number) - (d[o + REQUESTED_MILLI_CPU] as number)) &&
          (memory <= 0 ||
            memory <= (d[o + ALLOCATABLE_MEMORY] as number) - (d[o + REQUESTED_MEMORY] as number)) &&
          (storage <= 0 ||
            storage <=
              (d[o + ALLOCATABLE_EPHEMERAL_STORAGE] as number) -
                (d[o + REQUESTED_EPHEMERAL_STORAGE] as number));
      if (pass && askNominated) pass = this.deps.nominatedPodsForNode(ni.name).length === 0;
      if (!pass) {
        const s = this.runFilterPluginsWithNominatedPods(filters, state, pod, ni);
        if (s.isRejected()) {
          diagnosis.nodeToStatus.set(ni.name, s);
          if (s.plugin !== '') diagnosis.unschedulablePlugins.add(s.plugin);
          continue;
        }
        if (!s.isSuccess()) throw s.error ?? new Error(`${s.plugin}: ${s.message()}`);
      }
      rows[count++] = r;
    }
    // Made once at its size, not grown node by node.
    const feasible = new Array<NodeInfo>(count);
    for (let k = 0; k < count; k++) feasible[k] = all[rows[k] as number] as NodeInfo;
    this.metrics?.observeExtensionPoint('Filter', 'Success', (performance.now() - t0) / 1000);
    this.nextStartNodeIndex = n === 0 ? 0 : (start + processed) % n;
    return { feasible, diagnosis, evaluated: processed, rows };
  }

  private runPreFilterPlugins(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status; plugins: string[] } {
    let result: PreFilterResult | undefined;
    const narrowing: string[] = [];
    for (const p of this.preFilterPlugins) {
      let r: { result?: PreFilterResult; status: Status };
      try {
        r = p.preFilter(state, pod, nodes);
      } catch (err) {
        r = { status: Status.error(err) };
      }
      if (r.status.isSkip()) {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      if (!r.status.isSuccess()) return { status: r.status.withPlugin(p.name), plugins: [p.name] };
      const names = r.result?.nodeNames;
      if (names !== undefined) {
        narrowing.push(p.name);
        if (result?.nodeNames === undefined) {
          result = { nodeNames: names };
        } else {
          const prev = result.nodeNames;
          result = { nodeNames: new Set([...names].filter((n) => prev.has(n))) };
        }
        if (result.nodeNames?.size === 0) {
          const s = Status.unresolvable(
            `node(s) didn't satisfy plugin(s) [${narrowing.join(', ')}] simultaneously`,
          ).withPlugin(p.name);
          return { status: s, plugins: narrowing };
        }
      }
    }
    return { ...(result === undefined ? {} : { result }), status: Status.SUCCESS, plugins: narrowing };
  }

  /**
   * Filters a node as if the pods nominated to it with at least this pod's priority
   * were already there (they will be, once their victims are gone), and — when there
   * are any — also without them, since they may never come (kube's two passes).
   */
  private runFilterPluginsWithNominatedPods(
    filters: readonly FilterPlugin[],
    state: CycleState,
    pod: Pod,
    ni: NodeInfo,
  ): Status {
    const nominated = this.deps.nominatedPodsForNode(ni.name);
    // The common case, every node of every cycle: nothing nominated, nothing to allocate.
    if (nominated.length === 0) return this.runFilters(filters, state, pod, ni);
    const priority = pod.spec?.priority ?? 0;
    const uid = pod.metadata?.uid;
    const others = nominated.filter(
      (p) => p.pod.metadata?.uid !== uid && (p.pod.spec?.priority ?? 0) >= priority,
    );
    if (others.length > 0) {
      const s2 = state.clone();
      const n2 = ni.clone();
      for (const p of others) {
        n2.addPod(p);
        const s = this.runPreFilterExtensionAddPod(s2, pod, p, n2);
        if (!s.isSuccess()) return s;
      }
      const s = this.runFilters(filters, s2, pod, n2);
      if (!s.isSuccess()) return s;
    }
    return this.runFilters(filters, state, pod, ni);
  }

  /** Total weighted scores per node. */
  prioritizeNodes(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): NodeScore[] {
    const totals = this.scoreNodes(state, pod, nodes);
    return nodes.map((n, i) => ({ name: n.name, score: totals[i] as number }));
  }

  /**
   * Total weighted scores, by the nodes' order: numbers, no object per node. The array is
   * reused by the next call and may be longer than `nodes`; read it before then.
   */
  private scoreNodes(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
    rows?: Int32Array,
  ): Float64Array {
    if (this.scoreTotals.length < nodes.length) {
      this.scoreTotals = new Float64Array(nodes.length);
      this.scoreRaw = new Float64Array(nodes.length);
    }
    const totals = this.scoreTotals;
    totals.fill(0, 0, nodes.length);
    if (this.scorePlugins.length === 0) return totals;
    const pre = this.timed('PreScore', () => {
      for (const p of this.preScorePlugins) {
        const s = p.preScore(state, pod, nodes);
        if (s.isSkip()) state.skipScorePlugins.add(p.name);
        else if (!s.isSuccess()) return s.withPlugin(p.name);
      }
      return Status.SUCCESS;
    });
    if (!pre.isSuccess()) throw pre.error ?? new Error(`${pre.plugin}: ${pre.message()}`);
    const t0 = performance.now();
    // Scores live in one array of numbers (a plugin's score is a number, and a
    // failure a throw, which ends the cycle as an error); NodeScore objects are made only
    // for a plugin that normalizes (its interface takes them): this loop runs plugins × nodes.
    const raw = this.scoreRaw;
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      const table = state.nodeTable;
      const byRows =
        rows !== undefined &&
        table !== undefined &&
        plugin.scoreRows?.(state, pod, table, rows, nodes.length, raw) === true;
      if (!byRows)
        for (let i = 0; i < nodes.length; i++) raw[i] = plugin.score(state, pod, nodes[i] as NodeInfo);
      if (plugin.normalizeScore !== undefined) {
        const scores: NodeScore[] = new Array(nodes.length);
        for (let i = 0; i < nodes.length; i++)
          scores[i] = { name: (nodes[i] as NodeInfo).name, score: raw[i] as number };
        const s = plugin.normalizeScore(state, pod, scores);
        if (!s.isSuccess()) throw s.error ?? new Error(`${plugin.name}: ${s.message()}`);
        for (let i = 0; i < nodes.length; i++) raw[i] = (scores[i] as NodeScore).score;
      }
      for (let i = 0; i < nodes.length; i++) {
        const sc = raw[i] as number;
        if (sc > MAX_NODE_SCORE || sc < 0 || Number.isNaN(sc))
          throw new Error(
            `plugin ${plugin.name} scored node ${(nodes[i] as NodeInfo).name} ${sc}, outside [0, ${MAX_NODE_SCORE}]`,
          );
        totals[i] = (totals[i] as number) + sc * weight;
      }
    }
    this.metrics?.observeExtensionPoint('Score', 'Success', (performance.now() - t0) / 1000);
    return totals;
  }

  /**
   * selectHost over scoreNodes' totals. Two passes with one random draw, rather than
   * reservoir sampling's draw per tie: on a cluster of empty nodes most feasible nodes tie,
   * and each draw through `this.random` allocated its result.
   */
  private selectBest(nodes: readonly NodeInfo[], totals: Float64Array): string {
    // By index: only the chosen node's NodeInfo is read, not every leader's on the way.
    const n = nodes.length;
    if (n === 0) return '';
    let bestScore = -1;
    let ties = 0;
    for (let i = 0; i < n; i++) {
      const score = totals[i] as number;
      if (score > bestScore) {
        bestScore = score;
        ties = 1;
      } else if (score === bestScore) {
        ties++;
      }
    }
    let k = ties > 1 ? Math.min(ties - 1, Math.floor(this.random() * ties)) : 0;
    for (let i = 0; i < n; i++) {
      if (totals[i] === bestScore && k-- === 0) return (nodes[i] as NodeInfo).name;
    }
    return '';
  }

  /** The highest score; ties broken uniformly at random (one draw, the k-th of the ties). */
  selectHost(scores: readonly NodeScore[]): string {
    let bestScore = -1;
    let ties = 0;
    for (const s of scores) {
      if (s.score > bestScore) {
        bestScore = s.score;
        ties = 1;
      } else if (s.score === bestScore) {
        ties++;
      }
    }
    let k = ties > 1 ? Math.min(ties - 1, Math.floor(this.random() * ties)) : 0;
    for (const s of scores) {
      if (s.score === bestScore && k-- === 0) return s.name;
    }
    return '';
  }

  /** Runs the PostFilter plugins until one nominates a node or says preemption cannot help. */
  async runPostFilterPlugins(
    state: CycleState,
    pod: Pod,
    statuses: NodeToStatus,
  ): Promise<{ nominatedNodeName?: string; status: Status }> {
    const t0 = performance.now();
    let last: Status = Status.unschedulable();
    try {
      for (const p of this.postFilterPlugins) {
        const r = await p.postFilter(state, pod, statuses);
        if (r.status.isSuccess()) return { ...r, status: r.status.withPlugin(p.name) };
        if (r.status.code === 'UnschedulableAndUnresolvable' || r.status.code === 'Error')
          return { status: r.status.withPlugin(p.name) };
        last = r.status.withPlugin(p.name);
      }
      return { status: last };
    } finally {
      this.metrics?.observeExtensionPoint('PostFilter', last.code, (performance.now() - t0) / 1000);
    }
  }

  runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Status {
    return this.timed('Reserve', () => {
      for (const p of this.reservePlugins) {
        let s: Status;
        try {
          s = p.reserve(state, pod, nodeName);
        } catch (err) {
          s = Status.error(err);
        }
        if (!s.isSuccess()) return s.withPlugin(p.name);
      }
      return Status.SUCCESS;
    });
  }

  /** In reverse order, as kube does; Unreserve must not fail, so errors are only logged. */
  runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      const p = this.reservePlugins[i] as ReservePlugin;
      try {
        p.unreserve(state, pod, nodeName);
      } catch (err) {
        this.logger.error({ err, plugin: p.name }, 'unreserve failed');
      }
    }
  }

  /**
   * Runs Permit: a rejection ends it; Wait holds the pod (see waitOnPermit) until every
   * waiting plugin allows it or the shortest timeout passes.
   */
  runPermitPlugins(state: CycleState, pod: Pod, nodeName: string): Status {
    const pending = new Map<string, number>();
    for (const p of this.permitPlugins) {
      const r = p.permit(state, pod, nodeName);
      if (r.status.code === 'Wait') {
        pending.set(p.name, Math.min(r.timeoutMs ?? 15 * 60_000, 15 * 60_000));
        continue;
      }
      if (!r.status.isSuccess()) return r.status.withPlugin(p.name);
    }
    if (pending.size === 0) return Status.SUCCESS;
    const uid = pod.metadata?.uid ?? '';
    let settle: (s: Status) => void = () => undefined;
    const settled = new Promise<Status>((resolve) => {
      settle = resolve;
    });
    const timers: (() => void)[] = [];
    const entry: WaitingPod = { pending: new Set(pending.keys()), settle, timers };
    for (const [name, ms] of pending) {
      const t = setTimeout(
        () =>
          this.finishWaiting(
            uid,
            Status.unschedulable(`rejected due to timeout after waiting ${ms}ms`).withPlugin(name),
          ),
        ms,
      );
      timers.push(() => clearTimeout(t));
    }
    this.waiting.set(uid, entry);
    this.permitWaits.set(uid, settled);
    return Status.wait().withPlugin([...pending.keys()].join(','));
  }

  private readonly permitWaits = new Map<string, Promise<Status>>();

  /** Resolves once a waiting pod is allowed (SUCCESS) or rejected; SUCCESS at once for a pod not waiting. */
  async waitOnPermit(pod: Pod): Promise<Status> {
    const uid = pod.metadata?.uid ?? '';
    const p = this.permitWaits.get(uid);
    if (p === undefined) return Status.SUCCESS;
    const s = await p;
    this.permitWaits.delete(uid);
    return s;
  }

  /** A Permit plugin lets a pod it held go on (once every waiting plugin has, the pod binds). */
  allowWaitingPod(uid: string, plugin: string): void {
    const w = this.waiting.get(uid);
    if (w === undefined) return;
    w.pending.delete(plugin);
    if (w.pending.size === 0) this.finishWaiting(uid, Status.SUCCESS);
  }

  /** Rejects a waiting pod (a plugin's decision, or the pod was deleted). */
  rejectWaitingPod(uid: string, plugin: string, message: string): void {
    if (this.waiting.has(uid)) this.finishWaiting(uid, Status.unschedulable(message).withPlugin(plugin));
  }

  /** UIDs of the pods Permit holds. */
  waitingPods(): string[] {
    return [...this.waiting.keys()];
  }

  private finishWaiting(uid: string, s: Status): void {
    const w = this.waiting.get(uid);
    if (w === undefined) return;
    this.waiting.delete(uid);
    for (const stop of w.timers) stop();
    w.settle(s);
  }

  async runPreBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    const t0 = performance.now();
    for (const p of this.preBindPlugins) {
      let s: Status;
      try {
        s = await p.preBind(state, pod, nodeName);
      } catch (err) {
        s = Status.error(err);
      }
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    this.metrics?.observeExtensionPoint('PreBind', 'Success', (performance.now() - t0) / 1000);
    return Status.SUCCESS;
  }

  /** The first Bind plugin that does not answer Skip binds; its status is the answer. */
  async runBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    const t0 = performance.now();
    let status: Status = Status.SKIP;
    for (const p of this.bindPlugins) {
      try {
        status = await p.bind(state, pod, nodeName);
      } catch (err) {
        status = Status.error(err);
      }
      if (status.isSkip()) continue;
      status = status.withPlugin(p.name);
      break;
    }
    this.metrics?.observeExtensionPoint('Bind', status.code, (performance.now() - t0) / 1000);
    return status;
  }

  runPostBindPlugins(state: CycleState, pod: Pod, nodeName: string): void {
    for (const p of this.postBindPlugins) {
      try {
        p.postBind(state, pod, nodeName);
      } catch (err) {
        this.logger.error({ err, plugin: p.name }, 'postBind failed');
      }
    }
  }

  private timed<T extends Status | { status: Status }>(point: string, fn: () => T): T {
    if (this.metrics === undefined) return fn();
    const t0 = performance.now();
    const r = fn();
    const s = r instanceof Object && 'status' in r ? (r as { status: Status }).status : (r as Status);
    this.metrics.observeExtensionPoint(point, s.code, (performance.now() - t0) / 1000);
    return r;
  }
}

export function emptyDiagnosis(): Diagnosis {
  return { nodeToStatus: new Map(), unschedulablePlugins: new Set(), preFilterMsg: '', postFilterMsg: '' };
}
