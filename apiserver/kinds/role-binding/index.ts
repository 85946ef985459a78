/** The RoleBinding: its strategy. */
import type { RoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/role_binding.js';
import type { KindDefinition } from '../kind-definition.js';
import { roleBindingStrategy } from './strategy.js';

export const roleBindingKind: KindDefinition<RoleBinding> = {
  kind: 'RoleBinding',
  strategy: () => roleBindingStrategy(),
};
