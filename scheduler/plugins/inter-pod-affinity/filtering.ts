/**
 * InterPodAffinity's PreFilter and Filter (kube-scheduler's interpodaffinity/filtering.go):
 * PreFilter counts, per topology domain, the existing pods that the incoming pod's
 * required terms select and the existing pods whose required anti-affinity selects the
 * incoming pod; Filter then answers per node from those counts alone.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Labels } from '../../../sdk/labels/index.js';
import type { StateData } from '../../framework/cycle-state.js';
import type { NodeInfo, PodInfo } from '../../framework/node-info.js';
import { type AffinityTerms, affinityTermsOf, matchesAllTerms } from './affinity-term.js';
import { TopologyCounts } from './topology-counts.js';

export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH =
  "node(s) didn't satisfy existing pods anti-affinity rules";

export type NamespaceLabels = (namespace: string) => Labels | undefined;

export class PreFilterState implements StateData {
  constructor(
    readonly pod: Pod,
    readonly terms: AffinityTerms,
    /** The labels of the incoming pod's namespace, for existing pods' namespaceSelectors. */
    readonly namespaceLabels: Labels | undefined,
    readonly nsLabelsOf: NamespaceLabels,
    /** Domains holding an existing pod whose required anti-affinity selects the incoming pod. */
    readonly existingAntiAffinityCounts: TopologyCounts,
    /** Domains holding existing pods that every required affinity term of the incoming pod selects. */
    readonly affinityCounts: TopologyCounts,
    /** Domains holding existing pods that a required anti-affinity term of the incoming pod selects. */
    readonly antiAffinityCounts: TopologyCounts,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.pod,
      this.terms,
      this.namespaceLabels,
      this.nsLabelsOf,
      this.existingAntiAffinityCounts.clone(),
      this.affinityCounts.clone(),
      this.antiAffinityCounts.clone(),
    );
  }

  /** What adding (`delta` 1) or removing (-1) `info` on `nodeInfo` changes in the counts. */
  updateWithPod(info: PodInfo, nodeInfo: NodeInfo, delta: 1 | -1): void {
    const labels = nodeInfo.node?.metadata?.labels ?? {};
    const existing = affinityTermsOf(info.pod);
    this.existingAntiAffinityCounts.updateWithAntiAffinityTerms(
      existing.requiredAntiAffinity,
      this.pod,
      this.namespaceLabels,
      labels,
      delta,
    );
    const podNsLabels = this.nsLabelsOf(info.pod.metadata?.namespace ?? '');
    this.affinityCounts.updateWithAffinityTerms(
      this.terms.requiredAffinity,
      info.pod,
      podNsLabels,
      labels,
      delta,
    );
    this.antiAffinityCounts.updateWithAntiAffinityTerms(
      this.terms.requiredAntiAffinity,
      info.pod,
      podNsLabels,
      labels,
      delta,
    );
  }

  /** Nothing to check: no required terms of the incoming pod and no existing anti-affinity against it. */
  get isEmpty(): boolean {
    return (
      this.existingAntiAffinityCounts.size === 0 &&
      this.terms.requiredAffinity.length === 0 &&
      this.terms.requiredAntiAffinity.length === 0
    );
  }
}

/**
 * Builds the counts. Existing pods' anti-affinity is looked for only on the nodes the
 * snapshot lists as holding pods with required anti-affinity; every pod is visited only
 * when the incoming pod itself has required terms, which is the work its terms ask for.
 */
export function computePreFilterState(
  pod: Pod,
  allNodes: readonly NodeInfo[],
  nodesWithRequiredAntiAffinity: readonly NodeInfo[],
  nsLabelsOf: NamespaceLabels,
): PreFilterState {
  const terms = affinityTermsOf(pod);
  const namespaceLabels = nsLabelsOf(pod.metadata?.namespace ?? '');
  const existingAnti = new TopologyCounts();
  for (const ni of nodesWithRequiredAntiAffinity) {
    const labels = ni.node?.metadata?.labels;
    if (labels === undefined) continue;
    for (const existing of ni.podsWithRequiredAntiAffinity) {
      existingAnti.updateWithAntiAffinityTerms(
        affinityTermsOf(existing.pod).requiredAntiAffinity,
        pod,
        namespaceLabels,
        labels,
        1,
      );
    }
  }
  const affinity = new TopologyCounts();
  const anti = new TopologyCounts();
  if (terms.requiredAffinity.length > 0 || terms.requiredAntiAffinity.length > 0) {
    for (const ni of allNodes) {
      const labels = ni.node?.metadata?.labels;
      if (labels === undefined) continue;
      for (const existing of ni.pods) {
        const nsLabels = nsLabelsOf(existing.pod.metadata?.namespace ?? '');
        affinity.updateWithAffinityTerms(terms.requiredAffinity, existing.pod, nsLabels, labels, 1);
        anti.updateWithAntiAffinityTerms(terms.requiredAntiAffinity, existing.pod, nsLabels, labels, 1);
      }
    }
  }
  return new PreFilterState(pod, terms, namespaceLabels, nsLabelsOf, existingAnti, affinity, anti);
}

/**
 * The node is in a domain of every required affinity term that holds a matching pod.
 * When no pod anywhere matches, the pod may still go to a node that has every topology
 * label if it matches its own terms: it is the first of a group that wants to be together.
 */
export function satisfiesPodAffinity(s: PreFilterState, nodeLabels: Labels): boolean {
  let podsExist = true;
  for (const term of s.terms.requiredAffinity) {
    const value = nodeLabels[term.topologyKey];
    if (value === undefined) return false;
    if (s.affinityCounts.get(term.topologyKey, value) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  return s.affinityCounts.size === 0 && matchesAllTerms(s.terms.requiredAffinity, s.pod, s.namespaceLabels);
}

/** No required anti-affinity term of the incoming pod has a matching pod in the node's domain. */
export function satisfiesPodAntiAffinity(s: PreFilterState, nodeLabels: Labels): boolean {
  if (s.antiAffinityCounts.size === 0) return true;
  for (const term of s.terms.requiredAntiAffinity) {
    const value = nodeLabels[term.topologyKey];
    if (value !== undefined && s.antiAffinityCounts.get(term.topologyKey, value) > 0) return false;
  }
  return true;
}

/** No existing pod's required anti-affinity against the incoming pod covers the node's domains. */
export function satisfiesExistingPodsAntiAffinity(s: PreFilterState, nodeLabels: Labels): boolean {
  return s.existingAntiAffinityCounts.size === 0 || !s.existingAntiAffinityCounts.anyOnNode(nodeLabels);
}
