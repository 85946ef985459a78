/** The Deployment strategy (Kubernetes' pkg/registry/apps/deployment). */
import type { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { Strategy } from '../../registry/strategy.js';
import { FieldPath } from '../../validation/field-path.js';
import { infoOf } from '../kind-info.js';
import { defaultPodTemplate, validateSelectorUnchanged } from '../shared/pod-template.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';
import { validateDeployment, validateDeploymentStatus } from './validation.js';

const selectorPath = FieldPath.of('spec', 'selector');

function applyDefaults(d: Deployment): void {
  const spec = d.spec;
  if (!spec) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
  spec.strategy ??= { type: '' };
  if (spec.strategy.type === '') spec.strategy.type = 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    const rolling = spec.strategy.rollingUpdate;
    rolling.maxUnavailable ??= { value: { $case: 'strVal', value: '25%' } };
    rolling.maxSurge ??= { value: { $case: 'strVal', value: '25%' } };
  }
  defaultPodTemplate(spec.template);
}

export function deploymentStrategy(): Strategy<Deployment> {
  return {
    info: infoOf('Deployment'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    tracksGeneration: true,
    applyDefaults,
    prepareForCreate(d) {
      d.status = undefined;
    },
    validate: validateDeployment,
    prepareForUpdate: keepStatus,
    validateUpdate: (d, old) => [
      ...validateDeployment(d),
      ...validateSelectorUnchanged(d.spec?.selector, old.spec?.selector, selectorPath),
    ],
    status: statusStrategy<Deployment>((d, old) => validateDeploymentStatus(d.status, old.status)),
  };
}
