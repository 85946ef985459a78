/**
 * The ResourceQuota strategy: caps on a namespace's total use. The quota
 * controller and the admission plugin write status.used through the status
 * subresource; the caps themselves are the spec. The charges in flight the
 * plugin records in an annotation are kept as stored, as the status is.
 */
import type {
  ResourceQuota,
  ResourceQuotaStatus,
} from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import { keepPending, pendingChargesAnnotation } from '../../admission/plugins/quota-pending.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { infoOf } from '../kind-info.js';
import { validateResourceList } from '../shared/resources.js';
import { validateEnum } from '../shared/rules.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');
export const quotaScopes = [
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
];

function validateQuota(quota: ResourceQuota): ErrorList {
  const spec = quota.spec;
  if (!spec) return [];
  const errs: ErrorList = [];
  validateResourceList(spec.hard, specPath.child('hard'), errs, 'quota');
  spec.scopes.forEach((s, i) => {
    errs.push(...validateEnum(s, quotaScopes, specPath.child('scopes').index(i)));
  });
  spec.scopeSelector?.matchExpressions.forEach((e, i) => {
    const ePath = specPath.child('scopeSelector', 'matchExpressions').index(i);
    errs.push(...validateEnum(e.scopeName, quotaScopes, ePath.child('scopeName')));
    errs.push(
      ...validateEnum(e.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist'], ePath.child('operator')),
    );
    const needsValues = e.operator === 'In' || e.operator === 'NotIn';
    if (needsValues && e.values.length === 0) {
      errs.push(
        required(ePath.child('values'), "must be at least one value when `operator` is 'In' or 'NotIn'"),
      );
    } else if (!needsValues && e.values.length > 0) {
      errs.push(
        invalid(
          ePath.child('values'),
          e.values,
          "must be no value when `operator` is 'Exist' or 'DoesNotExist'",
        ),
      );
    }
  });
  return errs;
}

function validateStatus(status: ResourceQuotaStatus | undefined): ErrorList {
  if (!status) return [];
  const errs: ErrorList = [];
  validateResourceList(status.hard, statusPath.child('hard'), errs, 'quota');
  validateResourceList(status.used, statusPath.child('used'), errs, 'quota');
  return errs;
}

export function resourceQuotaStrategy(): Strategy<ResourceQuota> {
  return {
    info: infoOf('ResourceQuota'),
    nameRule: 'subdomain',
    // Usage is counted against the quota as read: a blind write could lose another writer's charge.
    allowUnconditionalUpdate: false,
    applyDefaults() {},
    prepareForCreate(quota) {
      quota.status = undefined;
      // Charges in flight are the apiserver's to record.
      if (quota.metadata?.annotations) delete quota.metadata.annotations[pendingChargesAnnotation];
    },
    validate: validateQuota,
    prepareForUpdate(quota, old) {
      keepStatus(quota, old);
      keepPending(quota, old);
    },
    validateUpdate: validateQuota,
    status: statusStrategy<ResourceQuota>((quota) => validateStatus(quota.status)),
  };
}
