/** The RoleBinding strategy: grants a Role or ClusterRole within one namespace. */
import type { RoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/role_binding.js';
import type { Strategy } from '../../registry/strategy.js';
import type { ErrorList } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { infoOf } from '../kind-info.js';
import {
  defaultBinding,
  validateRoleRef,
  validateRoleRefUnchanged,
  validateSubjects,
} from '../shared/rbac-binding.js';

const roleRefPath = FieldPath.of('roleRef');
const subjectsPath = FieldPath.of('subjects');

function validateRoleBinding(binding: RoleBinding): ErrorList {
  return [
    ...validateRoleRef(binding.roleRef, ['Role', 'ClusterRole'], roleRefPath),
    ...validateSubjects(binding.subjects, true, subjectsPath),
  ];
}

export function roleBindingStrategy(): Strategy<RoleBinding> {
  return {
    info: infoOf('RoleBinding'),
    nameRule: 'path-segment',
    allowUnconditionalUpdate: true,
    applyDefaults: (binding) => defaultBinding(binding, binding.metadata?.namespace),
    prepareForCreate() {},
    validate: validateRoleBinding,
    prepareForUpdate() {},
    validateUpdate: (binding, old) => [
      ...validateRoleBinding(binding),
      ...validateRoleRefUnchanged(binding.roleRef, old.roleRef, roleRefPath),
    ],
  };
}
