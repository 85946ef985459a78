/**
 * A DaemonSet's status as its controller computes it (Kubernetes' updateDaemonSetStatus),
 * node by node over the nodes that exist:
 *
 * - desiredNumberScheduled: nodes that should run the pod;
 * - currentNumberScheduled: those of them with at least one of its pods;
 * - numberMisscheduled: nodes with a pod that should not run one;
 * - numberReady / numberAvailable: nodes that should run it whose oldest pod is ready /
 *   ready for minReadySeconds; numberUnavailable: desired minus available;
 * - updatedNumberScheduled: nodes that should run it whose oldest pod is of the current
 *   revision;
 * - observedGeneration: the generation acted on (kept when the controller only counted).
 */
import type { DaemonSet, DaemonSetStatus } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { isPodAvailable, isPodReady } from '../shared/pod-state.js';
import { compareDaemonPods, isPodUpdated, type NodeToDaemonPods } from './daemon-pods.js';
import type { DaemonPlacement } from './node-should-run.js';

export interface StatusInput {
  readonly ds: DaemonSet;
  readonly nodes: readonly Node[];
  /** Every pod the DaemonSet owns, by node (finished ones being deleted included). */
  readonly nodeToPods: NodeToDaemonPods;
  readonly placement: DaemonPlacement;
  readonly hash: string;
  readonly now: number;
  /** Whether this reconcile acted on the current generation (else observedGeneration stays). */
  readonly observed: boolean;
  /** The collisionCount the current revision's name settled on. */
  readonly collisionCount: number | undefined;
}

export function calculateStatus(input: StatusInput): DaemonSetStatus {
  const { ds, now } = input;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const node of input.nodes) {
    const pods = input.nodeToPods.get(node.metadata?.name ?? '') ?? [];
    if (!input.placement(node).shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    const oldest = [...pods].sort(compareDaemonPods)[0];
    if (!oldest) continue;
    current++;
    if (isPodReady(oldest)) {
      ready++;
      if (isPodAvailable(oldest, minReady, now)) available++;
    }
    if (isPodUpdated(oldest, input.hash)) updated++;
  }
  const status: DaemonSetStatus = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: input.observed
      ? (ds.metadata?.generation ?? '0')
      : (ds.status?.observedGeneration ?? '0'),
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
    conditions: ds.status?.conditions ?? [],
  };
  if (input.collisionCount !== undefined) status.collisionCount = input.collisionCount;
  return status;
}

/** Whether writing `next` would change what is stored. */
export function statusChanged(current: DaemonSetStatus | undefined, next: DaemonSetStatus): boolean {
  if (!current) return true;
  return (
    current.currentNumberScheduled !== next.currentNumberScheduled ||
    current.numberMisscheduled !== next.numberMisscheduled ||
    current.desiredNumberScheduled !== next.desiredNumberScheduled ||
    current.numberReady !== next.numberReady ||
    current.observedGeneration !== next.observedGeneration ||
    current.updatedNumberScheduled !== next.updatedNumberScheduled ||
    current.numberAvailable !== next.numberAvailable ||
    current.numberUnavailable !== next.numberUnavailable ||
    current.collisionCount !== next.collisionCount
  );
}
