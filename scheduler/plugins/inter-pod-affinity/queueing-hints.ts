/**
 * InterPodAffinity's queueing hints (kube-scheduler 1.32's isSchedulableAfterPodChange
 * and isSchedulableAfterNodeChange): which cluster events could make a pod it rejected
 * fit, so that the pod leaves the unschedulable set only on those.
 *
 * A pod rejected by InterPodAffinity waits either for a pod its affinity terms want, for
 * a pod its anti-affinity terms (or whose own anti-affinity) shut it out of a domain to
 * go, or for a node whose topology labels open a domain.
 */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Labels } from '../../../sdk/labels/index.js';
import type { QueueingHint } from '../../framework/interface.js';
import { type AffinityTerm, affinityTermsOf, matchesAllTerms, termMatches } from './affinity-term.js';

type NamespaceLabels = (namespace: string) => Labels | undefined;

const matchesAny = (terms: readonly AffinityTerm[], pod: Pod, nsLabels: NamespaceLabels) =>
  terms.some((t) => termMatches(t, pod, nsLabels(pod.metadata?.namespace ?? '')));

/**
 * An assigned pod added, deleted or relabelled (`oldObj`/`newObj` undefined on the side
 * that does not exist).
 */
export function isSchedulableAfterPodChange(
  pod: Pod,
  oldObj: Pod | undefined,
  newObj: Pod | undefined,
  nsLabels: NamespaceLabels,
): QueueingHint {
  if ((newObj !== undefined && !newObj.spec?.nodeName) || (oldObj !== undefined && !oldObj.spec?.nodeName))
    return 'Skip';
  const { requiredAffinity, requiredAntiAffinity } = affinityTermsOf(pod);
  const podNsLabels = nsLabels(pod.metadata?.namespace ?? '');
  const allAffinity = (p: Pod) => matchesAllTerms(requiredAffinity, p, nsLabels(p.metadata?.namespace ?? ''));
  // The existing pod's own required anti-affinity shuts `pod` out of its domain.
  const shutsOut = (p: Pod) =>
    affinityTermsOf(p).requiredAntiAffinity.some((t) => termMatches(t, pod, podNsLabels));

  if (oldObj !== undefined && newObj !== undefined) {
    // One existing pod must satisfy every affinity term at once.
    if (!allAffinity(oldObj) && allAffinity(newObj)) return 'Queue';
    if (
      matchesAny(requiredAntiAffinity, oldObj, nsLabels) &&
      !matchesAny(requiredAntiAffinity, newObj, nsLabels)
    )
      return 'Queue';
    return 'Skip';
  }
  if (newObj !== undefined) return allAffinity(newObj) ? 'Queue' : 'Skip';
  if (oldObj !== undefined)
    return matchesAny(requiredAntiAffinity, oldObj, nsLabels) || shutsOut(oldObj) ? 'Queue' : 'Skip';
  return 'Queue';
}

/** A node added, or its labels changed. */
export function isSchedulableAfterNodeChange(
  pod: Pod,
  oldObj: Node | undefined,
  newObj: Node | undefined,
): QueueingHint {
  if (newObj === undefined) return 'Skip';
  const { requiredAffinity, requiredAntiAffinity } = affinityTermsOf(pod);
  // Rejected only by existing pods' anti-affinity: a new node may be free of them.
  if (oldObj === undefined && requiredAffinity.length === 0) return 'Queue';
  const before: Labels = oldObj?.metadata?.labels ?? {};
  const after: Labels = newObj.metadata?.labels ?? {};
  for (const t of requiredAffinity) {
    const key = t.topologyKey;
    if (after[key] === undefined) continue;
    // A domain appears: a new node with the key, the key added, or its value changed.
    if (oldObj === undefined || before[key] !== after[key]) return 'Queue';
  }
  for (const t of requiredAntiAffinity) {
    const key = t.topologyKey;
    if (oldObj === undefined) return 'Queue';
    // The node leaves a domain the term shut the pod out of.
    if (before[key] !== undefined && before[key] !== after[key]) return 'Queue';
  }
  return 'Skip';
}
