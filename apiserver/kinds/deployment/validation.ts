/** Deployment validation (pkg/apis/apps/validation: ValidateDeploymentSpec and friends). */
import type {
  Deployment,
  DeploymentStatus,
  DeploymentStrategy,
} from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { IntOrString } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { isValidPercent } from '../../../sdk/labels/index.js';
import { type ErrorList, forbidden, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateNonNegative } from '../../validation/values.js';
import { validateWorkloadSelector, validateWorkloadTemplate } from '../shared/pod-template.js';
import { validateEnum } from '../shared/rules.js';

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');

export const deploymentStrategyTypes = ['Recreate', 'RollingUpdate'];

/** An int ≥ 0, or a percentage; returns the amount when it is zero-checkable, undefined when invalid. */
function validateIntOrPercent(
  value: IntOrString | undefined,
  path: FieldPath,
  errs: ErrorList,
): number | undefined {
  const v = value?.value;
  if (v === undefined) return undefined;
  if (v.$case === 'intVal') {
    if (v.value < 0) {
      errs.push(invalid(path, v.value, 'must be greater than or equal to 0'));
      return undefined;
    }
    return v.value;
  }
  const messages = isValidPercent(v.value);
  if (messages.length > 0) {
    errs.push(
      ...messages.map((m) =>
        invalid(path, v.value, `${m}: a valid IntOrString must be an integer or a percentage`),
      ),
    );
    return undefined;
  }
  const percent = Number(v.value.slice(0, -1));
  return percent;
}

function validateStrategy(strategy: DeploymentStrategy | undefined, path: FieldPath): ErrorList {
  if (!strategy) return [required(path, '')];
  const errs = validateEnum(strategy.type, deploymentStrategyTypes, path.child('type'));
  const rolling = strategy.rollingUpdate;
  if (strategy.type === 'Recreate' && rolling) {
    errs.push(
      forbidden(path.child('rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"),
    );
  }
  if (strategy.type !== 'RollingUpdate' || !rolling) return errs;
  const rPath = path.child('rollingUpdate');
  const surge = validateIntOrPercent(rolling.maxSurge, rPath.child('maxSurge'), errs);
  const unavailable = validateIntOrPercent(rolling.maxUnavailable, rPath.child('maxUnavailable'), errs);
  const u = rolling.maxUnavailable?.value;
  if (u?.$case === 'strVal' && unavailable !== undefined && unavailable > 100) {
    errs.push(invalid(rPath.child('maxUnavailable'), u.value, 'must not be greater than 100%'));
  }
  // With neither extra Pods nor missing ones allowed, a rollout could never make progress.
  if (surge === 0 && unavailable === 0) {
    errs.push(invalid(rPath.child('maxUnavailable'), u?.value ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  return errs;
}

export function validateDeployment(d: Deployment): ErrorList {
  const spec = d.spec;
  if (!spec) return [required(specPath, '')];
  const errs: ErrorList = [];
  if (spec.replicas !== undefined)
    errs.push(...validateNonNegative(spec.replicas, specPath.child('replicas')));
  const selectorErrs = validateWorkloadSelector(spec.selector, specPath.child('selector'), 'deployment');
  errs.push(...selectorErrs);
  errs.push(
    ...validateWorkloadTemplate(
      spec.template,
      spec.selector,
      selectorErrs.length === 0,
      specPath.child('template'),
    ),
  );
  errs.push(...validateStrategy(spec.strategy, specPath.child('strategy')));
  errs.push(...validateNonNegative(spec.minReadySeconds, specPath.child('minReadySeconds')));
  if (spec.revisionHistoryLimit !== undefined) {
    errs.push(...validateNonNegative(spec.revisionHistoryLimit, specPath.child('revisionHistoryLimit')));
  }
  if (spec.progressDeadlineSeconds !== undefined) {
    const pPath = specPath.child('progressDeadlineSeconds');
    const before = errs.length;
    errs.push(...validateNonNegative(spec.progressDeadlineSeconds, pPath));
    if (errs.length === before && spec.progressDeadlineSeconds <= spec.minReadySeconds) {
      errs.push(invalid(pPath, spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export function validateDeploymentStatus(
  status: DeploymentStatus | undefined,
  old?: DeploymentStatus,
): ErrorList {
  if (!status) return [];
  const errs: ErrorList = [];
  const counts = [
    'replicas',
    'updatedReplicas',
    'readyReplicas',
    'availableReplicas',
    'unavailableReplicas',
  ] as const;
  for (const field of counts) errs.push(...validateNonNegative(status[field], statusPath.child(field)));
  if (status.collisionCount !== undefined) {
    errs.push(...validateNonNegative(status.collisionCount, statusPath.child('collisionCount')));
    if (old?.collisionCount !== undefined && status.collisionCount < old.collisionCount) {
      errs.push(invalid(statusPath.child('collisionCount'), status.collisionCount, 'cannot be decremented'));
    }
  }
  for (const field of ['updatedReplicas', 'readyReplicas', 'availableReplicas'] as const) {
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
