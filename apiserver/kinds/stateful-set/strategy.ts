/** The StatefulSet strategy (Kubernetes' pkg/registry/apps/statefulset, pkg/apis/apps/validation). */
import type {
  StatefulSet,
  StatefulSetSpec,
  StatefulSetStatus,
  StatefulSetUpdateStrategy,
} from '../../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import type { PodTemplateSpec } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Volume } from '../../../sdk/gen/wheelhouse/core/v1/volume.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, forbidden, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateDnsSubdomain } from '../../validation/names.js';
import { validateNonNegative } from '../../validation/values.js';
import { infoOf } from '../kind-info.js';
import { deepEqual } from '../shared/compare.js';
import {
  defaultPodTemplate,
  validateWorkloadSelector,
  validateWorkloadTemplate,
} from '../shared/pod-template.js';
import { validateEnum } from '../shared/rules.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';
import {
  isZero,
  validateCounts,
  validateNotGreater,
  validateOptionalIntOrPercent,
} from '../shared/workload.js';

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');

export const podManagementPolicies = ['OrderedReady', 'Parallel'];
export const statefulSetUpdateStrategyTypes = ['OnDelete', 'RollingUpdate'];
export const retentionPolicies = ['Delete', 'Retain'];

function applyDefaults(sts: StatefulSet): void {
  const spec = sts.spec;
  if (!spec) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  if (spec.podManagementPolicy === '') spec.podManagementPolicy = 'OrderedReady';
  spec.updateStrategy ??= { type: '' };
  if (spec.updateStrategy.type === '') spec.updateStrategy.type = 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.partition ??= 0;
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: '', whenScaled: '' };
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (retention.whenDeleted === '') retention.whenDeleted = 'Retain';
  if (retention.whenScaled === '') retention.whenScaled = 'Retain';
  for (const claim of spec.volumeClaimTemplates) {
    if (claim.spec && claim.spec.volumeMode === undefined) claim.spec.volumeMode = 'Filesystem';
    claim.status ??= { phase: '', accessModes: [], capacity: {} };
    if (claim.status.phase === '') claim.status.phase = 'Pending';
  }
  defaultPodTemplate(spec.template);
}

function validateUpdateStrategy(strategy: StatefulSetUpdateStrategy | undefined, path: FieldPath): ErrorList {
  if (!strategy) return [required(path, '')];
  const errs = validateEnum(strategy.type, statefulSetUpdateStrategyTypes, path.child('type'));
  const rolling = strategy.rollingUpdate;
  if (!rolling) return errs;
  const rPath = path.child('rollingUpdate');
  if (strategy.type === 'OnDelete') {
    errs.push(invalid(rPath, rolling, "only allowed for updateStrategy 'RollingUpdate'"));
    return errs;
  }
  if (rolling.partition !== undefined) {
    errs.push(...validateNonNegative(rolling.partition, rPath.child('partition')));
  }
  if (rolling.maxUnavailable?.value !== undefined) {
    const mPath = rPath.child('maxUnavailable');
    const before = errs.length;
    errs.push(...validateOptionalIntOrPercent(rolling.maxUnavailable, mPath));
    if (errs.length === before && isZero(rolling.maxUnavailable)) {
      errs.push(invalid(mPath, rolling.maxUnavailable.value.value, 'must be greater than 0'));
    }
  }
  return errs;
}

