/**
 * PodTopologySpread's PreScore, Score and NormalizeScore for `whenUnsatisfiable:
 * ScheduleAnyway` (kube-scheduler 1.32's podtopologyspread/scoring.go). A node's raw
 * score is, over the constraints, the matching pods in its domain times a weight that
 * grows with the number of domains (log(domains + 2)), plus maxSkew − 1; fewer is
 * better, so NormalizeScore turns it around: the emptiest node gets 100.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { requiredNodeAffinityOf } from '../../../sdk/scheduling/index.js';
import type { StateData } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type NodeInfoLister, type NodeScore } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import {
  countMatching,
  LABEL_HOSTNAME,
  matchesNodeInclusionPolicies,
  nodeHasAllTopologyKeys,
  type SpreadConstraint,
} from './constraints.js';

export class PreScoreState implements StateData {
  constructor(
    readonly constraints: readonly SpreadConstraint[],
    /** Nodes missing a topology key (when every key is required): they score 0. */
    readonly ignoredNodes: ReadonlySet<string>,
    /** Per constraint: domain → matching pods (hostname domains are counted in Score). */
    readonly topologyValueToPodCounts: readonly Map<string, number>[],
    readonly topologyNormalizingWeight: readonly number[],
    /**
     * Per constraint, for a per-host constraint that counts one controller's pods: the
     * nodes holding some, with how many. Score reads a node's count here (a node not in
     * it holds none) instead of in the node's own per-controller map: one small map,
     * hot in the cache, for every node scored.
     */
    readonly hostCounts: readonly (ReadonlyMap<NodeInfo, number> | undefined)[] = [],
  ) {}
  clone(): PreScoreState {
    return this;
  }
}

const NO_LABELS: Readonly<Record<string, string>> = {};

/**
 * `requireAllTopologies` is false only for system-default constraints, so that nodes
 * without a zone label are still spread by host. `allNodes` are the nodes whose pods are
 * counted: every node, or any superset of those holding a matching pod.
 */
export function computePreScoreState(
  pod: Pod,
  constraints: readonly SpreadConstraint[],
  filteredNodes: readonly NodeInfo[],
  allNodes: Iterable<NodeInfo>,
  requireAllTopologies: boolean,
  nodesWithPodsOf?: (controllerUid: string) => Iterable<NodeInfo>,
): PreScoreState {
  const ignored = new Set<string>();
  const counts = constraints.map(() => new Map<string, number>());
  for (const ni of filteredNodes) {
    const labels = ni.node?.metadata?.labels ?? NO_LABELS;
    if (requireAllTopologies && !nodeHasAllTopologyKeys(labels, constraints)) {
      ignored.add(ni.name);
      continue;
    }
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i] as SpreadConstraint;
      // Per-host counts are taken in Score; a node without the key is in no domain of it.
      if (c.topologyKey === LABEL_HOSTNAME) continue;
      const value = labels[c.topologyKey];
      if (value !== undefined) (counts[i] as Map<string, number>).set(value, 0);
    }
  }
  const weights = constraints.map((c, i) => {
    const size =
      c.topologyKey === LABEL_HOSTNAME ? filteredNodes.length - ignored.size : (counts[i]?.size ?? 0);
    return Math.log(size + 2);
  });

  const requiredNodeAffinity = requiredNodeAffinityOf(pod);
  const ns = pod.metadata?.namespace ?? '';
  for (const ni of allNodes) {
    const node = ni.node;
    if (node === undefined) continue;
    const labels = node.metadata?.labels ?? NO_LABELS;
    if (requireAllTopologies && !nodeHasAllTopologyKeys(labels, constraints)) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i] as SpreadConstraint;
      const value = labels[c.topologyKey];
      if (value === undefined) continue;
      const m = counts[i] as Map<string, number>;
      // Only domains of candidate nodes matter (per-host ones are empty here: Score counts them).
      const current = m.get(value);
      if (current === undefined || !matchesNodeInclusionPolicies(c, pod, node, requiredNodeAffinity))
        continue;
      m.set(value, current + countMatching(ni, c, ns));
    }
  }
  const hostCounts = constraints.map((c) => {
    if (c.topologyKey !== LABEL_HOSTNAME || c.controllerUid === undefined || nodesWithPodsOf === undefined)
      return undefined;
    const hosts = new Map<NodeInfo, number>();
    for (const ni of nodesWithPodsOf(c.controllerUid)) hosts.set(ni, countMatching(ni, c, ns));
    return hosts;
  });
  return new PreScoreState(constraints, ignored, counts, weights, hostCounts);
}

/** Runs once per node scored (hundreds per pod): plain loops, no closures. */
export function scoreNode(s: PreScoreState, pod: Pod, nodeInfo: NodeInfo): number {
  if (s.ignoredNodes.size > 0 && s.ignoredNodes.has(nodeInfo.name)) return 0;
  const labels = nodeInfo.node?.metadata?.labels ?? NO_LABELS;
  let score = 0;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i] as SpreadConstraint;
    const value = labels[c.topologyKey];
    if (value === undefined) continue;
    let cnt: number;
    if (c.topologyKey === LABEL_HOSTNAME) {
      const hosts = s.hostCounts[i];
      cnt =
        hosts !== undefined
          ? (hosts.get(nodeInfo) ?? 0)
          : countMatching(nodeInfo, c, pod.metadata?.namespace ?? '');
    } else {
      cnt = s.topologyValueToPodCounts[i]?.get(value) ?? 0;
    }
    score += cnt * (s.topologyNormalizingWeight[i] ?? 0) + (c.maxSkew - 1);
  }
  return Math.round(score);
}

/**
 * The nodes whose pods PreScore counts. Per-host constraints are counted in Score, so
 * with no other constraint none; when every other constraint counts one controller's pods
 * (the system defaults), the nodes holding some; otherwise every node.
 */
export function nodesToCount(
  constraints: readonly SpreadConstraint[],
  nodes: NodeInfoLister,
): Iterable<NodeInfo> {
  let uid: string | undefined;
  for (const c of constraints) {
    if (c.topologyKey === LABEL_HOSTNAME) continue;
    if (c.controllerUid === undefined || (uid !== undefined && uid !== c.controllerUid)) return nodes.list();
    uid = c.controllerUid;
  }
  return uid === undefined ? [] : nodes.withPodsOf(uid);
}

/** Fewer matching pods is better: the lowest raw score becomes 100; ignored nodes get 0. */
export function normalize(s: PreScoreState, scores: NodeScore[]): void {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const n of scores) {
    if (s.ignoredNodes.has(n.name)) continue;
    if (n.score < min) min = n.score;
    if (n.score > max) max = n.score;
  }
  for (const n of scores) {
    if (s.ignoredNodes.has(n.name)) n.score = 0;
    else if (max === 0) n.score = MAX_NODE_SCORE;
    else n.score = Math.trunc((MAX_NODE_SCORE * (max + min - n.score)) / max);
  }
}
