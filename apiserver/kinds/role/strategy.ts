/** The Role strategy: namespaced policy rules. */
import type { Role } from '../../../sdk/gen/wheelhouse/rbac/v1/role.js';
import type { Strategy } from '../../registry/strategy.js';
import { FieldPath } from '../../validation/field-path.js';
import { infoOf } from '../kind-info.js';
import { validatePolicyRules } from '../shared/rbac-rules.js';

const rulesPath = FieldPath.of('rules');

export function roleStrategy(): Strategy<Role> {
  const validate = (role: Role) => validatePolicyRules(role.rules, true, rulesPath);
  return {
    info: infoOf('Role'),
    nameRule: 'path-segment',
    allowUnconditionalUpdate: true,
    applyDefaults() {},
    prepareForCreate() {},
    validate,
    prepareForUpdate() {},
    validateUpdate: validate,
  };
}
