/**
 * The taints scheduling sees on a node: its own, plus the taint a node that is not
 * Ready stands for — `node.kubernetes.io/not-ready:NoSchedule`, or
 * `node.kubernetes.io/unreachable:NoSchedule` when the Ready condition is Unknown —
 * unless the node already carries a taint of that key. The scheduler does not pick a
 * node that is not Ready even before the node lifecycle controller has tainted it.
 *
 * NodeInfo derives these once per Node object (setNode), not once per node per cycle:
 * walking the conditions and comparing their types touched several cold objects for
 * every node every pod visited.
 */
import type { Node, NodeCondition, Taint } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import {
  TAINT_EFFECT_NO_SCHEDULE,
  TAINT_EFFECT_PREFER_NO_SCHEDULE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
  type TaintLike,
} from '../../sdk/scheduling/index.js';

const noConditions: readonly NodeCondition[] = [];
/** Shared by every node without taints; frozen, since NodeInfos hand it to plugins. */
export const NO_TAINTS: readonly TaintLike[] = Object.freeze([]);
const notReadyTaint: TaintLike = Object.freeze({
  key: TAINT_NODE_NOT_READY,
  value: '',
  effect: TAINT_EFFECT_NO_SCHEDULE,
});
const unreachableTaint: TaintLike = Object.freeze({
  key: TAINT_NODE_UNREACHABLE,
  value: '',
  effect: TAINT_EFFECT_NO_SCHEDULE,
});

/** The taint a node that is not Ready stands for, or undefined when Ready is True or already tainted. */
function readinessTaint(node: Node, own: readonly Taint[]): TaintLike | undefined {
  let ready: string | undefined;
  for (const c of node.status?.conditions ?? noConditions) {
    if (c.type === 'Ready') {
      ready = c.status;
      break;
    }
  }
  if (ready === 'True') return undefined;
  const key = ready === 'Unknown' ? TAINT_NODE_UNREACHABLE : TAINT_NODE_NOT_READY;
  for (const t of own) if (t.key === key) return undefined;
  return ready === 'Unknown' ? unreachableTaint : notReadyTaint;
}

/** The node's taints as scheduling sees them: its own plus the readiness taint above. */
export function effectiveTaints(node: Node): readonly TaintLike[] {
  const own: readonly Taint[] = node.spec?.taints ?? NO_TAINTS;
  const extra = readinessTaint(node, own);
  if (extra === undefined) return own.length === 0 ? NO_TAINTS : own;
  return [...own, extra];
}

/** Whether any of the taints has the PreferNoSchedule effect (the only ones TaintToleration scores). */
export function hasPreferNoSchedule(taints: readonly TaintLike[]): boolean {
  for (const t of taints) if (t.effect === TAINT_EFFECT_PREFER_NO_SCHEDULE) return true;
  return false;
}
