/** The PodDisruptionBudget strategy (Kubernetes' pkg/registry/policy/poddisruptionbudget). */
import type {
  PodDisruptionBudget,
  PodDisruptionBudgetStatus,
} from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateLabelSelector } from '../../validation/labels.js';
import { infoOf } from '../kind-info.js';
import { validateEnum } from '../shared/rules.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';
import { validateCounts, validateOptionalIntOrPercent } from '../shared/workload.js';

export const unhealthyPodEvictionPolicies = ['AlwaysAllow', 'IfHealthyBudget'];

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): ErrorList {
  const spec = pdb.spec;
  if (!spec) return [required(specPath, '')];
  const errs: ErrorList = [];
  if (spec.minAvailable?.value !== undefined && spec.maxUnavailable?.value !== undefined) {
    errs.push(invalid(specPath, null, 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateOptionalIntOrPercent(spec.minAvailable, specPath.child('minAvailable')));
  errs.push(...validateOptionalIntOrPercent(spec.maxUnavailable, specPath.child('maxUnavailable')));
  // An empty selector protects every Pod of the namespace (policy/v1).
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, specPath.child('selector')));
  if (spec.unhealthyPodEvictionPolicy !== undefined) {
    errs.push(
      ...validateEnum(
        spec.unhealthyPodEvictionPolicy,
        unhealthyPodEvictionPolicies,
        specPath.child('unhealthyPodEvictionPolicy'),
      ),
    );
  }
  return errs;
}

export function validatePodDisruptionBudgetStatus(status: PodDisruptionBudgetStatus | undefined): ErrorList {
  if (!status) return [];
  return validateCounts(
    status,
    ['observedGeneration', 'disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'],
    statusPath,
  );
}

export function podDisruptionBudgetStrategy(): Strategy<PodDisruptionBudget> {
  return {
    info: infoOf('PodDisruptionBudget'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    tracksGeneration: true,
    applyDefaults() {},
    prepareForCreate(pdb) {
      pdb.status = undefined;
    },
    validate: validatePodDisruptionBudget,
    prepareForUpdate: keepStatus,
    validateUpdate: validatePodDisruptionBudget,
    status: statusStrategy<PodDisruptionBudget>((pdb) => validatePodDisruptionBudgetStatus(pdb.status)),
  };
}
