/** The PriorityClass: the integer priority of the Pods that name it. */
import type { PriorityClass } from '../../../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import type { KindDefinition } from '../kind-definition.js';
import { priorityClassStrategy } from './strategy.js';

export const priorityClassKind: KindDefinition<PriorityClass> = {
  kind: 'PriorityClass',
  strategy: () => priorityClassStrategy(),
};
