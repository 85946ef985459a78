/**
 * The scheduling framework's contract, after kube-scheduler's
 * pkg/scheduler/framework/interface.go: the extension points a plugin may
 * implement, what the framework hands it, and how a plugin says which cluster
 * events could make a pod it rejected schedulable. A plugin is one file in
 * plugins/, implements only the points it needs, and is enabled and weighted
 * by configuration.
 *
 * Plugins must not mutate the Pod, the Nodes or the NodeInfos they are given
 * (except clones they made), and must be quick: Filter and Score run once per
 * node per pod.
 */
import type { Clientset } from '../../sdk/client/typed-client.js';
import type { EventRecorder } from '../../sdk/events/index.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodDisruptionBudget } from '../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import type { Logger } from '../../sdk/logger.js';
import type { CycleState } from './cycle-state.js';
import type { NodeInfo, PodInfo } from './node-info.js';
import type { NodeTable } from './node-table.js';
import type { Status } from './status.js';

/** The highest score a Score plugin gives a node (after NormalizeScore). */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

export interface Plugin {
  /** The name configuration uses: `NodeResourcesFit`, `TaintToleration`, ... */
  readonly name: string;
}

/** Before the pod enters the active queue: a non-success keeps it out (SchedulingGates). */
export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: Pod): Status;
}

/** Limits the nodes worth filtering; undefined means every node. */
export interface PreFilterResult {
  readonly nodeNames?: ReadonlySet<string>;
}

/**
 * Lets preemption (and nominated pods) ask "what if this pod were added to or
 * removed from that node" without recomputing PreFilter: the plugin updates
 * the state it wrote in PreFilter.
 */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status;
  removePod(state: CycleState, podToSchedule: Pod, podInfoToRemove: PodInfo, nodeInfo: NodeInfo): Status;
}

export interface PreFilterPlugin extends Plugin {
  /** Computes what Filter needs once per cycle; Skip skips this plugin's Filter. */
  preFilter(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status };
  preFilterExtensions?(): PreFilterExtensions | undefined;
}

export interface FilterPlugin extends Plugin {
  /** Whether the pod fits this node. Rejections carry the reasons users read. */
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
  /**
   * Optional, asked once per cycle after PreFilter: a condition on a node's row of the
   * snapshot's table (node-table.ts) under which this cycle's Filter passes that node.
   * The framework then checks rows, not NodeInfos, and calls Filter (every active
   * plugin's, in order) only for the nodes whose row fails some plugin's condition, to
   * learn their status. It must be exact in one direction: a row that meets it is a node
   * Filter passes. undefined: Filter must look at every node this cycle.
   */
  rowCondition?(state: CycleState, pod: Pod): RowCondition | undefined;
}

/** What a node's row must show for a Filter plugin to pass it (FilterPlugin.rowCondition). */
export interface RowCondition {
  /** ROW_* flags of node-table.ts the row must have none of. */
  readonly clearFlags: number;
  /**
   * Requests that must fit in what the node has left (a request of 0 or less fits
   * anywhere), with room for one more pod; undefined: none.
   */
  readonly fit?: { readonly milliCpu: number; readonly memory: number; readonly ephemeralStorage: number };
}

/** Why each node was rejected in Filter: node name → the status of the first plugin that rejected it. */
export type NodeToStatus = ReadonlyMap<string, Status>;

export interface PostFilterPlugin extends Plugin {
  /** Runs when no node fits (preemption). A nominated node means "retry there once room is made". */
  postFilter(
    state: CycleState,
    pod: Pod,
    filteredNodeStatus: NodeToStatus,
  ): Promise<{ nominatedNodeName?: string; status: Status }>;
}

export interface PreScorePlugin extends Plugin {
  /** Computes what Score needs over the feasible nodes; Skip skips this plugin's Score. */
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status;
}

export interface NodeScore {
  readonly name: string;
  score: number;
}

export interface ScorePlugin extends Plugin {
  /**
   * A raw score for this node; NormalizeScore (or the plugin itself) brings it into
   * [0, MAX_NODE_SCORE]. A plugin that cannot score throws: the cycle then fails as an
   * error (kube's Score returning an error Status). A number, not an object with a
   * Status, because it runs for every feasible node of every cycle.
   */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  /** Rescales the scores in place to [0, MAX_NODE_SCORE]. */
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): Status;
  /**
   * Optional: scores the nodes at `rows[0..count)` of the snapshot's table into
   * `out[0..count)`, each exactly as score() would score that node, reading the rows
   * instead of the NodeInfos; false when it cannot this cycle (score() then runs per node).
   */
  scoreRows?(
    state: CycleState,
    pod: Pod,
    table: NodeTable,
    rows: Int32Array,
    count: number,
    out: Float64Array,
  ): boolean;
}

