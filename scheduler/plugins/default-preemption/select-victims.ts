/**
 * Which pods to evict from one node so that a preemptor fits there (kube-scheduler's
 * DefaultPreemption.SelectVictimsOnNode): remove every pod of lower priority, check
 * that the preemptor fits, then give back as many as possible, the most important
 * first, keeping each one that still leaves room. Works on clones of the NodeInfo and
 * the CycleState only; the plugins' PreFilterExtensions keep their state in step.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { Handle } from '../../framework/interface.js';
import type { NodeInfo, PodInfo } from '../../framework/node-info.js';
import { Status } from '../../framework/status.js';
import { filterPodsWithPDBViolation } from './pdb.js';

export const ERR_NO_VICTIMS = 'No preemption victims found for incoming pod';

/** `spec.priority`, 0 when unset (the Priority admission plugin sets it from the PriorityClass). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** When the pod started: `status.startTime`, else its creation, else now (kube's GetPodStartTime). */
export function podStartTime(pod: Pod): number {
  const t = pod.status?.startTime ?? pod.metadata?.creationTimestamp;
  return t === undefined ? Date.now() : t.getTime();
}

/** Higher priority first; of equal priority, the one that started earlier (kube's MoreImportantPod). */
export function moreImportant(a: Pod, b: Pod): number {
  const d = podPriority(b) - podPriority(a);
  return d !== 0 ? d : podStartTime(a) - podStartTime(b);
}

export interface Victims {
  /** Most important first. */
  readonly pods: Pod[];
  /** Victims whose eviction a PodDisruptionBudget does not allow. */
  readonly numPDBViolations: number;
}

/**
 * Filters the node as the scheduling cycle does: with the nominated pods of at least
 * the preemptor's priority added (they will come once their own victims are gone),
 * and — when there are any — also without them, since they may never come.
 */
export function runFilterWithNominatedPods(
  handle: Handle,
  state: CycleState,
  pod: Pod,
  nodeInfo: NodeInfo,
): Status {
  const priority = podPriority(pod);
  const uid = pod.metadata?.uid;
  const nominated = handle
    .nominatedPodsForNode(nodeInfo.name)
    .filter((p) => p.pod.metadata?.uid !== uid && podPriority(p.pod) >= priority);
  if (nominated.length > 0) {
    const s2 = state.clone();
    const n2 = nodeInfo.clone();
    for (const p of nominated) {
      n2.addPod(p);
      const s = handle.runPreFilterExtensionAddPod(s2, pod, p, n2);
      if (!s.isSuccess()) return s;
    }
    const s = handle.runFilterPlugins(s2, pod, n2);
    if (!s.isSuccess()) return s;
  }
  return handle.runFilterPlugins(state, pod, nodeInfo);
}

/**
 * The victims on `nodeInfo` (a clone this function changes, with `state` a clone
 * too), or why the node cannot help: UnschedulableAndUnresolvable "No preemption
 * victims found for incoming pod" when nothing has lower priority, or the Filter's
 * status when the preemptor does not fit even with every lower-priority pod gone.
 *
 * Pods whose eviction would break one of `pdbs` are reprieved first, so that as few
 * budgets as possible are broken; the victims among them are counted.
 */
export function selectVictimsOnNode(
  handle: Handle,
  state: CycleState,
  pod: Pod,
  nodeInfo: NodeInfo,
  pdbs: readonly PodDisruptionBudget[] = [],
): { victims?: Victims; status: Status } {
  const remove = (info: PodInfo): Status => {
    nodeInfo.removePod(info.pod);
    return handle.runPreFilterExtensionRemovePod(state, pod, info, nodeInfo);
  };
  const add = (info: PodInfo): Status => {
    nodeInfo.addPod(info);
    return handle.runPreFilterExtensionAddPod(state, pod, info, nodeInfo);
  };

  const priority = podPriority(pod);
  const potential = nodeInfo.pods.filter((p) => podPriority(p.pod) < priority);
  if (potential.length === 0) return { status: Status.unresolvable(ERR_NO_VICTIMS) };
  for (const p of potential) {
    const s = remove(p);
    if (!s.isSuccess()) return { status: s };
  }
  // Affinity of the preemptor to a lower-priority pod is not worked around: once every
  // such pod is gone, the node either fits or cannot help (as in Kubernetes).
  const fits = runFilterWithNominatedPods(handle, state, pod, nodeInfo);
  if (!fits.isSuccess()) return { status: fits };

  potential.sort((a, b) => moreImportant(a.pod, b.pod));
  const { violating, nonViolating } = filterPodsWithPDBViolation(potential, pdbs);
  const victims: Pod[] = [];
  const reprieve = (p: PodInfo): { fits: boolean; status: Status } => {
    let s = add(p);
    if (!s.isSuccess()) return { fits: false, status: s };
    const fit = runFilterWithNominatedPods(handle, state, pod, nodeInfo).isSuccess();
    if (!fit) {
      s = remove(p);
      if (!s.isSuccess()) return { fits: false, status: s };
      victims.push(p.pod);
    }
    return { fits: fit, status: Status.SUCCESS };
  };
  let numPDBViolations = 0;
  for (const p of violating) {
    const r = reprieve(p);
    if (!r.status.isSuccess()) return { status: r.status };
    if (!r.fits) numPDBViolations++;
  }
  for (const p of nonViolating) {
    const r = reprieve(p);
    if (!r.status.isSuccess()) return { status: r.status };
  }
  if (violating.length > 0 && nonViolating.length > 0) victims.sort(moreImportant);
  return { victims: { pods: victims, numPDBViolations }, status: Status.SUCCESS };
}
