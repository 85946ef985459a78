/**
 * NodeResourcesFit (kube-scheduler's noderesources.Fit): a pod fits a node when its
 * requests — containers summed, the largest init container, plus overhead — fit in what
 * the node's allocatable leaves after the pods already there (bound or assumed), and the
 * node takes one more pod. Scores nodes by a strategy over configured resources:
 * LeastAllocated (the default: spread), MostAllocated (pack), or RequestedToCapacityRatio
 * (a piecewise-linear shape over utilization).
 *
 * A resource the pod asks for beyond the node's whole allocatable is
 * UnschedulableAndUnresolvable (preemption cannot help); anything else is Unschedulable.
 *
 * Args: `ignoredResources`, `ignoredResourceGroups` (extended resources not checked, by
 * name or by the prefix before '/'), `scoringStrategy: {type, resources: [{name, weight}],
 * requestedToCapacityRatio: {shape: [{utilization, score}]}}`.
 */
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { CycleState, StateData } from '../framework/cycle-state.js';
import {
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type QueueingHint,
  type ScorePlugin,
} from '../framework/interface.js';
import { NodeInfo } from '../framework/node-info.js';
import {
  ALLOCATABLE_MEMORY,
  ALLOCATABLE_MILLI_CPU,
  FLAGS,
  NON_ZERO_MEMORY,
  NON_ZERO_MILLI_CPU,
  ROW_NO_NODE,
  ROW_STRIDE,
} from '../framework/node-table.js';
import { podRequests, type Resource } from '../framework/resource.js';
import { Status } from '../framework/status.js';
import {
  isCpuThenMemory,
  podRequestList,
  type ResourceScorer,
  type ResourceSpec,
  resourcesFromArgs,
  scoreResourceAllocation,
} from './helper/resource-allocation.js';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';

const preFilterStateKey = `PreFilter${NODE_RESOURCES_FIT}`;
const preScoreStateKey = `PreScore${NODE_RESOURCES_FIT}`;

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';

/** One point of RequestedToCapacityRatio's shape: utilization 0–100 (%), score 0–10. */
export interface UtilizationShapePoint {
  readonly utilization: number;
  readonly score: number;
}

/** A resource the node lacks for the pod, as Filter and preemption report it. */
export interface InsufficientResource {
  readonly resourceName: string;
  /** "Insufficient cpu", "Too many pods". */
  readonly reason: string;
  readonly requested: number;
  readonly used: number;
  readonly capacity: number;
  /** The node could not take the pod even empty. */
  readonly unresolvable: boolean;
}

class PreFilterState implements StateData {
  readonly scalarNames: readonly string[];
  constructor(readonly requests: Resource) {
    this.scalarNames = sortedScalarNames(requests);
  }
  clone(): StateData {
    return this; // never changed after PreFilter
  }
}

class PreScoreState implements StateData {
  constructor(readonly podRequests: readonly number[]) {}
  clone(): StateData {
    return this;
  }
}

/**
 * What the pod lacks on this node, in kube's order: pods count, cpu, memory,
 * ephemeral-storage, then extended resources by name. Empty when it fits. Runs once
 * per node per pod, so the common case (it fits) allocates nothing.
 */
export function insufficientResources(
  requests: Resource,
  nodeInfo: NodeInfo,
  ignoredResources: ReadonlySet<string> = noNames,
  ignoredResourceGroups: ReadonlySet<string> = noNames,
  scalarNames: readonly string[] = sortedScalarNames(requests),
): InsufficientResource[] {
  let out: InsufficientResource[] | undefined;
  // NodeInfo's inline amounts, not its Resources: this runs for every node of every cycle.
  const allowedPods = nodeInfo.allowedPodNumber;
  const numPods = nodeInfo.numPods;
  if (numPods + 1 > allowedPods) {
    out = [
      {
        resourceName: 'pods',
        reason: 'Too many pods',
        requested: 1,
        used: numPods,
        capacity: allowedPods,
        unresolvable: false,
      },
    ];
  }
  if (
    requests.milliCpu === 0 &&
    requests.memory === 0 &&
    requests.ephemeralStorage === 0 &&
    scalarNames.length === 0
  )
    return out ?? noneLacking;
  out = lacking(out, 'cpu', requests.milliCpu, nodeInfo.allocatableMilliCpu, nodeInfo.requestedMilliCpu);
  out = lacking(out, 'memory', requests.memory, nodeInfo.allocatableMemory, nodeInfo.requestedMemory);
  out = lacking(
    out,
    'ephemeral-storage',
    requests.ephemeralStorage,
    nodeInfo.allocatableEphemeralStorage,
    nodeInfo.requestedEphemeralStorage,
  );
  if (scalarNames.length === 0) return out ?? noneLacking;
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  for (const name of scalarNames) {
    if (isExtendedResourceName(name)) {
      const group = name.split('/')[0] ?? '';
      if (ignoredResources.has(name) || ignoredResourceGroups.has(group)) continue;
    }
    out = lacking(out, name, requests.scalar.get(name) ?? 0, alloc.get(name), used.get(name));
  }
  return out ?? noneLacking;
}

