/**
 * InterPodAffinity's PreScore, Score and NormalizeScore (kube-scheduler's
 * interpodaffinity/scoring.go). Every domain gets a sum of weights, in both directions:
 * the incoming pod's preferred terms over existing pods (+ affinity, − anti-affinity),
 * and existing pods' terms over the incoming pod (their required affinity with
 * hardPodAffinityWeight, their preferred terms with their weights). A node scores the
 * sum over the domains it is in; scores are then scaled to [0, 100] between the
 * lowest and the highest.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Labels } from '../../../sdk/labels/index.js';
import type { StateData } from '../../framework/cycle-state.js';
import { MAX_NODE_SCORE, type NodeScore } from '../../framework/interface.js';
import type { NodeInfo, PodInfo } from '../../framework/node-info.js';
import {
  type AffinityTerm,
  affinityTermsOf,
  termMatches,
  type WeightedAffinityTerm,
} from './affinity-term.js';
import type { NamespaceLabels } from './filtering.js';

/** Topology key → value → score. */
type TopologyScore = Map<string, Map<string, number>>;

export class PreScoreState implements StateData {
  constructor(readonly topologyScore: TopologyScore) {}
  clone(): PreScoreState {
    return this;
  }
}

function addScore(scores: TopologyScore, key: string, nodeLabels: Labels, weight: number): void {
  const value = nodeLabels[key];
  if (value === undefined) return;
  let byValue = scores.get(key);
  if (byValue === undefined) {
    byValue = new Map();
    scores.set(key, byValue);
  }
  byValue.set(value, (byValue.get(value) ?? 0) + weight);
}

function processTerms(
  scores: TopologyScore,
  terms: readonly WeightedAffinityTerm[],
  pod: Pod,
  nsLabels: Labels | undefined,
  nodeLabels: Labels,
  sign: 1 | -1,
): void {
  for (const t of terms) processTerm(scores, t, t.weight * sign, pod, nsLabels, nodeLabels);
}

function processTerm(
  scores: TopologyScore,
  term: AffinityTerm,
  weight: number,
  pod: Pod,
  nsLabels: Labels | undefined,
  nodeLabels: Labels,
): void {
  if (termMatches(term, pod, nsLabels)) addScore(scores, term.topologyKey, nodeLabels, weight);
}

/**
 * The domain scores, or undefined when no domain scores (Score is then skipped). Unless
 * the incoming pod has preferred terms, only nodes holding pods with affinity terms can
 * contribute, so only those are visited.
 */
export function computePreScoreState(
  pod: Pod,
  allNodes: readonly NodeInfo[],
  nodesWithAffinity: readonly NodeInfo[],
  nsLabelsOf: NamespaceLabels,
  hardPodAffinityWeight: number,
): PreScoreState | undefined {
  const terms = affinityTermsOf(pod);
  const hasConstraints = terms.preferredAffinity.length > 0 || terms.preferredAntiAffinity.length > 0;
  const nodes = hasConstraints ? allNodes : nodesWithAffinity;
  const nsLabels = nsLabelsOf(pod.metadata?.namespace ?? '');
  const scores: TopologyScore = new Map();
  for (const ni of nodes) {
    const nodeLabels = ni.node?.metadata?.labels ?? {};
    if (Object.keys(nodeLabels).length === 0) continue;
    const pods: readonly PodInfo[] = hasConstraints ? ni.pods : ni.podsWithAffinity;
    for (const existing of pods) {
      const existingNsLabels = nsLabelsOf(existing.pod.metadata?.namespace ?? '');
      processTerms(scores, terms.preferredAffinity, existing.pod, existingNsLabels, nodeLabels, 1);
      processTerms(scores, terms.preferredAntiAffinity, existing.pod, existingNsLabels, nodeLabels, -1);
      const theirs = affinityTermsOf(existing.pod);
      if (hardPodAffinityWeight > 0) {
        for (const t of theirs.requiredAffinity)
          processTerm(scores, t, hardPodAffinityWeight, pod, nsLabels, nodeLabels);
      }
      processTerms(scores, theirs.preferredAffinity, pod, nsLabels, nodeLabels, 1);
      processTerms(scores, theirs.preferredAntiAffinity, pod, nsLabels, nodeLabels, -1);
    }
  }
  return scores.size === 0 ? undefined : new PreScoreState(scores);
}

/** The sum of the scores of the domains the node is in. */
export function scoreNode(s: PreScoreState, nodeLabels: Labels): number {
  let score = 0;
  for (const [key, byValue] of s.topologyScore) {
    const value = nodeLabels[key];
    if (value !== undefined) score += byValue.get(value) ?? 0;
  }
  return score;
}

/** Scales to [0, MAX_NODE_SCORE] between the lowest and highest score; all equal gives 0. */
export function normalize(scores: NodeScore[]): void {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) {
    if (s.score > max) max = s.score;
    if (s.score < min) min = s.score;
  }
  const diff = max - min;
  for (const s of scores) s.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((s.score - min) / diff)) : 0;
}
