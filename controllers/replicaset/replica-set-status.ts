/**
 * A ReplicaSet's status as its controller computes it (Kubernetes' calculateStatus):
 * counts over the active pods it owns, and the ReplicaFailure condition while creating
 * or deleting pods fails.
 */
import type {
  ReplicaSet,
  ReplicaSetCondition,
  ReplicaSetStatus,
} from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { isPodAvailable, isPodReady } from '../shared/pod-state.js';

export const REPLICA_FAILURE = 'ReplicaFailure';

/** Why the last manage step failed: FailedCreate or FailedDelete and the error. */
export interface ManageFailure {
  readonly reason: 'FailedCreate' | 'FailedDelete';
  readonly message: string;
}

export function calculateStatus(
  rs: ReplicaSet,
  pods: readonly Pod[],
  failure: ManageFailure | undefined,
  now: number,
): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReadySeconds = rs.spec?.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    const labels = pod.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
  }
  const conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== REPLICA_FAILURE);
  const existing = rs.status?.conditions.find((c) => c.type === REPLICA_FAILURE);
  if (failure) {
    const condition: ReplicaSetCondition =
      existing &&
      existing.status === 'True' &&
      existing.reason === failure.reason &&
      existing.message === failure.message
        ? existing
        : {
            type: REPLICA_FAILURE,
            status: 'True',
            lastTransitionTime: existing?.status === 'True' ? existing.lastTransitionTime : new Date(now),
            reason: failure.reason,
            message: failure.message,
          };
    conditions.push(condition);
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? '0',
    conditions,
    terminatingReplicas: rs.status?.terminatingReplicas,
  };
}

/** Whether writing `next` would change what is stored. */
export function statusChanged(current: ReplicaSetStatus | undefined, next: ReplicaSetStatus): boolean {
  if (!current) return true;
  return (
    current.replicas !== next.replicas ||
    current.fullyLabeledReplicas !== next.fullyLabeledReplicas ||
    current.readyReplicas !== next.readyReplicas ||
    current.availableReplicas !== next.availableReplicas ||
    current.observedGeneration !== next.observedGeneration ||
    JSON.stringify(current.conditions) !== JSON.stringify(next.conditions)
  );
}
