/**
 * Which pods a ReplicaSet deletes first when it has too many (Kubernetes'
 * ActivePodsWithRanks): the pods whose loss hurts least go first.
 *
 *  1. not yet scheduled before scheduled;
 *  2. Pending before Unknown before Running;
 *  3. not ready before ready;
 *  4. lower `controller.kubernetes.io/pod-deletion-cost` before higher;
 *  5. pods doubled up on a node with more related pods before lone ones (the rank);
 *  6. ready for less time before ready for longer;
 *  7. more container restarts before fewer;
 *  8. newer before older (no creation time first).
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { isPodReady, readySince } from '../shared/pod-state.js';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const phaseOrder: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: Pod): number {
  const v = pod.metadata?.annotations?.[POD_DELETION_COST];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

function restarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount));
}

/** A pod with its rank: how many related pods share its node (higher is deleted first). */
export interface RankedPod {
  readonly pod: Pod;
  readonly rank: number;
}

/** Negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: RankedPod, b: RankedPod): number {
  const p1 = a.pod;
  const p2 = b.pod;
  const n1 = p1.spec?.nodeName ?? '';
  const n2 = p2.spec?.nodeName ?? '';
  if ((n1 === '') !== (n2 === '')) return n1 === '' ? -1 : 1;
  const ph1 = phaseOrder[p1.status?.phase ?? 'Pending'] ?? 0;
  const ph2 = phaseOrder[p2.status?.phase ?? 'Pending'] ?? 0;
  if (ph1 !== ph2) return ph1 - ph2;
  const r1 = isPodReady(p1);
  const r2 = isPodReady(p2);
  if (r1 !== r2) return r1 ? 1 : -1;
  const c1 = deletionCost(p1);
  const c2 = deletionCost(p2);
  if (c1 !== c2) return c1 - c2;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (r1 && r2) {
    const t1 = readySince(p1)?.getTime();
    const t2 = readySince(p2)?.getTime();
    if (t1 !== t2) {
      if (t1 === undefined) return -1;
      if (t2 === undefined) return 1;
      return t2 - t1; // the later one became ready more recently: delete it first
    }
  }
  const x1 = restarts(p1);
  const x2 = restarts(p2);
  if (x1 !== x2) return x2 - x1;
  const k1 = p1.metadata?.creationTimestamp?.getTime();
  const k2 = p2.metadata?.creationTimestamp?.getTime();
  if (k1 !== k2) {
    if (k1 === undefined) return -1;
    if (k2 === undefined) return 1;
    return k2 - k1; // newer first
  }
  return 0;
}

/**
 * The `count` pods to delete from `pods`, ranked by how many of `related` (the pods of
 * every ReplicaSet of the same owner) run on the same node.
 */
export function podsToDelete(pods: readonly Pod[], related: readonly Pod[], count: number): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName ?? '';
    if (node !== '') perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const ranked = pods.map((pod) => ({ pod, rank: perNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort(compareForDeletion);
  return ranked.slice(0, count).map((r) => r.pod);
}
