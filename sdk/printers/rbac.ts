/** RoleBindings and ClusterRoleBindings: NAME ROLE AGE, with their subjects by kind under -o wide. */
import type { ClusterRoleBinding } from '../gen/wheelhouse/rbac/v1/cluster_role_binding.js';
import type { Subject } from '../gen/wheelhouse/rbac/v1/policy.js';
import type { RoleBinding } from '../gen/wheelhouse/rbac/v1/role_binding.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter } from './printer.js';

type Binding = RoleBinding | ClusterRoleBinding;

const subjects = (kind: string, show: (s: Subject) => string) => (b: Binding) =>
  b.subjects
    .filter((s) => s.kind === kind)
    .map(show)
    .join(', ');

export const roleBindingPrinter = definePrinter<Binding>([
  nameColumn,
  column(
    'Role',
    'string',
    'The role the binding grants, as Kind/name.',
    (b) => `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`,
  ),
  ageColumn,
  column(
    'Users',
    'string',
    'The users the binding names.',
    subjects('User', (s) => s.name),
    { priority: 1 },
  ),
  column(
    'Groups',
    'string',
    'The groups the binding names.',
    subjects('Group', (s) => s.name),
    { priority: 1 },
  ),
  column(
    'ServiceAccounts',
    'string',
    'The service accounts the binding names, as namespace/name.',
    subjects('ServiceAccount', (s) => `${s.namespace}/${s.name}`),
    { priority: 1 },
  ),
]);
