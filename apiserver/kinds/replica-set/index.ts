/** The ReplicaSet: its strategy, and the scale subresource. */
import type { ReplicaSet } from '../../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { KindDefinition } from '../kind-definition.js';
import { scaleMethods } from '../shared/scale.js';
import { replicaSetStrategy } from './strategy.js';

export const replicaSetKind: KindDefinition<ReplicaSet> = {
  kind: 'ReplicaSet',
  strategy: () => replicaSetStrategy(),
  subresources: scaleMethods,
};
