/**
 * What controllers read from a Pod's status (Kubernetes' podutil): whether it is
 * active, ready, and available — ready for at least minReadySeconds.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';

/** Neither finished nor being deleted: it counts towards the replicas of its owner. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase ?? '';
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata?.deletionTimestamp === undefined;
}

/** Being deleted (and not yet finished). */
export function isPodTerminating(pod: Pod): boolean {
  const phase = pod.status?.phase ?? '';
  return pod.metadata?.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

export function readyCondition(pod: Pod) {
  return pod.status?.conditions.find((c) => c.type === 'Ready');
}

export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/** When the pod became ready (its Ready condition's last transition), if it is ready. */
export function readySince(pod: Pod): Date | undefined {
  const ready = readyCondition(pod);
  if (ready?.status !== 'True') return undefined;
  return ready.lastTransitionTime ?? pod.metadata?.creationTimestamp;
}

/**
 * Ready for at least `minReadySeconds` at `now`. A ready pod with no transition time
 * is available once minReadySeconds is 0 only, as Kubernetes does.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = readyCondition(pod)?.lastTransitionTime;
  return since !== undefined && since.getTime() + minReadySeconds * 1000 <= now;
}

/**
 * How long until a ready pod becomes available (ms), or undefined when it is not
 * ready or already available: controllers requeue after it so status stays exact.
 */
export function untilAvailable(pod: Pod, minReadySeconds: number, now: number): number | undefined {
  if (!isPodReady(pod) || minReadySeconds <= 0) return undefined;
  const since = readyCondition(pod)?.lastTransitionTime;
  if (since === undefined) return undefined;
  const left = since.getTime() + minReadySeconds * 1000 - now;
  return left > 0 ? left : undefined;
}
