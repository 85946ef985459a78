/**
 * The priority classes every cluster has (Kubernetes' pkg/apis/scheduling): critical
 * add-ons and node agents outrank everything a user may define, so that preemption can
 * always make room for them. Names with the `system-` prefix are reserved for these.
 */

/** The highest value a user-defined PriorityClass may have. */
export const highestUserDefinablePriority = 1_000_000_000;

/** The value of system-cluster-critical; system-node-critical is 1000 above it. */
export const systemCriticalPriority = 2 * highestUserDefinablePriority;

export const systemPriorityClassPrefix = 'system-';

export const systemClusterCritical = 'system-cluster-critical';
export const systemNodeCritical = 'system-node-critical';

/** The priority of Pods that name no class when no class is the global default. */
export const defaultPriorityWhenNoDefaultClassExists = 0;

export const preemptionPolicies = ['Never', 'PreemptLowerPriority'] as const;
export const defaultPreemptionPolicy = 'PreemptLowerPriority';

export interface SystemPriorityClass {
  readonly name: string;
  readonly value: number;
  readonly description: string;
}

export const systemPriorityClasses: readonly SystemPriorityClass[] = [
  {
    name: systemNodeCritical,
    value: systemCriticalPriority + 1000,
    description: 'Used for system critical pods that must not be moved from their current node.',
  },
  {
    name: systemClusterCritical,
    value: systemCriticalPriority,
    description:
      'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
  },
];

/**
 * Whether a `system-` class is one of the built-in ones, exactly: same value and not the
 * global default. Returns why not otherwise.
 */
export function checkSystemPriorityClass(
  name: string,
  value: number,
  globalDefault: boolean,
): string | undefined {
  const known = systemPriorityClasses.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}
