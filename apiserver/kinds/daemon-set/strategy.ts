/** The DaemonSet strategy (Kubernetes' pkg/registry/apps/daemonset, pkg/apis/apps/validation). */
import type {
  DaemonSet,
  DaemonSetStatus,
  DaemonSetUpdateStrategy,
} from '../../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateNonNegative } from '../../validation/values.js';
import { infoOf } from '../kind-info.js';
import {
  defaultPodTemplate,
  validateSelectorUnchanged,
  validateWorkloadSelector,
  validateWorkloadTemplate,
} from '../shared/pod-template.js';
import { validateEnum } from '../shared/rules.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';
import { intValue, isZero, validateCounts, validateOptionalIntOrPercent } from '../shared/workload.js';

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');

export const daemonSetUpdateStrategyTypes = ['OnDelete', 'RollingUpdate'];

function applyDefaults(ds: DaemonSet): void {
  const spec = ds.spec;
  if (!spec) return;
  spec.updateStrategy ??= { type: '' };
  if (spec.updateStrategy.type === '') spec.updateStrategy.type = 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= intValue(1);
    spec.updateStrategy.rollingUpdate.maxSurge ??= intValue(0);
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  defaultPodTemplate(spec.template);
}

function validateUpdateStrategy(strategy: DaemonSetUpdateStrategy | undefined, path: FieldPath): ErrorList {
  if (!strategy) return [required(path, '')];
  const errs = validateEnum(strategy.type, daemonSetUpdateStrategyTypes, path.child('type'));
  const rolling = strategy.rollingUpdate;
  if (strategy.type !== 'RollingUpdate') return errs;
  if (!rolling) return [...errs, required(path.child('rollingUpdate'), '')];
  const rPath = path.child('rollingUpdate');
  errs.push(...validateOptionalIntOrPercent(rolling.maxUnavailable, rPath.child('maxUnavailable')));
  errs.push(...validateOptionalIntOrPercent(rolling.maxSurge, rPath.child('maxSurge')));
  // A node runs one daemon Pod: the update either takes the old one down first or runs both for a while.
  const hasUnavailable = !isZero(rolling.maxUnavailable);
  const hasSurge = !isZero(rolling.maxSurge);
  if (hasUnavailable && hasSurge) {
    errs.push(
      invalid(
        rPath.child('maxSurge'),
        rolling.maxSurge?.value?.value,
        'may not be set when maxUnavailable is non-zero',
      ),
    );
  } else if (!hasUnavailable && !hasSurge) {
    errs.push(
      invalid(
        rPath.child('maxUnavailable'),
        rolling.maxUnavailable?.value?.value ?? 0,
        'cannot be 0 when maxSurge is 0',
      ),
    );
  }
  return errs;
}

export function validateDaemonSet(ds: DaemonSet): ErrorList {
  const spec = ds.spec;
  if (!spec) return [required(specPath, '')];
  const errs: ErrorList = [];
  const selectorErrs = validateWorkloadSelector(spec.selector, specPath.child('selector'), 'daemonset');
  errs.push(...selectorErrs);
  errs.push(
    ...validateWorkloadTemplate(
      spec.template,
      spec.selector,
      selectorErrs.length === 0,
      specPath.child('template'),
    ),
  );
  errs.push(...validateNonNegative(spec.minReadySeconds, specPath.child('minReadySeconds')));
  errs.push(...validateUpdateStrategy(spec.updateStrategy, specPath.child('updateStrategy')));
  if (spec.revisionHistoryLimit !== undefined) {
    errs.push(...validateNonNegative(spec.revisionHistoryLimit, specPath.child('revisionHistoryLimit')));
  }
  return errs;
}

export function validateDaemonSetStatus(status: DaemonSetStatus | undefined): ErrorList {
  if (!status) return [];
  return validateCounts(
    status,
    [
      'currentNumberScheduled',
      'numberMisscheduled',
      'desiredNumberScheduled',
      'numberReady',
      'observedGeneration',
      'updatedNumberScheduled',
      'numberAvailable',
      'numberUnavailable',
      'collisionCount',
    ],
    statusPath,
  );
}

export function daemonSetStrategy(): Strategy<DaemonSet> {
  return {
    info: infoOf('DaemonSet'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    tracksGeneration: true,
    applyDefaults,
    prepareForCreate(ds) {
      ds.status = undefined;
    },
    validate: validateDaemonSet,
    prepareForUpdate: keepStatus,
    validateUpdate: (ds, old) => [
      ...validateDaemonSet(ds),
      ...validateSelectorUnchanged(ds.spec?.selector, old.spec?.selector, specPath.child('selector')),
    ],
    status: statusStrategy<DaemonSet>((ds) => validateDaemonSetStatus(ds.status)),
  };
}
