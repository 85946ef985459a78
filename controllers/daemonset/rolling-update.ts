/**
 * One step of a DaemonSet's rolling update (Kubernetes' daemon rollingUpdate): which old
 * pods to delete, and on which nodes to start a new pod beside the old one. The
 * placement pass does the rest (creating the missing pods, pruning extra ones), so each
 * step only has to keep the bounds:
 *
 * - maxSurge 0: old pods are deleted so that at most `maxUnavailable` nodes lack an
 *   available pod. Nodes whose pod is missing or not available count against it; old
 *   pods that are not available anyway are replaced at once.
 * - maxSurge > 0: a new pod is started beside an available old one on at most
 *   `maxSurge` nodes at a time, and the old pod is deleted once the new one is
 *   available; an old pod that is not available is replaced at once.
 *
 * Both bounds are counts or percentages of the nodes that should run the pod, rounded
 * up; when both resolve to 0 one node may be unavailable. Nodes are taken in name order,
 * so an update walks the cluster node by node.
 */
import type { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { scaledValue } from '../../sdk/int-or-string.js';
import { isPodAvailable } from '../shared/pod-state.js';
import { findUpdatedPodsOnNode, type NodeToDaemonPods } from './daemon-pods.js';
import type { DaemonPlacement } from './node-should-run.js';

const isRollingUpdate = (ds: DaemonSet) =>
  (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** maxSurge against `desired` nodes, rounded up; 0 unless the strategy is RollingUpdate. */
export function surgeCount(ds: DaemonSet, desired: number): number {
  if (!isRollingUpdate(ds)) return 0;
  return scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, desired, true);
}

/** maxUnavailable against `desired` nodes, rounded up; 0 unless the strategy is RollingUpdate. */
export function unavailableCount(ds: DaemonSet, desired: number): number {
  if (!isRollingUpdate(ds)) return 0;
  return scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, desired, true);
}

/** Whether a node may hold an old and a new pod at once. */
export function allowsSurge(ds: DaemonSet): boolean {
  return surgeCount(ds, 1) !== 0;
}

export interface RollingUpdateInput {
  readonly ds: DaemonSet;
  readonly nodes: readonly Node[];
  /** The DaemonSet's pods by node, without finished pods being deleted. */
  readonly nodeToPods: NodeToDaemonPods;
  readonly placement: DaemonPlacement;
  readonly hash: string;
  readonly now: number;
}

export interface RollingUpdateStep {
  readonly podsToDelete: Pod[];
  readonly nodesNeedingPods: string[];
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

export function planRollingUpdate(input: RollingUpdateInput): RollingUpdateStep {
  const { ds, hash, now } = input;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (pod: Pod) => isPodAvailable(pod, minReady, now);
  const byName = new Map<string, Node>();
  // Every node that should run the pod is looked at, with or without pods.
  const nodeToPods: NodeToDaemonPods = new Map(input.nodeToPods);
  let desired = 0;
  for (const node of input.nodes) {
    const name = node.metadata?.name ?? '';
    byName.set(name, node);
    if (!input.placement(node).shouldRun) continue;
    desired++;
    if (!nodeToPods.has(name)) nodeToPods.set(name, []);
  }
  const maxSurge = surgeCount(ds, desired);
  let maxUnavailable = unavailableCount(ds, desired);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const nodeNames = [...nodeToPods.keys()].sort();
  const shouldRun = (name: string) => {
    const node = byName.get(name);
    return node !== undefined && input.placement(node).shouldRun;
  };

  if (maxSurge === 0) {
    let unavailable = 0;
    const replacements: Pod[] = [];
    const candidates: Pod[] = [];
    for (const name of nodeNames) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(nodeToPods.get(name) ?? [], hash);
      if (!ok || (newPod === undefined) === (oldPod === undefined)) {
        // Extra pods, no pod, or both: the placement pass settles it; it is unavailable meanwhile.
        unavailable++;
      } else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) {
          replacements.push(oldPod);
          unavailable++;
        } else if (unavailable < maxUnavailable) {
          candidates.push(oldPod);
        }
      }
    }
    const room = Math.min(Math.max(maxUnavailable - unavailable, 0), candidates.length);
    return {
      podsToDelete: [...replacements, ...candidates.slice(0, room)],
      nodesNeedingPods: [],
      maxSurge,
      maxUnavailable,
    };
  }

  const podsToDelete: Pod[] = [];
  const notWanted: Pod[] = [];
  const candidates: string[] = [];
  const replacements: string[] = [];
  let surging = 0;
  let numAvailable = 0;
  for (const name of nodeNames) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(nodeToPods.get(name) ?? [], hash);
    if (!ok) {
      surging++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod !== undefined && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(name)) podsToDelete.push(oldPod);
        else replacements.push(name);
      } else if (!shouldRun(name)) {
        notWanted.push(oldPod);
      } else if (surging < maxSurge) {
        candidates.push(name);
      }
      continue;
    }
    if (!available(newPod)) {
      surging++;
      continue;
    }
    podsToDelete.push(oldPod);
  }
  // An available old pod on a node that should no longer run one goes only once as many
  // pods are available elsewhere: with surge, the owner expects no gap at all.
  const deletable = Math.min(Math.max(numAvailable - desired, 0), notWanted.length);
  podsToDelete.push(...notWanted.slice(0, deletable));
  const room = Math.min(Math.max(maxSurge - surging, 0), candidates.length);
  return {
    podsToDelete,
    nodesNeedingPods: [...replacements, ...candidates.slice(0, room)],
    maxSurge,
    maxUnavailable,
  };
}
