/** The CronJob strategy (Kubernetes' pkg/registry/batch/cronjob). */
import type { CronJob } from '../../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import type { Strategy } from '../../registry/strategy.js';
import { infoOf } from '../kind-info.js';
import { defaultPodTemplate } from '../shared/pod-template.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';
import { validateCronJob, validateCronJobStatus } from './validation.js';

function applyDefaults(cj: CronJob): void {
  const spec = cj.spec;
  if (!spec) return;
  if (spec.concurrencyPolicy === '') spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  // The Job's own defaults apply when the controller creates it; the Pod's apply now,
  // so that the template stored is the Pod it makes.
  defaultPodTemplate(spec.jobTemplate?.spec?.template);
}

export function cronJobStrategy(): Strategy<CronJob> {
  return {
    info: infoOf('CronJob'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    tracksGeneration: true,
    applyDefaults,
    prepareForCreate(cj) {
      cj.status = undefined;
    },
    validate: validateCronJob,
    prepareForUpdate: keepStatus,
    validateUpdate: validateCronJob,
    status: statusStrategy<CronJob>((cj) => validateCronJobStatus(cj.status)),
  };
}