/** Adds the resource to `out` (made on first need) when the pod wants more than is left. */
function lacking(
  out: InsufficientResource[] | undefined,
  name: string,
  want: number,
  capacity: number,
  inUse: number,
): InsufficientResource[] | undefined {
  if (want <= 0 || want <= capacity - inUse) return out;
  const r = {
    resourceName: name,
    reason: `Insufficient ${name}`,
    requested: want,
    used: inUse,
    capacity,
    unresolvable: want > capacity,
  };
  if (out === undefined) return [r];
  out.push(r);
  return out;
}

const noNames: ReadonlySet<string> = new Set();
/** Shared by every node that fits; callers must not change it. */
const noneLacking: InsufficientResource[] = [];

/** The extended (scalar) resources the pod asks a non-zero amount of, sorted. */
function sortedScalarNames(requests: Resource): string[] {
  return [...requests.scalar]
    .filter(([, v]) => v !== 0)
    .map(([name]) => name)
    .sort();
}

/**
 * Extended resources are named `domain/name` outside the kubernetes.io domain and are
 * not `requests.`-prefixed (hugepages are scalar but not extended, so never ignored).
 */
function isExtendedResourceName(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  if (domain === 'kubernetes.io' || domain.endsWith('.kubernetes.io')) return false;
  return !name.startsWith('requests.');
}

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  // Defaults for pods without requests can push requested past capacity.
  const r = Math.min(requested, capacity);
  return Math.trunc((r * MAX_NODE_SCORE) / capacity);
}

/**
 * LeastAllocated over cpu and memory, weight 1 each (the default strategy and
 * resources): what weightedAverage(leastRequestedScore) makes of
 * scoreResourceAllocation's lists, computed from NodeInfo's inline amounts without
 * them. Scoring runs for every feasible node of every cycle, and the lists, the loop
 * over resource names and the scorer's call were most of its cost.
 */
export function leastAllocatedCpuMemory(ni: NodeInfo, podMilliCpu: number, podMemory: number): number {
  return leastAllocatedOf(
    ni.allocatableMilliCpu,
    ni.allocatableMemory,
    ni.nonZeroMilliCpu + podMilliCpu,
    ni.nonZeroMemory + podMemory,
  );
}

/** leastAllocatedCpuMemory over the amounts themselves (from a NodeInfo or its table row). */
function leastAllocatedOf(
  cpu: number,
  memory: number,
  requestedCpu: number,
  requestedMemory: number,
): number {
  let score = 0;
  let weights = 0;
  if (cpu !== 0) {
    score += leastRequestedScore(requestedCpu, cpu);
    weights++;
  }
  if (memory !== 0) {
    score += leastRequestedScore(requestedMemory, memory);
    weights++;
  }
  return weights === 0 ? 0 : Math.trunc(score / weights);
}

/** The generic LeastAllocated scorer, for tests comparing it with leastAllocatedCpuMemory. */
export function leastAllocatedScorer(resources: readonly ResourceSpec[]): ResourceScorer {
  return weightedAverage(resources, leastRequestedScore);
}

function weightedAverage(
  resources: readonly ResourceSpec[],
  one: (requested: number, capacity: number) => number,
): ResourceScorer {
  return (requested, allocatable) => {
    let score = 0;
    let weights = 0;
    for (let i = 0; i < requested.length; i++) {
      const capacity = allocatable[i] ?? 0;
      if (capacity === 0) continue;
      const weight = resources[i]?.weight ?? 1;
      score += one(requested[i] ?? 0, capacity) * weight;
      weights += weight;
    }
    return weights === 0 ? 0 : Math.trunc(score / weights);
  };
}

/** The shape's scores are 0–10 in configuration; scaled to 0–MAX_NODE_SCORE. */
const maxCustomPriorityScore = 10;
const maxUtilization = 100;

/** Interpolates linearly between the shape's points; flat before the first and after the last. */
function brokenLinear(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      const cur = shape[i] as UtilizationShapePoint;
      if (p <= cur.utilization) {
        if (i === 0) return cur.score;
        const prev = shape[i - 1] as UtilizationShapePoint;
        return (
          prev.score +
          Math.trunc(
            ((cur.score - prev.score) * (p - prev.utilization)) / (cur.utilization - prev.utilization),
          )
        );
      }
    }
    return (shape[shape.length - 1] as UtilizationShapePoint).score;
  };
}

