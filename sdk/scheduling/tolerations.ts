/**
 * Taints and tolerations as Kubernetes matches them (core/v1 Toleration.ToleratesTaint
 * and the scheduling helpers of component-helpers): used by the scheduler's
 * TaintToleration and NodeUnschedulable plugins, the DaemonSet controller and the
 * node lifecycle controller's NoExecute eviction.
 */
import type { Taint } from '../gen/wheelhouse/core/v1/node.js';
import type { Toleration } from '../gen/wheelhouse/core/v1/scheduling.js';

export const TAINT_EFFECT_NO_SCHEDULE = 'NoSchedule';
export const TAINT_EFFECT_PREFER_NO_SCHEDULE = 'PreferNoSchedule';
export const TAINT_EFFECT_NO_EXECUTE = 'NoExecute';

/** The taints Kubernetes' node controllers put on nodes, by condition. */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** The parts of a taint that matching reads (a generated `Taint` is one). */
export type TaintLike = Pick<Taint, 'key' | 'value' | 'effect'>;
/** The parts of a toleration that matching reads (a generated `Toleration` is one). */
export type TolerationLike = Pick<Toleration, 'key' | 'operator' | 'value' | 'effect'>;

/**
 * Whether the toleration tolerates the taint: its effect is empty (every effect) or the
 * taint's; its key is empty (every key) or the taint's; and with operator `Exists` any
 * value matches, with `Equal` (or no operator) the values are equal. An unknown operator
 * tolerates nothing.
 */
export function tolerates(toleration: TolerationLike, taint: TaintLike): boolean {
  if (toleration.effect !== '' && toleration.effect !== taint.effect) return false;
  if (toleration.key !== '' && toleration.key !== taint.key) return false;
  switch (toleration.operator) {
    case '':
    case 'Equal':
      return toleration.value === taint.value;
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Whether any of the tolerations tolerates the taint. */
export function toleratesTaint(tolerations: readonly TolerationLike[], taint: TaintLike): boolean {
  return tolerations.some((t) => tolerates(t, taint));
}

/**
 * The first taint, among those the filter keeps (all when absent), that no toleration
 * tolerates; undefined when every such taint is tolerated. The scheduler passes a filter
 * of NoSchedule and NoExecute, the DaemonSet controller its own.
 */
export function findUntolerated<T extends TaintLike>(
  taints: readonly T[],
  tolerations: readonly TolerationLike[],
  filter?: (taint: T) => boolean,
): T | undefined {
  for (const taint of taints) {
    if (filter !== undefined && !filter(taint)) continue;
    if (!toleratesTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/**
 * The tolerations that tolerate the taints, when every taint is tolerated; undefined when
 * one is not. NoExecute eviction reads `tolerationSeconds` of what this returns: the pod
 * stays for the least of them (forever when none sets it).
 */
export function matchingTolerations<T extends TolerationLike>(
  taints: readonly TaintLike[],
  tolerations: readonly T[],
): T[] | undefined {
  const out: T[] = [];
  for (const taint of taints) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return undefined;
    for (const t of matching) if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** `key=value:effect` (`key:effect` without a value), as kubectl prints taints. */
export function taintToString(taint: TaintLike): string {
  const kv = taint.value === '' ? taint.key : `${taint.key}=${taint.value}`;
  return taint.effect === '' ? kv : `${kv}:${taint.effect}`;
}
