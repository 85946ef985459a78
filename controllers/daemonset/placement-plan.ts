/**
 * The placement pass of a DaemonSet (Kubernetes' manage and podsShouldBeOnNode): which
 * nodes need a pod and which pods must go, node by node.
 *
 * - A node that should run a pod and has none gets one.
 * - A node where a pod may stay: failed pods are deleted (so they are recreated, at most
 *   as often as the failed-pod backoff allows), succeeded pods too; of the running pods
 *   the oldest stays and the others go — or, while surging, the oldest current and the
 *   oldest old pod stay until the current one is available (or the old one not ready).
 * - A node where no pod may stay loses every pod.
 * - Pods for a node that no longer exists and never bound are deleted: the pod GC only
 *   collects pods bound to vanished nodes.
 */
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { isPodAvailable, isPodReady } from '../shared/pod-state.js';
import { compareDaemonPods, isPodUpdated, type NodeToDaemonPods } from './daemon-pods.js';
import type { DaemonPlacement } from './node-should-run.js';

export interface PlacementInput {
  readonly nodes: readonly Node[];
  /** The DaemonSet's pods by node, without finished pods being deleted. */
  readonly nodeToPods: NodeToDaemonPods;
  readonly placement: DaemonPlacement;
  readonly hash: string;
  /** The update strategy allows two pods on a node (maxSurge > 0). */
  readonly allowsSurge: boolean;
  readonly minReadySeconds: number;
  readonly now: number;
  /** A failed pod on `node`: whether to delete it now (false while the node's backoff lasts). */
  onFailedPod(pod: Pod, node: string): boolean;
  /** A pod that ran to completion on `node`; it is deleted. */
  onSucceededPod(pod: Pod, node: string): void;
}

export interface PlacementPlan {
  readonly nodesNeedingPods: string[];
  readonly podsToDelete: Pod[];
}

export function planPlacement(input: PlacementInput): PlacementPlan {
  const nodesNeedingPods: string[] = [];
  const podsToDelete: Pod[] = [];
  const existing = new Set<string>();
  for (const node of input.nodes) {
    const name = node.metadata?.name ?? '';
    existing.add(name);
    const { shouldRun, shouldContinueRunning } = input.placement(node);
    const pods = input.nodeToPods.get(name);
    if (shouldRun && pods === undefined) {
      nodesNeedingPods.push(name);
    } else if (shouldContinueRunning) {
      const running = collectRunning(pods ?? [], name, input, podsToDelete);
      pruneRunning(running, shouldRun, name, input, nodesNeedingPods, podsToDelete);
    } else if (pods !== undefined) {
      for (const pod of pods) if (pod.metadata?.deletionTimestamp === undefined) podsToDelete.push(pod);
    }
  }
  for (const [node, pods] of input.nodeToPods) {
    if (existing.has(node)) continue;
    for (const pod of pods) if ((pod.spec?.nodeName ?? '') === '') podsToDelete.push(pod);
  }
  return { nodesNeedingPods, podsToDelete };
}

/** The pods of a node that run (or will), after sending failed and succeeded ones to deletion. */
function collectRunning(
  pods: readonly Pod[],
  node: string,
  input: PlacementInput,
  podsToDelete: Pod[],
): Pod[] {
  const running: Pod[] = [];
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    const phase = pod.status?.phase;
    if (phase === 'Failed') {
      if (input.onFailedPod(pod, node)) podsToDelete.push(pod);
    } else if (phase === 'Succeeded') {
      input.onSucceededPod(pod, node);
      podsToDelete.push(pod);
    } else {
      running.push(pod);
    }
  }
  return running;
}

function pruneRunning(
  running: Pod[],
  shouldRun: boolean,
  node: string,
  input: PlacementInput,
  nodesNeedingPods: string[],
  podsToDelete: Pod[],
): void {
  running.sort(compareDaemonPods);
  if (!input.allowsSurge) {
    // One pod per node: the oldest stays.
    podsToDelete.push(...running.slice(1));
    return;
  }
  if (running.length <= 1) {
    // Surging needs one pod left that is not being deleted.
    if (running.length === 0 && shouldRun) nodesNeedingPods.push(node);
    return;
  }
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  for (const pod of running) {
    if (isPodUpdated(pod, input.hash)) {
      if (!oldestNew) {
        oldestNew = pod;
        continue;
      }
    } else if (!oldestOld) {
      oldestOld = pod;
      continue;
    }
    podsToDelete.push(pod);
  }
  if (oldestNew && oldestOld) {
    if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, input.minReadySeconds, input.now)) {
      podsToDelete.push(oldestOld);
    }
  }
}
