/** The ClusterRoleBinding strategy: grants a ClusterRole everywhere. */
import type { ClusterRoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role_binding.js';
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

function validateClusterRoleBinding(binding: ClusterRoleBinding): ErrorList {
  return [
    ...validateRoleRef(binding.roleRef, ['ClusterRole'], roleRefPath),
    ...validateSubjects(binding.subjects, false, subjectsPath),
  ];
}

export function clusterRoleBindingStrategy(): Strategy<ClusterRoleBinding> {
  return {
    info: infoOf('ClusterRoleBinding'),
    nameRule: 'path-segment',
    allowUnconditionalUpdate: true,
    // A cluster-wide binding has no namespace to lend its service accounts.
    applyDefaults: (binding) => defaultBinding(binding, undefined),
    prepareForCreate() {},
    validate: validateClusterRoleBinding,
    prepareForUpdate() {},
    validateUpdate: (binding, old) => [
      ...validateClusterRoleBinding(binding),
      ...validateRoleRefUnchanged(binding.roleRef, old.roleRef, roleRefPath),
    ],
  };
}
