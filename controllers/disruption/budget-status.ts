/**
 * The arithmetic of a PodDisruptionBudget's status (Kubernetes' pkg/controller/disruption),
 * as pure functions of the budget, its pods and the time, so it is tested without a cluster.
 *
 * - expectedPods: for an integer minAvailable, the pods the selector matches; otherwise
 *   the sum of the scales of the pods' controllers (a percentage needs a denominator).
 * - desiredHealthy: minAvailable, or expectedPods - maxUnavailable; percentages rounded up.
 * - currentHealthy: Ready pods that are neither being deleted nor recently evicted.
 * - disruptionsAllowed: max(0, currentHealthy - desiredHealthy), and 0 while no pod is
 *   expected (a budget whose first pods appear before its status is written stays safe).
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Condition } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type {
  PodDisruptionBudget,
  PodDisruptionBudgetStatus,
} from '../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import { scaledValue } from '../../sdk/int-or-string.js';
import { controllerOf } from '../../sdk/owner-references.js';
import { isPodReady } from '../shared/pod-state.js';

/** How long an evicted pod counts as gone before the controller gives up waiting for its deletion. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';

/** The pods' controllers' scale: resolves one pod's controller to (uid, replicas), undefined when unknown. */
export type ScaleOf = (pod: Pod) => { uid: string; replicas: number } | undefined;

export interface ExpectedCount {
  expectedPods: number;
  desiredHealthy: number;
  /** Pods with no controller, skipped from a scale-based count. */
  unmanagedPods: string[];
}

/**
 * expectedPods and desiredHealthy of a budget. Throws when a pod's controller cannot be
 * found and the count needs its scale: the caller reports SyncFailed.
 */
export function expectedCount(
  pdb: PodDisruptionBudget,
  pods: readonly Pod[],
  scaleOf: ScaleOf,
): ExpectedCount {
  const spec = pdb.spec;
  const maxUnavailable = spec?.maxUnavailable?.value !== undefined ? spec.maxUnavailable : undefined;
  const minAvailable = spec?.minAvailable?.value !== undefined ? spec.minAvailable : undefined;
  if (maxUnavailable) {
    const { expected, unmanaged } = expectedScale(pods, scaleOf);
    const desired = Math.max(0, expected - scaledValue(maxUnavailable, expected, true));
    return { expectedPods: expected, desiredHealthy: desired, unmanagedPods: unmanaged };
  }
  if (minAvailable?.value?.$case === 'intVal') {
    return { expectedPods: pods.length, desiredHealthy: minAvailable.value.value, unmanagedPods: [] };
  }
  if (minAvailable) {
    const { expected, unmanaged } = expectedScale(pods, scaleOf);
    return {
      expectedPods: expected,
      desiredHealthy: scaledValue(minAvailable, expected, true),
      unmanagedPods: unmanaged,
    };
  }
  return { expectedPods: 0, desiredHealthy: 0, unmanagedPods: [] };
}

/** The sum of the scales of the pods' controllers, each counted once. */
function expectedScale(pods: readonly Pod[], scaleOf: ScaleOf): { expected: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata?.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const scale = scaleOf(pod);
    if (!scale) throw new Error(`found no controllers for pod "${pod.metadata?.name ?? ''}"`);
    scales.set(scale.uid, scale.replicas);
  }
  let expected = 0;
  for (const replicas of scales.values()) expected += replicas;
  return { expected, unmanaged };
}

/**
 * The entries of `disruptedPods` still awaited: pods evicted less than the deletion
 * timeout ago that exist and are not yet being deleted. Also returns the pods evicted
 * longer ago that are still there (the caller reports them), and when to look again.
 */
export function pendingDisruptions(
  pdb: PodDisruptionBudget,
  pods: readonly Pod[],
  now: number,
): { disrupted: Record<string, Date>; notDeleted: Pod[]; recheckAt: number | undefined } {
  const recorded = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, Date> = {};
  const notDeleted: Pod[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    const name = pod.metadata?.name ?? '';
    const at = recorded[name];
    if (at === undefined) continue;
    const expectedDeletion = at.getTime() + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) {
      notDeleted.push(pod);
      continue;
    }
    disrupted[name] = at;
    recheckAt = Math.min(recheckAt ?? expectedDeletion, expectedDeletion);
  }
  return { disrupted, notDeleted, recheckAt };
}

