/**
 * What RoleBindings and ClusterRoleBindings share (pkg/apis/rbac/validation and
 * the v1 defaults): the role they grant, to whom, and the defaults that let a
 * manifest leave the obvious out.
 */
import type { RoleRef, Subject } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import { type ErrorList, invalid, notSupported, required } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import { nameIsPathSegment, validateDnsSubdomain } from '../../validation/names.js';
import { deepEqual } from './compare.js';

export const rbacGroup = 'rbac.authorization.k8s.io';
const subjectKinds = ['ServiceAccount', 'User', 'Group'];

/**
 * Users and groups belong to the RBAC API group, service accounts to the core
 * group. In a RoleBinding a service account without a namespace is one of the
 * binding's own namespace.
 */
export function defaultBinding(
  binding: { roleRef?: RoleRef | undefined; subjects: Subject[] },
  namespace: string | undefined,
): void {
  if (binding.roleRef && binding.roleRef.apiGroup === '') binding.roleRef.apiGroup = rbacGroup;
  for (const s of binding.subjects) {
    if (s.apiGroup === '' && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = rbacGroup;
    if (s.kind === 'ServiceAccount' && s.namespace === '' && namespace) s.namespace = namespace;
  }
}

export function validateRoleRef(
  ref: RoleRef | undefined,
  kinds: readonly string[],
  path: FieldPath,
): ErrorList {
  if (!ref) return [required(path, '')];
  const errs: ErrorList = [];
  if (ref.apiGroup !== rbacGroup) errs.push(notSupported(path.child('apiGroup'), ref.apiGroup, [rbacGroup]));
  if (!kinds.includes(ref.kind)) errs.push(notSupported(path.child('kind'), ref.kind, kinds));
  if (ref.name === '') errs.push(required(path.child('name'), ''));
  else errs.push(...nameIsPathSegment(ref.name, false).map((m) => invalid(path.child('name'), ref.name, m)));
  return errs;
}

export function validateSubject(s: Subject, namespaced: boolean, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (s.name === '') errs.push(required(path.child('name'), ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name !== '') errs.push(...validateDnsSubdomain(s.name, path.child('name')));
      if (s.apiGroup !== '') errs.push(notSupported(path.child('apiGroup'), s.apiGroup, ['']));
      if (s.namespace === '' && !namespaced) errs.push(required(path.child('namespace'), ''));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== rbacGroup) errs.push(notSupported(path.child('apiGroup'), s.apiGroup, [rbacGroup]));
      break;
    default:
      errs.push(notSupported(path.child('kind'), s.kind, subjectKinds));
  }
  return errs;
}

export function validateSubjects(
  subjects: readonly Subject[],
  namespaced: boolean,
  path: FieldPath,
): ErrorList {
  return subjects.flatMap((s, i) => validateSubject(s, namespaced, path.index(i)));
}

/** A binding's role is its identity: to grant another role, make another binding. */
export function validateRoleRefUnchanged(
  ref: RoleRef | undefined,
  old: RoleRef | undefined,
  path: FieldPath,
): ErrorList {
  return deepEqual(ref, old) ? [] : [invalid(path, ref, 'cannot change roleRef')];
}
