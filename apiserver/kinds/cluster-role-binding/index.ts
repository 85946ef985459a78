/** The ClusterRoleBinding: its strategy. */
import type { ClusterRoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role_binding.js';
import type { KindDefinition } from '../kind-definition.js';
import { clusterRoleBindingStrategy } from './strategy.js';

export const clusterRoleBindingKind: KindDefinition<ClusterRoleBinding> = {
  kind: 'ClusterRoleBinding',
  strategy: () => clusterRoleBindingStrategy(),
};
