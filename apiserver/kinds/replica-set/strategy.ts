/** The ReplicaSet strategy (Kubernetes' pkg/registry/apps/replicaset). */
import type { ReplicaSet, ReplicaSetStatus } from '../../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateNonNegative } from '../../validation/values.js';
import { infoOf } from '../kind-info.js';
import {
  defaultPodTemplate,
  validateSelectorUnchanged,
  validateWorkloadSelector,
  validateWorkloadTemplate,
} from '../shared/pod-template.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');

export function validateReplicaSet(rs: ReplicaSet): ErrorList {
  const spec = rs.spec;
  if (!spec) return [invalid(specPath, null, 'must be specified')];
  const errs: ErrorList = [];
  if (spec.replicas !== undefined)
    errs.push(...validateNonNegative(spec.replicas, specPath.child('replicas')));
  errs.push(...validateNonNegative(spec.minReadySeconds, specPath.child('minReadySeconds')));
  const selectorErrs = validateWorkloadSelector(spec.selector, specPath.child('selector'), 'replicaset');
  errs.push(...selectorErrs);
  errs.push(
    ...validateWorkloadTemplate(
      spec.template,
      spec.selector,
      selectorErrs.length === 0,
      specPath.child('template'),
    ),
  );
  return errs;
}

/** Counts are never negative, and no subset of the Pods outnumbers the whole. */
export function validateReplicaSetStatus(status: ReplicaSetStatus | undefined): ErrorList {
  if (!status) return [];
  const errs: ErrorList = [];
  const counts = ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'] as const;
  for (const field of counts) errs.push(...validateNonNegative(status[field], statusPath.child(field)));
  for (const field of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'] as const) {
    if (status[field] > status.replicas) {
      errs.push(invalid(statusPath.child(field), status[field], 'cannot be greater than status.replicas'));
    }
  }
  if (status.availableReplicas > status.readyReplicas) {
    errs.push(
      invalid(
        statusPath.child('availableReplicas'),
        status.availableReplicas,
        'cannot be greater than readyReplicas',
      ),
    );
  }
  return errs;
}

export function replicaSetStrategy(): Strategy<ReplicaSet> {
  return {
    info: infoOf('ReplicaSet'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    tracksGeneration: true,
    applyDefaults(rs) {
      if (!rs.spec) return;
      if (rs.spec.replicas === undefined) rs.spec.replicas = 1;
      defaultPodTemplate(rs.spec.template);
    },
    prepareForCreate(rs) {
      rs.status = undefined;
    },
    validate: validateReplicaSet,
    prepareForUpdate: keepStatus,
    validateUpdate: (rs, old) => [
      ...validateReplicaSet(rs),
      ...validateSelectorUnchanged(rs.spec?.selector, old.spec?.selector, specPath.child('selector')),
    ],
    status: statusStrategy<ReplicaSet>((rs) => validateReplicaSetStatus(rs.status)),
    fieldSelectors: {
      'status.replicas': (rs) => String(rs.status?.replicas ?? 0),
    },
  };
}