function requestedToCapacityRatioScorer(
  resources: readonly ResourceSpec[],
  shape: readonly UtilizationShapePoint[],
): ResourceScorer {
  const scaled = shape.map((p) => ({
    utilization: p.utilization,
    score: p.score * (MAX_NODE_SCORE / maxCustomPriorityScore),
  }));
  const raw = brokenLinear(scaled);
  const one = (requested: number, capacity: number) =>
    capacity === 0 || requested > capacity
      ? raw(maxUtilization)
      : raw(Math.trunc((requested * maxUtilization) / capacity));
  return (requested, allocatable) => {
    let score = 0;
    let weights = 0;
    for (let i = 0; i < requested.length; i++) {
      const capacity = allocatable[i] ?? 0;
      if (capacity === 0) continue;
      const weight = resources[i]?.weight ?? 1;
      const s = one(requested[i] ?? 0, capacity);
      if (s > 0) {
        score += s * weight;
        weights += weight;
      }
    }
    return weights === 0 ? 0 : Math.round(score / weights);
  };
}

function parseShape(value: unknown): UtilizationShapePoint[] {
  const shape = (value as { shape?: unknown } | undefined)?.shape;
  if (!Array.isArray(shape) || shape.length === 0)
    throw new Error(
      `${NODE_RESOURCES_FIT}: scoringStrategy.requestedToCapacityRatio.shape must list at least one {utilization, score} point`,
    );
  let last = -1;
  return shape.map((p: unknown, i) => {
    const o = (typeof p === 'object' && p !== null ? p : {}) as { utilization?: unknown; score?: unknown };
    const utilization = o.utilization ?? 0;
    const score = o.score ?? 0;
    if (
      typeof utilization !== 'number' ||
      !Number.isInteger(utilization) ||
      utilization < 0 ||
      utilization > 100
    )
      throw new Error(`${NODE_RESOURCES_FIT}: shape[${i}].utilization must be an integer from 0 to 100`);
    if (utilization <= last)
      throw new Error(
        `${NODE_RESOURCES_FIT}: shape[${i}].utilization must be greater than the point before it`,
      );
    if (typeof score !== 'number' || !Number.isInteger(score) || score < 0 || score > maxCustomPriorityScore)
      throw new Error(
        `${NODE_RESOURCES_FIT}: shape[${i}].score must be an integer from 0 to ${maxCustomPriorityScore}`,
      );
    last = utilization;
    return { utilization, score };
  });
}

function stringSet(value: unknown, what: string): Set<string> {
  if (value === undefined || value === null) return new Set();
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new Error(`${NODE_RESOURCES_FIT}: ${what} must be a list of resource names`);
  return new Set(value as string[]);
}

/** The pod fits a node holding nothing but its allocatable (for queueing hints). */
function fitsEmptyNode(pod: Pod, node: Node): boolean {
  return insufficientResources(podRequests(pod), new NodeInfo(node)).length === 0;
}

function nodeAllocatableIncreased(pod: Pod, oldNode: Node, newNode: Node): boolean {
  const requests = podRequests(pod);
  const before = new NodeInfo(oldNode).allocatable;
  const after = new NodeInfo(newNode).allocatable;
  if (after.allowedPodNumber > before.allowedPodNumber) return true;
  const names = ['cpu', 'memory', 'ephemeral-storage', ...requests.scalar.keys()];
  return names.some((n) => requests.get(n) > 0 && after.get(n) > before.get(n));
}

function asPod(obj: unknown): Pod | undefined {
  return obj === undefined || obj === null ? undefined : (obj as Pod);
}

