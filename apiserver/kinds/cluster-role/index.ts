/** The ClusterRole: its strategy. */
import type { ClusterRole } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role.js';
import type { KindDefinition } from '../kind-definition.js';
import { clusterRoleStrategy } from './strategy.js';

export const clusterRoleKind: KindDefinition<ClusterRole> = {
  kind: 'ClusterRole',
  strategy: () => clusterRoleStrategy(),
};
