/**
 * PodTopologySpread's queueing hints (kube-scheduler 1.32's isSchedulableAfterPodChange
 * and isSchedulableAfterNodeChange): a pod it rejected waits for a pod its constraints
 * count to come, go or be relabelled in its namespace, or for a node with the
 * constraints' topology keys to come, go or change them (or its taints, which
 * nodeTaintsPolicy may count).
 */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { QueueingHint } from '../../framework/interface.js';
import { nodeHasAllTopologyKeys, type SpreadConstraint } from './constraints.js';

/** Whether `other` counts for `pod`'s spreading: a bound pod of its namespace (or the pod itself). */
function involvedInTopologySpreading(other: Pod, pod: Pod): boolean {
  return (
    other.metadata?.uid === pod.metadata?.uid ||
    (!!other.spec?.nodeName && other.metadata?.namespace === pod.metadata?.namespace)
  );
}

/** An assigned pod added, deleted or relabelled; `constraints` are the pending pod's. */
export function isSchedulableAfterPodChange(
  pod: Pod,
  constraints: readonly SpreadConstraint[],
  oldObj: Pod | undefined,
  newObj: Pod | undefined,
): QueueingHint {
  if (
    (newObj !== undefined && !involvedInTopologySpreading(newObj, pod)) ||
    (oldObj !== undefined && !involvedInTopologySpreading(oldObj, pod))
  )
    return 'Skip';
  if (oldObj !== undefined && newObj !== undefined) {
    // Relabelled: only a change of whether a constraint counts it matters.
    return constraints.some((c) => c.matches(oldObj) !== c.matches(newObj)) ? 'Queue' : 'Skip';
  }
  const changed = newObj ?? oldObj;
  if (changed === undefined) return 'Queue';
  return constraints.some((c) => c.matches(changed)) ? 'Queue' : 'Skip';
}

/** A node added, deleted, or its labels or taints changed. */
export function isSchedulableAfterNodeChange(
  constraints: readonly SpreadConstraint[],
  oldObj: Node | undefined,
  newObj: Node | undefined,
): QueueingHint {
  const hasKeys = (n: Node | undefined) =>
    n !== undefined && nodeHasAllTopologyKeys(n.metadata?.labels ?? {}, constraints);
  if (oldObj === undefined || newObj === undefined) return hasKeys(newObj ?? oldObj) ? 'Queue' : 'Skip';
  if (!hasKeys(oldObj) && !hasKeys(newObj)) return 'Skip';
  const before = oldObj.metadata?.labels ?? {};
  const after = newObj.metadata?.labels ?? {};
  if (constraints.some((c) => before[c.topologyKey] !== after[c.topologyKey])) return 'Queue';
  const taints = (n: Node) => JSON.stringify((n.spec?.taints ?? []).map((t) => [t.key, t.value, t.effect]));
  return taints(oldObj) !== taints(newObj) ? 'Queue' : 'Skip';
}
