/**
 * The arithmetic of rollouts (Kubernetes' deployment/util): revisions, surge and
 * unavailability bounds, replica sums, and the annotations that record them.
 */
import type {
  Deployment,
  DeploymentCondition,
  DeploymentStatus,
} from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { scaledValue } from '../../sdk/int-or-string.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Annotations of a Deployment that are not copied onto its ReplicaSets. */
const notCopied = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
]);

export const replicasOf = (obj: { spec?: { replicas?: number | undefined } | undefined }): number =>
  obj.spec?.replicas ?? 1;

export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } | undefined }): number {
  const v = Number(obj.metadata?.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  return Math.max(0, ...rss.map(revisionOf));
}

/** maxSurge (rounded up) and maxUnavailable (rounded down); never both 0 (Kubernetes' ResolveFenceposts). */
export function resolveFenceposts(d: Deployment): { surge: number; unavailable: number } {
  const rolling = d.spec?.strategy?.rollingUpdate;
  const replicas = replicasOf(d);
  const surge = scaledValue(rolling?.maxSurge, replicas, true);
  let unavailable = scaledValue(rolling?.maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export const isRollingUpdate = (d: Deployment) =>
  (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, replicas);
}

const sum = (rss: readonly (ReplicaSet | undefined)[], f: (rs: ReplicaSet) => number) =>
  rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);

/** Desired pods of these ReplicaSets. */
export const specReplicas = (rss: readonly (ReplicaSet | undefined)[]) => sum(rss, replicasOf);
/** Pods these ReplicaSets have, as their status says. */
export const actualReplicas = (rss: readonly (ReplicaSet | undefined)[]) =>
  sum(rss, (rs) => rs.status?.replicas ?? 0);
export const readyReplicas = (rss: readonly (ReplicaSet | undefined)[]) =>
  sum(rss, (rs) => rs.status?.readyReplicas ?? 0);
export const availableReplicas = (rss: readonly (ReplicaSet | undefined)[]) =>
  sum(rss, (rs) => rs.status?.availableReplicas ?? 0);

/**
 * Pods that may exist for these ReplicaSets: a ReplicaSet scaled down keeps its pods
 * until its controller has seen them go (its status), and one scaled up creates them
 * up to its spec. Bounding surge by this keeps the pod count within bounds, not only
 * the sum of specs, while the ReplicaSet controller catches up.
 */
export const podsUpperBound = (rss: readonly (ReplicaSet | undefined)[]) =>
  sum(rss, (rs) => Math.max(replicasOf(rs), rs.status?.replicas ?? 0));

/**
 * Available pods that will remain: a ReplicaSet scaled down deletes unavailable pods
 * first, so at most its spec of its available pods stay.
 */
export const availableLowerBound = (rss: readonly (ReplicaSet | undefined)[]) =>
  sum(rss, (rs) => Math.min(replicasOf(rs), rs.status?.availableReplicas ?? 0));

export function annotationNumber(rs: ReplicaSet, name: string): number | undefined {
  const v = rs.metadata?.annotations?.[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

/** Sets desired-replicas and max-replicas on `rs`; returns whether they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const meta = rs.metadata;
  if (!meta) return false;
  const a = meta.annotations;
  if (a[DESIRED_REPLICAS_ANNOTATION] === String(desired) && a[MAX_REPLICAS_ANNOTATION] === String(max))
    return false;
  a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
  a[MAX_REPLICAS_ANNOTATION] = String(max);
  return true;
}

/**
 * The annotations of the Deployment's new ReplicaSet (Kubernetes' SetNewReplicaSetAnnotations):
 * the Deployment's own (but the controller's), the revision when it is newer, and the
 * replica annotations. Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
): boolean {
  const meta = rs.metadata;
  if (!meta) return false;
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (notCopied.has(k) || meta.annotations[k] === v) continue;
    meta.annotations[k] = v;
    changed = true;
  }
  if (revisionOf(rs) < newRevision) {
    meta.annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
  }
  // An existing ReplicaSet's replica annotations change only when it is scaled.
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

// Conditions

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
export const REPLICA_FAILURE = 'ReplicaFailure';

export function getCondition(
  status: DeploymentStatus | undefined,
  type: string,
): DeploymentCondition | undefined {
  return status?.conditions.find((c) => c.type === type);
}

export function newCondition(
  type: string,
  status: string,
  reason: string,
  message: string,
  now = new Date(),
) {
  return {
    type,
    status,
    reason,
    message,
    lastUpdateTime: now,
    lastTransitionTime: now,
  } as DeploymentCondition;
}

/** Sets a condition: unchanged when status and reason are; keeps lastTransitionTime when status is (Kubernetes' SetDeploymentCondition). */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...status.conditions.filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

/** progressDeadlineSeconds, unless unset or MaxInt32 (no deadline). */
export function progressDeadline(d: Deployment): number | undefined {
  const s = d.spec?.progressDeadlineSeconds;
  return s === undefined || s === 2147483647 ? undefined : s;
}

/** Every new pod updated, no old pod left, all available, and this generation observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return (
    s.updatedReplicas === r &&
    s.replicas === r &&
    s.availableReplicas === r &&
    BigInt(s.observedGeneration) >= BigInt(d.metadata?.generation ?? '0')
  );
}

/** Some progress since the last status: more updated, ready or available pods, or fewer old ones. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status;
  if (!old) return s.updatedReplicas > 0 || s.readyReplicas > 0;
  const oldOld = old.replicas - old.updatedReplicas;
  const newOld = s.replicas - s.updatedReplicas;
  return (
    s.updatedReplicas > old.updatedReplicas ||
    newOld < oldOld ||
    s.readyReplicas > old.readyReplicas ||
    s.availableReplicas > old.availableReplicas
  );
}

export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: number): boolean {
  const deadline = progressDeadline(d);
  if (deadline === undefined) return false;
  const c = getCondition(s, PROGRESSING);
  if (!c) return false;
  if (c.reason === 'NewReplicaSetAvailable') return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  const from = c.lastUpdateTime?.getTime() ?? now;
  return from + deadline * 1000 < now;
}

const sameTime = (a: Date | undefined, b: Date | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.getTime() === b.getTime());

/**
 * Whether two statuses are field for field the same (times by instant). Equal here
 * implies equal as JSON; the converse may not hold (a field unset on one side and at its
 * default on the other), so a caller treats "not the same" as "compare further".
 */
export function sameStatus(a: DeploymentStatus, b: DeploymentStatus): boolean {
  if (
    a.observedGeneration !== b.observedGeneration ||
    a.replicas !== b.replicas ||
    a.updatedReplicas !== b.updatedReplicas ||
    a.readyReplicas !== b.readyReplicas ||
    a.availableReplicas !== b.availableReplicas ||
    a.unavailableReplicas !== b.unavailableReplicas ||
    a.terminatingReplicas !== b.terminatingReplicas ||
    a.collisionCount !== b.collisionCount ||
    a.conditions.length !== b.conditions.length
  )
    return false;
  return a.conditions.every((c, i) => {
    const o = b.conditions[i] as DeploymentCondition;
    return (
      c.type === o.type &&
      c.status === o.status &&
      c.reason === o.reason &&
      c.message === o.message &&
      sameTime(c.lastUpdateTime, o.lastUpdateTime) &&
      sameTime(c.lastTransitionTime, o.lastTransitionTime)
    );
  });
}
