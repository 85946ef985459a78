/**
 * NodeResourcesBalancedAllocation: prefers nodes where, with the pod added, the
 * requested fractions of the resources (cpu and memory by default) are close to each
 * other, so that no resource runs out while another idles. The score is
 * (1 − standard deviation of the fractions) × 100, each fraction capped at 1; with two
 * resources the deviation is |f₁ − f₂| / 2. Requests are counted as written (no
 * defaults for containers without requests), as kube 1.32 does.
 *
 * Args: `resources: [{name, weight}]` (weights are accepted for symmetry with
 * NodeResourcesFit; the deviation does not weigh them).
 */
import type { StateData } from '../framework/cycle-state.js';
import {
  type EnqueueExtensions,
  MAX_NODE_SCORE,
  type PluginFactory,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/interface.js';
import type { NodeInfo } from '../framework/node-info.js';
import {
  ALLOCATABLE_MEMORY,
  ALLOCATABLE_MILLI_CPU,
  FLAGS,
  REQUESTED_MEMORY,
  REQUESTED_MILLI_CPU,
  ROW_NO_NODE,
  ROW_STRIDE,
} from '../framework/node-table.js';
import { Status } from '../framework/status.js';
import {
  isCpuThenMemory,
  podRequestList,
  type ResourceScorer,
  resourcesFromArgs,
  scoreResourceAllocation,
} from './helper/resource-allocation.js';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

const preScoreStateKey = `PreScore${NODE_RESOURCES_BALANCED_ALLOCATION}`;

class PreScoreState implements StateData {
  constructor(readonly podRequests: readonly number[]) {}
  clone(): StateData {
    return this;
  }
}

/** (1 − the standard deviation of the requested/allocatable fractions) × MAX_NODE_SCORE. */
export const balancedResourceScorer: ResourceScorer = (requested, allocatable) => {
  // Two passes over the fractions (mean, then deviation) instead of collecting them:
  // this runs for every feasible node of every cycle.
  let count = 0;
  let total = 0;
  let first = 0;
  let second = 0;
  for (let i = 0; i < requested.length; i++) {
    const f = fraction(requested, allocatable, i);
    if (f === undefined) continue;
    if (count === 0) first = f;
    else if (count === 1) second = f;
    total += f;
    count++;
  }
  let std = 0;
  if (count === 2) {
    std = Math.abs((first - second) / 2);
  } else if (count > 2) {
    const mean = total / count;
    let sum = 0;
    for (let i = 0; i < requested.length; i++) {
      const f = fraction(requested, allocatable, i);
      if (f !== undefined) sum += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / count);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
};

/**
 * balancedResourceScorer over cpu and memory (the default resources), from NodeInfo's
 * inline amounts without scoreResourceAllocation's lists: the same arithmetic, in the
 * same order, for every feasible node of every cycle.
 */
export function balancedCpuMemory(ni: NodeInfo, podMilliCpu: number, podMemory: number): number {
  return balancedOf(
    ni.allocatableMilliCpu,
    ni.allocatableMemory,
    ni.requestedMilliCpu + podMilliCpu,
    ni.requestedMemory + podMemory,
  );
}

/** balancedCpuMemory over the amounts themselves (from a NodeInfo or its table row). */
function balancedOf(cpu: number, memory: number, requestedCpu: number, requestedMemory: number): number {
  let std = 0;
  // One resource or none offered: a single fraction deviates from nothing.
  if (cpu !== 0 && memory !== 0) {
    const first = Math.min(requestedCpu / cpu, 1);
    const second = Math.min(requestedMemory / memory, 1);
    std = Math.abs((first - second) / 2);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

/** requested / allocatable of resource i, at most 1; undefined where the node has none. */
function fraction(
  requested: readonly number[],
  allocatable: readonly number[],
  i: number,
): number | undefined {
  const alloc = allocatable[i] ?? 0;
  return alloc === 0 ? undefined : Math.min((requested[i] ?? 0) / alloc, 1);
}

export const nodeResourcesBalancedAllocation: PluginFactory = (args) => {
  const resources = resourcesFromArgs(args.resources, NODE_RESOURCES_BALANCED_ALLOCATION);
  // The deviation does not weigh the resources: only their names choose the fast path.
  const cpuMemory = isCpuThenMemory(resources, false);
  const plugin: PreScorePlugin & ScorePlugin & EnqueueExtensions = {
    name: NODE_RESOURCES_BALANCED_ALLOCATION,

    preScore(state, pod) {
      state.write(preScoreStateKey, new PreScoreState(podRequestList(pod, resources, true)));
      return Status.SUCCESS;
    },

    score(state, pod, nodeInfo) {
      if (nodeInfo.node === undefined) throw new Error('node not found');
      const requests =
        state.read<PreScoreState>(preScoreStateKey)?.podRequests ?? podRequestList(pod, resources, true);
      if (cpuMemory) return balancedCpuMemory(nodeInfo, requests[0] ?? 0, requests[1] ?? 0);
      return scoreResourceAllocation(nodeInfo, resources, requests, true, balancedResourceScorer);
    },

    scoreRows(state, pod, table, rows, count, out) {
      if (!cpuMemory) return false;
      const requests =
        state.read<PreScoreState>(preScoreStateKey)?.podRequests ?? podRequestList(pod, resources, true);
      const podCpu = requests[0] ?? 0;
      const podMemory = requests[1] ?? 0;
      const d = table.data;
      for (let k = 0; k < count; k++) {
        const o = (rows[k] as number) * ROW_STRIDE;
        // A row without a Node: score() throws for it; let it.
        if (((d[o + FLAGS] as number) & ROW_NO_NODE) !== 0) return false;
        out[k] = balancedOf(
          d[o + ALLOCATABLE_MILLI_CPU] as number,
          d[o + ALLOCATABLE_MEMORY] as number,
          (d[o + REQUESTED_MILLI_CPU] as number) + podCpu,
          (d[o + REQUESTED_MEMORY] as number) + podMemory,
        );
      }
      return true;
    },

    /** A score plugin rejects no pod, so no event needs to requeue one for it. */
    eventsToRegister() {
      return [];
    },
  };
  return plugin;
};
