/** The Job strategy (Kubernetes' pkg/registry/batch/job, pkg/apis/batch/v1 defaults). */
import type { Job } from '../../../sdk/gen/wheelhouse/batch/v1/job.js';
import { PodTemplateSpec } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { Strategy } from '../../registry/strategy.js';
import { infoOf } from '../kind-info.js';
import { defaultPodTemplate } from '../shared/pod-template.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';
import { controllerUidLabel, jobNameLabel, legacyControllerUidLabel, legacyJobNameLabel } from './labels.js';
import { validateJob, validateJobStatus, validateJobUpdate } from './validation.js';

const maxInt32 = 2 ** 31 - 1;

export function applyJobDefaults(job: Job): void {
  const spec = job.spec;
  if (!spec) return;
  // A Job that says neither runs one Pod to one success.
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  // With a limit per index, the Job as a whole is not limited.
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? maxInt32 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule.onPodConditions) if (pattern.status === '') pattern.status = 'True';
  }
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  const templateLabels = spec.template?.metadata?.labels ?? {};
  if (
    job.metadata &&
    Object.keys(job.metadata.labels).length === 0 &&
    Object.keys(templateLabels).length > 0
  ) {
    job.metadata.labels = { ...templateLabels };
  }
  defaultPodTemplate(spec.template);
}

/**
 * Labels the template with the Job's uid and name and selects by the uid, unless the
 * user chose the selector (manualSelector). Labels the user set are kept; validation
 * refuses a uid label that is not this Job's.
 */
function generateSelector(job: Job): void {
  const spec = job.spec;
  if (!spec || spec.manualSelector === true) return;
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  spec.template ??= PodTemplateSpec.create();
  spec.template.metadata ??= ObjectMeta.create();
  const labels = spec.template.metadata.labels;
  for (const key of [legacyJobNameLabel, jobNameLabel]) labels[key] ??= name;
  for (const key of [legacyControllerUidLabel, controllerUidLabel]) labels[key] ??= uid;
  spec.selector ??= { matchLabels: {}, matchExpressions: [] };
  spec.selector.matchLabels[controllerUidLabel] ??= uid;
}

export function jobStrategy(): Strategy<Job> {
  return {
    info: infoOf('Job'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    tracksGeneration: true,
    applyDefaults: applyJobDefaults,
    prepareForCreate(job) {
      job.status = undefined;
      generateSelector(job);
    },
    validate: validateJob,
    prepareForUpdate: keepStatus,
    validateUpdate: validateJobUpdate,
    status: statusStrategy<Job>((job) => validateJobStatus(job.status)),
    fieldSelectors: {
      'status.successful': (job) => String(job.status?.succeeded ?? 0),
    },
  };
}
