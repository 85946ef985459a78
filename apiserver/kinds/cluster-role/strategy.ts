/** The ClusterRole strategy: cluster-wide policy rules, possibly aggregated from other ClusterRoles. */
import type { ClusterRole } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateLabelSelector } from '../../validation/labels.js';
import { infoOf } from '../kind-info.js';
import { validatePolicyRules } from '../shared/rbac-rules.js';

const selectorsPath = FieldPath.of('aggregationRule', 'clusterRoleSelectors');

function validateClusterRole(role: ClusterRole): ErrorList {
  const errs = validatePolicyRules(role.rules, false, FieldPath.of('rules'));
  const aggregation = role.aggregationRule;
  if (aggregation) {
    if (aggregation.clusterRoleSelectors.length === 0) {
      errs.push(
        required(selectorsPath, 'at least one clusterRoleSelector required if aggregationRule is non-nil'),
      );
    }
    aggregation.clusterRoleSelectors.forEach((s, i) => {
      errs.push(...validateLabelSelector(s, selectorsPath.index(i)));
    });
  }
  return errs;
}

export function clusterRoleStrategy(): Strategy<ClusterRole> {
  return {
    info: infoOf('ClusterRole'),
    nameRule: 'path-segment',
    allowUnconditionalUpdate: true,
    applyDefaults() {},
    prepareForCreate() {},
    validate: validateClusterRole,
    prepareForUpdate() {},
    validateUpdate: validateClusterRole,
  };
}
