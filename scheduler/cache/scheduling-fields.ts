/**
 * The fields of a bound (or assumed) pod that the cache, the snapshot or a plugin reads,
 * in one place: when an update of a pod in the cache leaves all of them as they were,
 * the cache swaps the stored object and skips re-indexing the pod on its node (and the
 * node's copy into the next snapshot). Most updates of a bound pod are of that kind: the
 * binding's own confirmation, and the kubelet's status reports (phase, container
 * statuses, IPs, Ready), which nothing in the scheduler reads.
 *
 * Invariant: every field of an assigned pod read through `NodeInfo.pods` (its PodInfo)
 * or the cache is compared here. A plugin that starts reading another field of the
 * pods on a node must add it below, or its reads may see a stale object's value in the
 * NodeInfo sums (the object itself is always the latest).
 */
import type { Container } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { controllerOf } from '../../sdk/owner-references.js';

/** The pod condition DefaultPreemption sets on its victims (kube's DisruptionTarget). */
const DISRUPTION_TARGET = 'DisruptionTarget';

export function sameSchedulingFields(a: Pod, b: Pod): boolean {
  const am = a.metadata;
  const bm = b.metadata;
  const as = a.spec;
  const bs = b.spec;
  return (
    // The cache's key and NodeInfo.removePod's match; PodInfo.key; the namespace
    // InterPodAffinity, PodTopologySpread and PodDisruptionBudgets match pods in.
    am?.uid === bm?.uid &&
    am?.name === bm?.name &&
    am?.namespace === bm?.namespace &&
    // InterPodAffinity's and PodTopologySpread's selectors, PodDisruptionBudgets' (preemption).
    sameStrings(am?.labels, bm?.labels) &&
    // NodeInfo.podsByController (PodTopologySpread's default constraints count a controller's pods).
    controllerOf(a)?.uid === controllerOf(b)?.uid &&
    // Terminating pods: not counted by PodTopologySpread nor per controller; preemption
    // waits for its own victims (with the DisruptionTarget condition below).
    sameTime(am?.deletionTimestamp, bm?.deletionTimestamp) &&
    // Preemption's order of victims: status.startTime, else creationTimestamp.
    sameTime(am?.creationTimestamp, bm?.creationTimestamp) &&
    sameTime(a.status?.startTime, b.status?.startTime) &&
    sameDisruptionTarget(a, b) &&
    // The node it is on.
    (as?.nodeName ?? '') === (bs?.nodeName ?? '') &&
    // Preemption: who may evict whom.
    as?.priority === bs?.priority &&
    // NodeInfo.requested and nonZeroRequested (NodeResourcesFit, BalancedAllocation),
    // usedPorts (NodePorts).
    sameContainers(as?.containers, bs?.containers) &&
    sameContainers(as?.initContainers, bs?.initContainers) &&
    sameStrings(as?.overhead, bs?.overhead) &&
    // InterPodAffinity: the terms of the pods already placed; NodeInfo.podsWithAffinity.
    sameData(as?.affinity, bs?.affinity)
  );
}

/** Requests and host ports: what NodeInfo sums of a container. */
function sameContainers(a: readonly Container[] | undefined, b: readonly Container[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Container;
    const y = b[i] as Container;
    if (!sameStrings(x.resources?.requests, y.resources?.requests)) return false;
    if (x.ports.length !== y.ports.length) return false;
    for (let j = 0; j < x.ports.length; j++) {
      const p = x.ports[j];
      const q = y.ports[j];
      if (p?.hostPort !== q?.hostPort || p?.protocol !== q?.protocol || p?.hostIp !== q?.hostIp) return false;
    }
  }
  return true;
}

/** DefaultPreemption's isTerminatingByPreemption reads this condition's status and reason. */
function sameDisruptionTarget(a: Pod, b: Pod): boolean {
  const x = a.status?.conditions.find((c) => c.type === DISRUPTION_TARGET);
  const y = b.status?.conditions.find((c) => c.type === DISRUPTION_TARGET);
  return x?.status === y?.status && x?.reason === y?.reason;
}

function sameTime(a: Date | undefined, b: Date | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.getTime() === b.getTime());
}

function sameStrings(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  if (a === b) return true;
  const ka = a === undefined ? [] : Object.keys(a);
  const kb = b === undefined ? [] : Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (a?.[k] !== b?.[k]) return false;
  return true;
}

/** Structural equality of decoded message data: primitives, Dates, arrays, plain objects. */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x);
  if (kx.length !== Object.keys(y).length) return false;
  for (const k of kx) if (!sameData(x[k], y[k])) return false;
  return true;
}
