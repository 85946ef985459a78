/**
 * `whctl create rolebinding|clusterrolebinding NAME --role=|--clusterrole= [--user] [--group]
 * [--serviceaccount=ns:name]`: a binding of users, groups and service accounts to a role.
 */
import type { Json, JsonObject } from '../../../../sdk/manifest/decode.js';
import { UsageError } from '../../usage-error.js';
import { type FlagValues, type Generator, stringOf } from './generator.js';
import { splitList } from './policy-rules.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function subjectsOf(values: FlagValues): Json[] {
  const users = splitList(values.user).map((name) => ({ kind: 'User', apiGroup: RBAC_GROUP, name }));
  const groups = splitList(values.group).map((name) => ({ kind: 'Group', apiGroup: RBAC_GROUP, name }));
  const accounts = splitList(values.serviceaccount).map((sa) => {
    const [namespace = '', name = ''] = sa.split(':');
    if (namespace === '' || name === '' || sa.split(':').length !== 2) {
      throw new UsageError(`serviceaccount must be <namespace>:<name>, not "${sa}"`);
    }
    return { kind: 'ServiceAccount', namespace, name };
  });
  return [...users, ...groups, ...accounts];
}

const subjectFlags = {
  user: { type: 'string', multiple: true },
  group: { type: 'string', multiple: true },
  serviceaccount: { type: 'string', multiple: true },
} as const;

const SUBJECT_HELP = `      --user NAME                   a user to bind (repeatable)
      --group NAME                  a group to bind (repeatable)
      --serviceaccount NS:NAME      a service account to bind (repeatable)
`;

function binding(kind: string, name: string, roleRef: JsonObject, values: FlagValues): JsonObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind,
    metadata: { name },
    roleRef,
    subjects: subjectsOf(values),
  };
}

export const roleBindingGenerator: Generator = {
  kind: 'RoleBinding',
  summary: 'Create a role binding for a particular role or cluster role',
  usage: `Usage:
  whctl create rolebinding NAME --clusterrole=NAME|--role=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname]

Flags:
      --role NAME                   the Role of this namespace to bind
      --clusterrole NAME            the ClusterRole to bind, in this namespace
${SUBJECT_HELP}`,
  flags: { role: { type: 'string' }, clusterrole: { type: 'string' }, ...subjectFlags },
  build({ name, values }) {
    const role = stringOf(values.role);
    const clusterRole = stringOf(values.clusterrole);
    if ((role === undefined) === (clusterRole === undefined)) {
      throw new UsageError('exactly one of clusterrole or role must be specified');
    }
    const roleRef = {
      apiGroup: RBAC_GROUP,
      kind: role ? 'Role' : 'ClusterRole',
      name: (role ?? clusterRole) as string,
    };
    return binding('RoleBinding', name, roleRef, values);
  },
};

export const clusterRoleBindingGenerator: Generator = {
  kind: 'ClusterRoleBinding',
  summary: 'Create a cluster role binding for a particular cluster role',
  usage: `Usage:
  whctl create clusterrolebinding NAME --clusterrole=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname]

Flags:
      --clusterrole NAME            the ClusterRole to bind
${SUBJECT_HELP}`,
  flags: { clusterrole: { type: 'string' }, ...subjectFlags },
  build({ name, values }) {
    const clusterRole = stringOf(values.clusterrole);
    if (!clusterRole) throw new UsageError('required flag(s) "clusterrole" not set');
    return binding(
      'ClusterRoleBinding',
      name,
      { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: clusterRole },
      values,
    );
  },
};
