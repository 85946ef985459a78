/**
 * Which potential victims a PodDisruptionBudget protects (kube-scheduler's
 * filterPodsWithPDBViolation): walking the victims most important first, each pod
 * takes one disruption from every budget in its namespace whose (non-empty) selector
 * matches it; a pod for which some budget goes below zero violates it. A pod the
 * budget already lists in `status.disruptedPods` was counted by an eviction already
 * and takes nothing. Preemption reprieves violating pods first and ranks candidate
 * nodes by how many budgets they break, so budgets are broken only when nothing else
 * makes room.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import { fromLabelSelector, isEmpty, matches, type Selector } from '../../../sdk/labels/index.js';

export function filterPodsWithPDBViolation<T extends { readonly pod: Pod }>(
  podInfos: readonly T[],
  pdbs: readonly PodDisruptionBudget[],
): { violating: T[]; nonViolating: T[] } {
  const violating: T[] = [];
  const nonViolating: T[] = [];
  if (pdbs.length === 0) return { violating, nonViolating: [...podInfos] };
  const budgets = pdbs.map((pdb) => ({
    pdb,
    selector: selectorOf(pdb),
    allowed: pdb.status?.disruptionsAllowed ?? 0,
  }));
  for (const info of podInfos) {
    const pod = info.pod;
    const labels = pod.metadata?.labels ?? {};
    let violated = false;
    // A pod without labels matches no budget.
    if (Object.keys(labels).length > 0) {
      for (const b of budgets) {
        if (b.selector === undefined) continue;
        if ((b.pdb.metadata?.namespace ?? '') !== (pod.metadata?.namespace ?? '')) continue;
        if (!matches(b.selector, labels)) continue;
        if (b.pdb.status?.disruptedPods?.[pod.metadata?.name ?? ''] !== undefined) continue;
        b.allowed--;
        if (b.allowed < 0) violated = true;
      }
    }
    (violated ? violating : nonViolating).push(info);
  }
  return { violating, nonViolating };
}

/** The budget's selector; undefined when it selects nothing here (unset, empty or invalid), as in kube's preemption. */
function selectorOf(pdb: PodDisruptionBudget): Selector | undefined {
  const ls = pdb.spec?.selector;
  if (ls === undefined) return undefined;
  try {
    const s = fromLabelSelector(ls);
    return isEmpty(s) ? undefined : s;
  } catch {
    return undefined;
  }
}
