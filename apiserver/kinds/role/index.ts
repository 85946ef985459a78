/** The Role: its strategy. */
import type { Role } from '../../../sdk/gen/wheelhouse/rbac/v1/role.js';
import type { KindDefinition } from '../kind-definition.js';
import { roleStrategy } from './strategy.js';

export const roleKind: KindDefinition<Role> = {
  kind: 'Role',
  strategy: () => roleStrategy(),
};
