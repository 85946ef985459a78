/**
 * PodTopologySpread's PreFilter and Filter (kube-scheduler's podtopologyspread/filtering.go)
 * for `whenUnsatisfiable: DoNotSchedule`: PreFilter counts matching pods per domain over
 * the eligible nodes; Filter lets a pod onto a node only if its domain would then exceed
 * the least-loaded domain by at most maxSkew.
 */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type RequiredNodeAffinity, requiredNodeAffinityOf } from '../../../sdk/scheduling/index.js';
import type { StateData } from '../../framework/cycle-state.js';
import type { NodeInfo, PodInfo } from '../../framework/node-info.js';
import { Status } from '../../framework/status.js';
import {
  countMatching,
  matchesNodeInclusionPolicies,
  nodeHasAllTopologyKeys,
  type SpreadConstraint,
} from './constraints.js';

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

export class PreFilterState implements StateData {
  /** Per constraint: the smallest count over its domains, recomputed after a change. */
  private readonly minima: (number | undefined)[];

  constructor(
    readonly pod: Pod,
    readonly constraints: readonly SpreadConstraint[],
    /** Per constraint: domain (topology value) → matching pods. */
    readonly tpValueToMatchNum: Map<string, number>[],
    readonly requiredNodeAffinity: RequiredNodeAffinity,
  ) {
    this.minima = constraints.map(() => undefined);
  }

  clone(): PreFilterState {
    return new PreFilterState(
      this.pod,
      this.constraints,
      this.tpValueToMatchNum.map((m) => new Map(m)),
      this.requiredNodeAffinity,
    );
  }

  /**
   * The global minimum the skew is measured from: the least count over the eligible
   * domains, or 0 while there are fewer domains than minDomains (the missing ones are
   * empty). With no eligible domain at all there is no minimum to exceed.
   */
  minMatchNum(i: number): number {
    const counts = this.tpValueToMatchNum[i] ?? new Map<string, number>();
    const c = this.constraints[i];
    if (c !== undefined && counts.size < c.minDomains) return 0;
    let min = this.minima[i];
    if (min === undefined) {
      min = Number.POSITIVE_INFINITY;
      for (const n of counts.values()) if (n < min) min = n;
      this.minima[i] = min;
    }
    return min;
  }

  /** What adding (`delta` 1) or removing (-1) a pod on `node` changes in the counts. */
  updateWithPod(info: PodInfo, node: Node | undefined, delta: 1 | -1): void {
    if (node === undefined || info.pod.metadata?.namespace !== this.pod.metadata?.namespace) return;
    const labels = node.metadata?.labels ?? {};
    if (!nodeHasAllTopologyKeys(labels, this.constraints)) return;
    this.constraints.forEach((c, i) => {
      if (!c.matches(info.pod)) return;
      if (!matchesNodeInclusionPolicies(c, this.pod, node, this.requiredNodeAffinity)) return;
      const value = labels[c.topologyKey] ?? '';
      const counts = this.tpValueToMatchNum[i];
      if (counts === undefined) return;
      counts.set(value, (counts.get(value) ?? 0) + delta);
      this.minima[i] = undefined;
    });
  }
}

/** Counts matching pods per domain over the nodes that have every topology key and are eligible. */
export function computePreFilterState(
  pod: Pod,
  constraints: readonly SpreadConstraint[],
  allNodes: readonly NodeInfo[],
): PreFilterState {
  const requiredNodeAffinity = requiredNodeAffinityOf(pod);
  const counts = constraints.map(() => new Map<string, number>());
  const ns = pod.metadata?.namespace ?? '';
  for (const ni of allNodes) {
    const node = ni.node;
    if (node === undefined) continue;
    const labels = node.metadata?.labels ?? {};
    if (!nodeHasAllTopologyKeys(labels, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!matchesNodeInclusionPolicies(c, pod, node, requiredNodeAffinity)) return;
      const value = labels[c.topologyKey] ?? '';
      const m = counts[i] as Map<string, number>;
      m.set(value, (m.get(value) ?? 0) + countMatching(ni, c, ns));
    });
  }
  return new PreFilterState(pod, constraints, counts, requiredNodeAffinity);
}

export function filterNode(s: PreFilterState, pod: Pod, nodeInfo: NodeInfo): Status {
  const labels = nodeInfo.node?.metadata?.labels ?? {};
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i] as SpreadConstraint;
    const value = labels[c.topologyKey];
    if (value === undefined) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
    const selfMatch = c.matches(pod) ? 1 : 0;
    const matchNum = s.tpValueToMatchNum[i]?.get(value) ?? 0;
    const skew = matchNum + selfMatch - s.minMatchNum(i);
    if (skew > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
  }
  return Status.SUCCESS;
}
