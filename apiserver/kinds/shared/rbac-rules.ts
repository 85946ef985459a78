/** Policy rules of Roles and ClusterRoles (pkg/apis/rbac/validation: ValidatePolicyRule). */
import type { PolicyRule } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';

/**
 * A rule names verbs and either resources (with their API groups) or, in a
 * ClusterRole only, non-resource URLs: a namespace has no URLs of its own.
 */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (rule.verbs.length === 0)
    errs.push(required(path.child('verbs'), 'verbs must contain at least one value'));
  if (rule.nonResourceUrls.length > 0) {
    const urlsPath = path.child('nonResourceURLs');
    if (namespaced) {
      errs.push(
        invalid(urlsPath, rule.nonResourceUrls, 'namespaced rules cannot apply to non-resource URLs'),
      );
    }
    if (rule.apiGroups.length > 0 || rule.resources.length > 0) {
      errs.push(
        invalid(
          urlsPath,
          rule.nonResourceUrls,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    }
    return errs;
  }
  if (rule.apiGroups.length === 0) {
    errs.push(required(path.child('apiGroups'), 'resource rules must supply at least one api group'));
  }
  if (rule.resources.length === 0) {
    errs.push(required(path.child('resources'), 'resource rules must supply at least one resource'));
  }
  return errs;
}

export function validatePolicyRules(
  rules: readonly PolicyRule[],
  namespaced: boolean,
  path: FieldPath,
): ErrorList {
  return rules.flatMap((rule, i) => validatePolicyRule(rule, namespaced, path.index(i)));
}
