/**
 * RBAC tables as kubectl prints them: roles NAME CREATED AT; bindings NAME ROLE AGE,
 * with their subjects by kind under -o wide.
 */
import type { ClusterRoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role_binding.js';
import type { Subject } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import type { RoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/role_binding.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { ageColumn } from './generic.js';
import { type Column, definePrinter } from './printer.js';

/** CREATED AT: the creation time in RFC 3339, seconds precision. */
export const createdAtColumn: Column<KindObject> = {
  header: 'CREATED AT',
  cell: (o) =>
    o.metadata?.creationTimestamp ? o.metadata.creationTimestamp.toISOString().replace(/\.\d+Z$/, 'Z') : '',
};

export const rolePrinter = definePrinter<KindObject>([createdAtColumn]);

type Binding = RoleBinding | ClusterRoleBinding;

const subjects = (kind: string, show: (s: Subject) => string) => (b: Binding) =>
  b.subjects
    .filter((s) => s.kind === kind)
    .map(show)
    .join(', ');

export const roleBindingPrinter = definePrinter<Binding>([
  { header: 'ROLE', cell: (b) => `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}` },
  ageColumn,
  { header: 'USERS', wide: true, cell: subjects('User', (s) => s.name) },
  { header: 'GROUPS', wide: true, cell: subjects('Group', (s) => s.name) },
  {
    header: 'SERVICEACCOUNTS',
    wide: true,
    cell: subjects('ServiceAccount', (s) => `${s.namespace}/${s.name}`),
  },
]);
