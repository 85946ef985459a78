/** The StatefulSet: its strategy, and the scale subresource. */
import type { StatefulSet } from '../../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import type { KindDefinition } from '../kind-definition.js';
import { scaleMethods } from '../shared/scale.js';
import { statefulSetStrategy } from './strategy.js';

export const statefulSetKind: KindDefinition<StatefulSet> = {
  kind: 'StatefulSet',
  strategy: () => statefulSetStrategy(),
  subresources: scaleMethods,
};
