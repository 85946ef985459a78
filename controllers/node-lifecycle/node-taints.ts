/**
 * The taints the node lifecycle controller owns and what they should be for a node's
 * conditions and spec (Kubernetes' taint-nodes-by-condition and the NoExecute taints of
 * an unreachable or not-ready node). Taints of anyone else are left as they are.
 */
import type { Node, NodeCondition, Taint } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import {
  TAINT_EFFECT_NO_EXECUTE,
  TAINT_EFFECT_NO_SCHEDULE,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
} from '../../sdk/scheduling/index.js';

export function conditionOf(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions.find((c) => c.type === type);
}

/** The NoSchedule taints that mirror the node's conditions and cordoning. */
export function desiredNoScheduleTaints(node: Node): string[] {
  const keys: string[] = [];
  const ready = conditionOf(node, 'Ready')?.status;
  if (ready === 'False') keys.push(TAINT_NODE_NOT_READY);
  else if (ready === 'Unknown') keys.push(TAINT_NODE_UNREACHABLE);
  const byCondition: [string, string][] = [
    ['MemoryPressure', TAINT_NODE_MEMORY_PRESSURE],
    ['DiskPressure', TAINT_NODE_DISK_PRESSURE],
    ['PIDPressure', TAINT_NODE_PID_PRESSURE],
    ['NetworkUnavailable', TAINT_NODE_NETWORK_UNAVAILABLE],
  ];
  for (const [type, key] of byCondition) if (conditionOf(node, type)?.status === 'True') keys.push(key);
  if (node.spec?.unschedulable) keys.push(TAINT_NODE_UNSCHEDULABLE);
  return keys;
}

const noScheduleKeys = [
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_UNSCHEDULABLE,
];

/** The NoExecute taint a node's Ready condition calls for, if any. */
export function desiredNoExecuteTaint(node: Node): string | undefined {
  const ready = conditionOf(node, 'Ready')?.status;
  if (ready === 'False') return TAINT_NODE_NOT_READY;
  if (ready === 'Unknown') return TAINT_NODE_UNREACHABLE;
  return undefined;
}

const has = (taints: readonly Taint[], key: string, effect: string) =>
  taints.some((t) => t.key === key && t.effect === effect);

/** The node's taints with its NoSchedule taints made to match `keys`; undefined when nothing changes. */
export function withNoScheduleTaints(
  taints: readonly Taint[],
  keys: readonly string[],
  now: Date,
): Taint[] | undefined {
  const kept = taints.filter(
    (t) =>
      !(t.effect === TAINT_EFFECT_NO_SCHEDULE && noScheduleKeys.includes(t.key) && !keys.includes(t.key)),
  );
  const added = keys
    .filter((k) => !has(taints, k, TAINT_EFFECT_NO_SCHEDULE))
    .map((key) => ({ key, value: '', effect: TAINT_EFFECT_NO_SCHEDULE, timeAdded: now }));
  if (added.length === 0 && kept.length === taints.length) return undefined;
  return [...kept, ...added];
}

/**
 * The node's taints with its NoExecute taint made `key` (none when undefined); undefined
 * when nothing changes. The other one of not-ready and unreachable is swapped out.
 */
export function withNoExecuteTaint(
  taints: readonly Taint[],
  key: string | undefined,
  now: Date,
): Taint[] | undefined {
  const ours = [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE];
  const kept = taints.filter(
    (t) => !(t.effect === TAINT_EFFECT_NO_EXECUTE && ours.includes(t.key) && t.key !== key),
  );
  const add = key !== undefined && !has(taints, key, TAINT_EFFECT_NO_EXECUTE);
  if (!add && kept.length === taints.length) return undefined;
  return add ? [...kept, { key, value: '', effect: TAINT_EFFECT_NO_EXECUTE, timeAdded: now }] : kept;
}

export function hasNoExecuteTaint(node: Node, key: string): boolean {
  return has(node.spec?.taints ?? [], key, TAINT_EFFECT_NO_EXECUTE);
}
