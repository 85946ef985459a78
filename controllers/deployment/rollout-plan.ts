/**
 * How a Deployment's ReplicaSets are sized, as pure functions of the objects (Kubernetes'
 * rolling.go, recreate.go and sync.go's scale): the controller executes the plans.
 */
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import {
  annotationNumber,
  availableLowerBound,
  DESIRED_REPLICAS_ANNOTATION,
  isRollingUpdate,
  MAX_REPLICAS_ANNOTATION,
  maxSurge,
  maxUnavailable,
  podsUpperBound,
  replicasOf,
  specReplicas,
} from './deployment-util.js';

/** One ReplicaSet to resize. */
export interface ScaleStep {
  readonly rs: ReplicaSet;
  readonly replicas: number;
}

const created = (rs: ReplicaSet) => rs.metadata?.creationTimestamp?.getTime() ?? 0;
const byAge = (a: ReplicaSet, b: ReplicaSet) =>
  created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

/**
 * The size of the new ReplicaSet now (Kubernetes' NewRSNewReplicas): with RollingUpdate,
 * up by as much as maxSurge allows over the pods that may exist; with Recreate, all of them.
 */
export function newReplicaSetReplicas(
  d: Deployment,
  all: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d)) return replicas;
  const current = newRS ? replicasOf(newRS) : 0;
  const maxTotal = replicas + maxSurge(d);
  const existing = podsUpperBound(all);
  if (existing >= maxTotal) return current;
  const up = Math.min(maxTotal - existing, replicas - current);
  return current + Math.max(0, up);
}

/**
 * The old ReplicaSets to scale down in a rolling update (Kubernetes'
 * reconcileOldReplicaSets): first pods that are not available (they cost nothing), then
 * available ones, oldest ReplicaSet first, never below replicas − maxUnavailable
 * available pods, counting the new ReplicaSet's pods that are not available yet.
 */
export function oldReplicaSetsScaleDown(
  d: Deployment,
  oldRSs: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): ScaleStep[] {
  const oldPods = specReplicas(oldRSs);
  if (oldPods === 0) return [];
  const all = newRS ? [...oldRSs, newRS] : [...oldRSs];
  const allPods = specReplicas(all);
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = newRS ? Math.max(0, replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0)) : 0;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const sizes = new Map<ReplicaSet, number>(oldRSs.map((rs) => [rs, replicasOf(rs)]));
  // 1. Unhealthy replicas of old ReplicaSets, oldest first.
  let cleaned = 0;
  for (const rs of [...oldRSs].sort(byAge)) {
    if (cleaned >= maxScaledDown) break;
    const size = sizes.get(rs) ?? 0;
    if (size === 0) continue;
    const unhealthy = size - Math.min(size, rs.status?.availableReplicas ?? 0);
    if (unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    sizes.set(rs, size - down);
    cleaned += down;
  }
  // 2. Available replicas above the minimum, oldest first.
  const sized = (rs: ReplicaSet) =>
    ({ ...rs, spec: { ...rs.spec, replicas: sizes.get(rs) ?? 0 } }) as ReplicaSet;
  const available = availableLowerBound([...oldRSs.map(sized), ...(newRS ? [newRS] : [])]);
  let total = Math.max(0, available - minAvailable);
  for (const rs of [...oldRSs].sort(byAge)) {
    if (total <= 0) break;
    const size = sizes.get(rs) ?? 0;
    if (size === 0) continue;
    const down = Math.min(size, total);
    sizes.set(rs, size - down);
    total -= down;
  }
  return oldRSs
    .filter((rs) => sizes.get(rs) !== replicasOf(rs))
    .map((rs) => ({ rs, replicas: sizes.get(rs) ?? 0 }));
}

/** Every old ReplicaSet to 0 (Recreate). */
export function recreateScaleDown(oldRSs: readonly ReplicaSet[]): ScaleStep[] {
  return oldRSs.filter((rs) => replicasOf(rs) !== 0).map((rs) => ({ rs, replicas: 0 }));
}

/** Whether some ReplicaSet was sized for another replica count of the Deployment (a scaling event). */
export function isScalingEvent(d: Deployment, all: readonly ReplicaSet[]): boolean {
  return all
    .filter((rs) => replicasOf(rs) > 0)
    .some((rs) => {
      const desired = annotationNumber(rs, DESIRED_REPLICAS_ANNOTATION);
      return desired !== undefined && desired !== replicasOf(d);
    });
}

/**
 * A scaling of the Deployment, spread over its ReplicaSets (Kubernetes' scale): when one
 * ReplicaSet is active it takes the new size; when the new one is saturated the old ones
 * go to 0; in the middle of a rolling update each active ReplicaSet gets a share of the
 * difference proportional to its size, and the rounding leftover goes to the largest.
 *
 * A step is also returned for an active ReplicaSet whose size stays but whose replica
 * annotations still name another size of the Deployment: writing them (as `scale` does
 * with every step) is what ends the scaling event. Without it a scaling cut short (one
 * ReplicaSet written, another refused with a conflict) would leave sizes that already
 * add up and annotations that never do, and `isScalingEvent` would hold the Deployment
 * in this function for good, never rolling out again.
 */
export function proportionalScale(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ScaleStep[] {
  const replicas = replicasOf(d);
  const all = newRS ? [newRS, ...oldRSs] : [...oldRSs];
  const active = all.filter((rs) => replicasOf(rs) > 0);
  const stale = (rs: ReplicaSet) =>
    replicasOf(rs) > 0 &&
    (annotationNumber(rs, DESIRED_REPLICAS_ANNOTATION) !== replicas ||
      annotationNumber(rs, MAX_REPLICAS_ANNOTATION) !== replicas + maxSurge(d));
  const steps = (sizes: Map<ReplicaSet, number>) =>
    all
      .filter((rs) => sizes.has(rs) && (sizes.get(rs) !== replicasOf(rs) || stale(rs)))
      .map((rs) => ({ rs, replicas: sizes.get(rs) ?? 0 }));

  const single =
    active.length === 1 ? active[0] : active.length === 0 ? (newRS ?? newest(oldRSs)) : undefined;
  if (single) return steps(new Map([[single, replicas]]));
  if (
    newRS &&
    replicasOf(newRS) === replicas &&
    annotationNumber(newRS, DESIRED_REPLICAS_ANNOTATION) === replicas &&
    (newRS.status?.availableReplicas ?? 0) === replicas
  ) {
    return steps(new Map(oldRSs.map((rs) => [rs, 0])));
  }
  if (!isRollingUpdate(d)) return [];
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - specReplicas(active);
  if (toAdd === 0) return steps(new Map(active.map((rs) => [rs, replicasOf(rs)])));
  // Largest first; among equals the newest when adding, the oldest when removing.
  const ordered = [...active].sort((a, b) => {
    const bySize = replicasOf(b) - replicasOf(a);
    if (bySize !== 0) return bySize;
    return toAdd > 0 ? created(b) - created(a) : created(a) - created(b);
  });
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of ordered) {
    let proportion = 0;
    if (replicas === 0) proportion = -replicasOf(rs);
    else {
      const annotated = annotationNumber(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
      const fraction =
        annotated > 0 ? Math.round((replicasOf(rs) * allowed) / annotated) - replicasOf(rs) : 0;
      const left = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    }
    sizes.set(rs, replicasOf(rs) + proportion);
    added += proportion;
  }
  const first = ordered[0];
  if (first && added !== toAdd) sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
  return steps(sizes);
}

function newest(rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byAge).at(-1);
}
