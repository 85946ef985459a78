/**
 * The Casbin model RBAC decisions are made with: RBAC with domains, the domain being a
 * namespace, or `*` for what ClusterRoleBindings grant everywhere.
 *
 *   p, <role>, <domain>                 a role that some binding grants in the domain
 *   g, <subject>, <role>, <domain>      a binding: the subject has the role in the domain
 *
 * A policy row stands for a whole role, not one row per verb and resource: Casbin
 * evaluates the matcher once per row, so the number of rows is what a decision costs.
 * The role's rules are checked by `rules(p.sub, r.obj, r.act)`, a compiled matcher
 * (compiled-rules.ts).
 */
import type { Subject } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import type { UserInfo } from '../types.js';
import type { ResourceRequest } from './compiled-rules.js';

export const casbinModelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && p.dom == r.dom && rules(p.sub, r.obj, r.act)
`;

/** The domain of ClusterRoleBindings: their roles apply in every namespace and at the cluster scope. */
export const CLUSTER_DOMAIN = '*';

export function roleId(namespace: string, name: string): string {
  return `role:${namespace}/${name}`;
}

export function clusterRoleId(name: string): string {
  return `clusterrole:${name}`;
}

/** A binding's subject as a Casbin subject; service accounts are the users they authenticate as. */
export function subjectId(subject: Subject, bindingNamespace: string): string | undefined {
  switch (subject.kind) {
    case 'User':
      return `user:${subject.name}`;
    case 'Group':
      return `group:${subject.name}`;
    case 'ServiceAccount':
      return `user:system:serviceaccount:${subject.namespace || bindingNamespace}:${subject.name}`;
    default:
      return undefined;
  }
}

/** Every Casbin subject a caller is: the user and each of their groups. */
export function subjectsOf(user: UserInfo): string[] {
  return [`user:${user.name}`, ...user.groups.map((g) => `group:${g}`)];
}

/**
 * The request's object as one Casbin value: `group|resource|subresource|name` for
 * resources, `url|<path>` for non-resource endpoints. None of the parts can contain `|`
 * (groups, resources and names are DNS names; paths are checked by the caller).
 */
export function objectOf(req: ResourceRequest): string {
  return `${req.apiGroup}|${req.resource}|${req.subresource}|${req.name}`;
}

export function urlObjectOf(path: string): string {
  return `url|${path}`;
}

export type DecodedObject =
  | {
      readonly kind: 'resource';
      readonly apiGroup: string;
      readonly resource: string;
      readonly subresource: string;
      readonly name: string;
    }
  | { readonly kind: 'url'; readonly path: string };

export function decodeObject(obj: string): DecodedObject {
  if (obj.startsWith('url|')) return { kind: 'url', path: obj.slice(4) };
  const [apiGroup = '', resource = '', subresource = '', name = ''] = obj.split('|');
  return { kind: 'resource', apiGroup, resource, subresource, name };
}