export const nodeResourcesFit: PluginFactory = (args) => {
  const ignoredResources = stringSet(args.ignoredResources, 'ignoredResources');
  const ignoredResourceGroups = stringSet(args.ignoredResourceGroups, 'ignoredResourceGroups');
  const strategy = (args.scoringStrategy ?? {}) as {
    type?: unknown;
    resources?: unknown;
    requestedToCapacityRatio?: unknown;
  };
  const type = (strategy.type ?? 'LeastAllocated') as ScoringStrategyType;
  const resources = resourcesFromArgs(strategy.resources, NODE_RESOURCES_FIT);
  let scorer: ResourceScorer;
  switch (type) {
    case 'LeastAllocated':
      scorer = leastAllocatedScorer(resources);
      break;
    case 'MostAllocated':
      scorer = weightedAverage(resources, mostRequestedScore);
      break;
    case 'RequestedToCapacityRatio':
      scorer = requestedToCapacityRatioScorer(resources, parseShape(strategy.requestedToCapacityRatio));
      break;
    default:
      throw new Error(
        `${NODE_RESOURCES_FIT}: scoringStrategy.type ${JSON.stringify(type)} is not one of LeastAllocated, MostAllocated, RequestedToCapacityRatio`,
      );
  }

  const cpuMemoryLeast = type === 'LeastAllocated' && isCpuThenMemory(resources, true);

  const requestsOf = (state: CycleState, pod: Pod): PreFilterState =>
    state.read<PreFilterState>(preFilterStateKey) ?? new PreFilterState(podRequests(pod));

  const plugin: PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions = {
    name: NODE_RESOURCES_FIT,

    preFilter(state, pod) {
      state.write(preFilterStateKey, new PreFilterState(podRequests(pod)));
      return { status: Status.SUCCESS };
    },

    rowCondition(state, pod) {
      const { requests, scalarNames } = requestsOf(state, pod);
      // Extended resources are not in the table: those pods are filtered node by node.
      if (scalarNames.length > 0) return undefined;
      return {
        clearFlags: ROW_NO_NODE,
        fit: {
          milliCpu: requests.milliCpu,
          memory: requests.memory,
          ephemeralStorage: requests.ephemeralStorage,
        },
      };
    },

    filter(state, pod, nodeInfo) {
      if (nodeInfo.node === undefined) return Status.error(new Error('node not found'));
      const { requests, scalarNames } = requestsOf(state, pod);
      const lacking = insufficientResources(
        requests,
        nodeInfo,
        ignoredResources,
        ignoredResourceGroups,
        scalarNames,
      );
      if (lacking.length === 0) return Status.SUCCESS;
      const reasons = lacking.map((r) => r.reason);
      return lacking.some((r) => r.unresolvable)
        ? Status.unresolvable(...reasons)
        : Status.unschedulable(...reasons);
    },

    preScore(state, pod) {
      state.write(preScoreStateKey, new PreScoreState(podRequestList(pod, resources, false)));
      return Status.SUCCESS;
    },

    score(state, pod, nodeInfo) {
      if (nodeInfo.node === undefined) throw new Error('node not found');
      const requests =
        state.read<PreScoreState>(preScoreStateKey)?.podRequests ?? podRequestList(pod, resources, false);
      if (cpuMemoryLeast) return leastAllocatedCpuMemory(nodeInfo, requests[0] ?? 0, requests[1] ?? 0);
      return scoreResourceAllocation(nodeInfo, resources, requests, false, scorer);
    },

    scoreRows(state, pod, table, rows, count, out) {
      if (!cpuMemoryLeast) return false;
      const requests =
        state.read<PreScoreState>(preScoreStateKey)?.podRequests ?? podRequestList(pod, resources, false);
      const podCpu = requests[0] ?? 0;
      const podMemory = requests[1] ?? 0;
      const d = table.data;
      for (let k = 0; k < count; k++) {
        const o = (rows[k] as number) * ROW_STRIDE;
        // A row without a Node: score() throws for it; let it.
        if (((d[o + FLAGS] as number) & ROW_NO_NODE) !== 0) return false;
        out[k] = leastAllocatedOf(
          d[o + ALLOCATABLE_MILLI_CPU] as number,
          d[o + ALLOCATABLE_MEMORY] as number,
          (d[o + NON_ZERO_MILLI_CPU] as number) + podCpu,
          (d[o + NON_ZERO_MEMORY] as number) + podMemory,
        );
      }
      return true;
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      return [
        {
          // Any assigned pod that goes frees what it requested (and a pod slot).
          event: { resource: 'AssignedPod', action: 'Delete' },
          hint: (_pod, oldObj): QueueingHint =>
            (asPod(oldObj)?.spec?.nodeName ?? '') === '' ? 'Skip' : 'Queue',
        },
        {
          // An in-place resize that lowers requests frees room too.
          event: { resource: 'AssignedPod', action: 'UpdatePodScaleDown' },
          hint: (pod, oldObj, newObj): QueueingHint => {
            const before = asPod(oldObj);
            const after = asPod(newObj);
            if (before === undefined || after === undefined) return 'Queue';
            const want = podRequests(pod);
            const b = podRequests(before);
            const a = podRequests(after);
            const names = ['cpu', 'memory', 'ephemeral-storage', ...want.scalar.keys()];
            return names.some((n) => want.get(n) > 0 && a.get(n) < b.get(n)) ? 'Queue' : 'Skip';
          },
        },
        {
          event: { resource: 'Node', action: 'Add' },
          hint: (pod, _oldObj, newObj): QueueingHint =>
            newObj !== undefined && fitsEmptyNode(pod, newObj as Node) ? 'Queue' : 'Skip',
        },
        {
          event: { resource: 'Node', action: 'UpdateNodeAllocatable' },
          hint: (pod, oldObj, newObj): QueueingHint => {
            if (newObj === undefined || !fitsEmptyNode(pod, newObj as Node)) return 'Skip';
            if (oldObj === undefined) return 'Queue';
            return nodeAllocatableIncreased(pod, oldObj as Node, newObj as Node) ? 'Queue' : 'Skip';
          },
        },
      ];
    },
  };
  return plugin;
};
