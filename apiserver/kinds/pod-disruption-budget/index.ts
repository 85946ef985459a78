/** The PodDisruptionBudget: how many of a set of Pods evictions may take down at once. */
import type { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import type { KindDefinition } from '../kind-definition.js';
import { podDisruptionBudgetStrategy } from './strategy.js';

export const podDisruptionBudgetKind: KindDefinition<PodDisruptionBudget> = {
  kind: 'PodDisruptionBudget',
  strategy: () => podDisruptionBudgetStrategy(),
};