/** Reserve runs when a node is chosen; Unreserve undoes it when a later step fails. Unreserve must not fail. */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status;
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  /** Success, a rejection, or Wait with how long to wait before the pod is rejected. */
  permit(state: CycleState, pod: Pod, nodeName: string): { status: Status; timeoutMs?: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

export interface BindPlugin extends Plugin {
  /** Binds, or answers Skip to let the next Bind plugin do it. */
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}

/**
 * What changed in the cluster, for moving pods out of the unschedulable set:
 * `Node`/Add, `Node`/UpdateNodeTaint, `AssignedPod`/Delete, ...
 */
export type ClusterEventResource = 'Node' | 'AssignedPod' | 'UnscheduledPod' | 'PriorityClass' | 'Namespace';
export type ClusterEventAction =
  | 'Add'
  | 'Delete'
  /** Any update; matches every Update* below. */
  | 'Update'
  | 'UpdateNodeAllocatable'
  | 'UpdateNodeLabel'
  | 'UpdateNodeTaint'
  | 'UpdateNodeCondition'
  | 'UpdateNodeAnnotation'
  | 'UpdatePodLabel'
  | 'UpdatePodScaleDown'
  | 'UpdatePodSchedulingGatesEliminated'
  | 'UpdatePodTolerations';

export interface ClusterEvent {
  readonly resource: ClusterEventResource;
  readonly action: ClusterEventAction;
}

/** Whether an event could make this rejected pod schedulable; `Queue` moves it to the active or backoff queue. */
export type QueueingHint = 'Queue' | 'Skip';

export interface ClusterEventWithHint {
  readonly event: ClusterEvent;
  /** Absent: always Queue. `oldObj`/`newObj` are the Node or Pod that changed (undefined for Add/Delete sides). */
  readonly hint?: (pod: Pod, oldObj: unknown, newObj: unknown) => QueueingHint;
}

/** A plugin that rejects pods says which events could change its mind (kube-scheduler's EnqueueExtensions). */
export interface EnqueueExtensions {
  eventsToRegister(): readonly ClusterEventWithHint[];
}

/** The cycle's view of the cluster: every node, consistent for the whole cycle. */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  /** Nodes with at least one pod that has (anti-)affinity terms. */
  havePodsWithAffinityList(): readonly NodeInfo[];
  /** Nodes with at least one pod that has required anti-affinity terms. */
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /**
   * Nodes with at least one pod, not being deleted, that `controllerUid` controls: what
   * counting a controller's pods across the cluster needs to look at, however many
   * nodes there are.
   */
  withPodsOf(controllerUid: string): Iterable<NodeInfo>;
  /** The numbers Filter and Score read of each node of list(), row by position; absent: none kept. */
  readonly table?: NodeTable;
}

/** What the framework gives a plugin when it is made. */
export interface Handle {
  /** The snapshot of the current cycle (the same object across cycles, refreshed before each). */
  readonly snapshot: NodeInfoLister;
  readonly clients: Clientset;
  readonly events: EventRecorder;
  readonly logger: Logger;
  /** Namespace labels, for pod affinity terms with a namespaceSelector; undefined when the namespace is unknown. */
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
  /** The pods nominated to a node (preemptors waiting for their victims to go), highest priority first. */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** Every PodDisruptionBudget, as the informer has them (preemption spares what they protect). */
  podDisruptionBudgets(): readonly PodDisruptionBudget[];
  /** Runs every enabled Filter plugin on one node, as the cycle would (used by preemption). */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
  /** Runs every PreFilterExtensions.addPod/removePod (used by preemption to simulate). */
  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, podInfoToAdd: PodInfo, nodeInfo: NodeInfo): Status;
  runPreFilterExtensionRemovePod(
    state: CycleState,
    pod: Pod,
    podInfoToRemove: PodInfo,
    nodeInfo: NodeInfo,
  ): Status;
}

/** Makes a plugin from its args (the `pluginConfig` entry, already parsed from YAML; {} when absent). */
export type PluginFactory = (args: Readonly<Record<string, unknown>>, handle: Handle) => Plugin;