/** Ready pods that are not being deleted and not awaiting an eviction's deletion. */
export function countHealthy(
  pods: readonly Pod[],
  disrupted: Readonly<Record<string, Date>>,
  now: number,
): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    const at = disrupted[pod.metadata?.name ?? ''];
    if (at !== undefined && at.getTime() + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** Sets `condition` in `conditions`, keeping its transition time when its status is unchanged. */
export function setCondition(conditions: readonly Condition[], condition: Condition): Condition[] {
  const previous = conditions.find((c) => c.type === condition.type);
  const next =
    previous && previous.status === condition.status
      ? { ...condition, lastTransitionTime: previous.lastTransitionTime ?? condition.lastTransitionTime }
      : condition;
  return [...conditions.filter((c) => c.type !== condition.type), next];
}

/** The status the controller writes for a budget. */
export function budgetStatus(
  pdb: PodDisruptionBudget,
  counts: { currentHealthy: number; desiredHealthy: number; expectedPods: number },
  disruptedPods: Record<string, Date>,
  now: Date,
): PodDisruptionBudgetStatus {
  const { currentHealthy, desiredHealthy, expectedPods } = counts;
  const allowed = currentHealthy - desiredHealthy;
  const disruptionsAllowed = expectedPods <= 0 || allowed <= 0 ? 0 : allowed;
  const observedGeneration = pdb.metadata?.generation ?? '0';
  const condition: Condition = {
    type: DISRUPTION_ALLOWED,
    status: disruptionsAllowed > 0 ? 'True' : 'False',
    observedGeneration,
    lastTransitionTime: now,
    reason: disruptionsAllowed > 0 ? SUFFICIENT_PODS : INSUFFICIENT_PODS,
    message: '',
  };
  return {
    observedGeneration,
    disruptedPods,
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods,
    conditions: setCondition(pdb.status?.conditions ?? [], condition),
  };
}

/** The status after a failed sync: no disruption allowed, DisruptionAllowed False with SyncFailed. */
export function failSafeStatus(
  pdb: PodDisruptionBudget,
  message: string,
  now: Date,
): PodDisruptionBudgetStatus {
  const status = pdb.status;
  const observedGeneration = status?.observedGeneration ?? '0';
  return {
    observedGeneration,
    disruptedPods: status?.disruptedPods ?? {},
    disruptionsAllowed: 0,
    currentHealthy: status?.currentHealthy ?? 0,
    desiredHealthy: status?.desiredHealthy ?? 0,
    expectedPods: status?.expectedPods ?? 0,
    conditions: setCondition(status?.conditions ?? [], {
      type: DISRUPTION_ALLOWED,
      status: 'False',
      observedGeneration,
      lastTransitionTime: now,
      reason: SYNC_FAILED,
      message,
    }),
  };
}

/** Whether writing `next` would change anything a reader sees (transition times aside). */
export function statusChanged(
  current: PodDisruptionBudgetStatus | undefined,
  next: PodDisruptionBudgetStatus,
): boolean {
  if (!current) return true;
  const times = (m: Record<string, Date>) =>
    Object.entries(m)
      .map(([k, v]) => `${k}=${v.getTime()}`)
      .sort()
      .join(',');
  const conditions = (cs: readonly Condition[]) =>
    cs
      .map((c) => `${c.type}|${c.status}|${c.reason}|${c.message}|${c.observedGeneration}`)
      .sort()
      .join(';');
  return (
    current.observedGeneration !== next.observedGeneration ||
    current.disruptionsAllowed !== next.disruptionsAllowed ||
    current.currentHealthy !== next.currentHealthy ||
    current.desiredHealthy !== next.desiredHealthy ||
    current.expectedPods !== next.expectedPods ||
    times(current.disruptedPods) !== times(next.disruptedPods) ||
    conditions(current.conditions) !== conditions(next.conditions)
  );
}
