/**
 * The RBAC rules a user holds, read from the RBAC objects themselves (Kubernetes'
 * DefaultRuleResolver): every ClusterRoleBinding that names the user or one of their
 * groups, and in a namespace every RoleBinding there that does. The escalation check
 * compares a new role's rules with these.
 */
import type { ClusterRole } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role.js';
import type { ClusterRoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role_binding.js';
import type { PolicyRule, RoleRef, Subject } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import type { Role } from '../../../sdk/gen/wheelhouse/rbac/v1/role.js';
import type { RoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/role_binding.js';
import type { ClusterReader } from '../../admission/deps.js';
import type { UserInfo } from '../types.js';

export interface ResolvedRules {
  readonly rules: PolicyRule[];
  /** Bindings whose role could not be read: they grant nothing, and the denial says so. */
  readonly errors: string[];
}

export interface RuleResolver {
  /** What `user` may do in `namespace` ('' for cluster-wide: ClusterRoleBindings only). */
  rulesFor(user: Pick<UserInfo, 'name' | 'groups'>, namespace: string): Promise<ResolvedRules>;
  /** The rules of the role a binding in `namespace` refers to; undefined when it does not exist. */
  roleReferenceRules(ref: RoleRef, namespace: string): Promise<PolicyRule[] | undefined>;
}

/** Whether a binding's subject is this user (Kubernetes' appliesTo). */
export function subjectMatches(
  s: Subject,
  user: Pick<UserInfo, 'name' | 'groups'>,
  bindingNamespace: string,
): boolean {
  switch (s.kind) {
    case 'User':
      return s.name === user.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === `system:serviceaccount:${s.namespace || bindingNamespace}:${s.name}`;
    default:
      return false;
  }
}

export function createRuleResolver(reader: ClusterReader): RuleResolver {
  const roleReferenceRules = async (ref: RoleRef, namespace: string) => {
    if (ref.kind === 'ClusterRole')
      return (await reader.get<ClusterRole>('ClusterRole', '', ref.name))?.rules;
    if (ref.kind === 'Role' && namespace !== '') {
      return (await reader.get<Role>('Role', namespace, ref.name))?.rules;
    }
    return undefined;
  };

  return {
    roleReferenceRules,
    async rulesFor(user, namespace) {
      const rules: PolicyRule[] = [];
      const errors: string[] = [];
      const visit = async (binding: ClusterRoleBinding | RoleBinding, ns: string, what: string) => {
        if (!binding.roleRef || !binding.subjects.some((s) => subjectMatches(s, user, ns))) return;
        const granted = await roleReferenceRules(binding.roleRef, ns);
        if (granted) rules.push(...granted);
        else {
          errors.push(
            `${what} "${binding.metadata?.name ?? ''}" refers to ${binding.roleRef.kind} "${binding.roleRef.name}", which does not exist`,
          );
        }
      };
      for (const b of await reader.list<ClusterRoleBinding>('ClusterRoleBinding', '')) {
        await visit(b, '', 'ClusterRoleBinding');
      }
      if (namespace !== '') {
        for (const b of await reader.list<RoleBinding>('RoleBinding', namespace)) {
          await visit(b, namespace, 'RoleBinding');
        }
      }
      return { rules, errors };
    },
  };
}