export function validateStatefulSet(sts: StatefulSet): ErrorList {
  const spec = sts.spec;
  if (!spec) return [required(specPath, '')];
  const errs: ErrorList = [];
  errs.push(
    ...validateEnum(spec.podManagementPolicy, podManagementPolicies, specPath.child('podManagementPolicy')),
  );
  errs.push(...validateUpdateStrategy(spec.updateStrategy, specPath.child('updateStrategy')));
  const retention = spec.persistentVolumeClaimRetentionPolicy;
  if (retention) {
    const rPath = specPath.child('persistentVolumeClaimRetentionPolicy');
    errs.push(...validateEnum(retention.whenDeleted, retentionPolicies, rPath.child('whenDeleted')));
    errs.push(...validateEnum(retention.whenScaled, retentionPolicies, rPath.child('whenScaled')));
  }
  if (spec.replicas !== undefined)
    errs.push(...validateNonNegative(spec.replicas, specPath.child('replicas')));
  if (spec.revisionHistoryLimit !== undefined) {
    errs.push(...validateNonNegative(spec.revisionHistoryLimit, specPath.child('revisionHistoryLimit')));
  }
  errs.push(...validateNonNegative(spec.minReadySeconds, specPath.child('minReadySeconds')));
  if (spec.ordinals)
    errs.push(...validateNonNegative(spec.ordinals.start, specPath.child('ordinals', 'start')));
  if (spec.serviceName !== '')
    errs.push(...validateDnsSubdomain(spec.serviceName, specPath.child('serviceName')));
  spec.volumeClaimTemplates.forEach((claim, i) => {
    const cPath = specPath.child('volumeClaimTemplates').index(i);
    const name = claim.metadata?.name ?? '';
    if (name === '') errs.push(required(cPath.child('metadata', 'name'), 'name or generateName is required'));
    else errs.push(...validateDnsSubdomain(name, cPath.child('metadata', 'name')));
    if ((claim.spec?.accessModes.length ?? 0) === 0) {
      errs.push(required(cPath.child('spec', 'accessModes'), 'at least 1 access mode is required'));
    }
    if (claim.spec?.resources?.requests.storage === undefined) {
      errs.push(required(cPath.child('spec', 'resources', 'requests', 'storage'), ''));
    }
  });
  const selectorErrs = validateWorkloadSelector(spec.selector, specPath.child('selector'), 'statefulset');
  errs.push(...selectorErrs);
  errs.push(
    ...validateWorkloadTemplate(
      withClaimVolumes(spec),
      spec.selector,
      selectorErrs.length === 0,
      specPath.child('template'),
    ),
  );
  return errs;
}

/**
 * The template as its Pods will be: each claim template becomes a volume of the same
 * name, which the containers may mount.
 */
function withClaimVolumes(spec: StatefulSetSpec): PodTemplateSpec | undefined {
  const template = spec.template;
  if (!template?.spec || spec.volumeClaimTemplates.length === 0) return template;
  const claimVolumes = spec.volumeClaimTemplates
    .map((claim) => claim.metadata?.name ?? '')
    .filter((name) => name !== '' && !template.spec?.volumes.some((v) => v.name === name))
    .map((name) => Volume.fromPartial({ name, persistentVolumeClaim: { claimName: name } }));
  return { ...template, spec: { ...template.spec, volumes: [...template.spec.volumes, ...claimVolumes] } };
}

/** The fields of the spec an update may change; the others are the set's identity. */
const mutableSpecFields: readonly (keyof StatefulSetSpec)[] = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

export function validateStatefulSetUpdate(sts: StatefulSet, old: StatefulSet): ErrorList {
  const errs = validateStatefulSet(sts);
  if (!sts.spec || !old.spec) return errs;
  const strip = (spec: StatefulSetSpec) =>
    Object.fromEntries(
      Object.entries(spec).filter(([k]) => !mutableSpecFields.includes(k as keyof StatefulSetSpec)),
    );
  if (!deepEqual(strip(sts.spec), strip(old.spec))) {
    errs.push(
      forbidden(
        specPath,
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export function validateStatefulSetStatus(status: StatefulSetStatus | undefined): ErrorList {
  if (!status) return [];
  const errs = validateCounts(
    status,
    [
      'replicas',
      'readyReplicas',
      'currentReplicas',
      'updatedReplicas',
      'availableReplicas',
      'observedGeneration',
      'collisionCount',
    ],
    statusPath,
  );
  errs.push(
    ...validateNotGreater(
      status,
      ['readyReplicas', 'currentReplicas', 'updatedReplicas'],
      'replicas',
      statusPath,
    ),
  );
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

export function statefulSetStrategy(): Strategy<StatefulSet> {
  return {
    info: infoOf('StatefulSet'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    tracksGeneration: true,
    applyDefaults,
    prepareForCreate(sts) {
      sts.status = undefined;
    },
    validate: validateStatefulSet,
    prepareForUpdate: keepStatus,
    validateUpdate: validateStatefulSetUpdate,
    status: statusStrategy<StatefulSet>((sts) => validateStatefulSetStatus(sts.status)),
  };
}
