/**
 * Recording a StatefulSet's status (Kubernetes' completeRollingUpdate and
 * inconsistentStatus): a rolling update whose pods are all updated and ready is complete,
 * so the update revision becomes the current one; the status is written only when it
 * differs from what is stored.
 */
import type { StatefulSet, StatefulSetStatus } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';

/** The status with a finished rolling update recorded as complete. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  if (
    set.spec?.updateStrategy?.type === 'RollingUpdate' &&
    status.updatedReplicas === status.replicas &&
    status.readyReplicas === status.replicas
  ) {
    return { ...status, currentReplicas: status.updatedReplicas, currentRevision: status.updateRevision };
  }
  return status;
}

/** Whether writing `next` would change what is stored. */
export function statusChanged(current: StatefulSetStatus | undefined, next: StatefulSetStatus): boolean {
  if (!current) return true;
  return (
    current.observedGeneration !== next.observedGeneration ||
    current.replicas !== next.replicas ||
    current.readyReplicas !== next.readyReplicas ||
    current.availableReplicas !== next.availableReplicas ||
    current.currentReplicas !== next.currentReplicas ||
    current.updatedReplicas !== next.updatedReplicas ||
    current.currentRevision !== next.currentRevision ||
    current.updateRevision !== next.updateRevision ||
    (current.collisionCount ?? 0) !== (next.collisionCount ?? 0)
  );
}
