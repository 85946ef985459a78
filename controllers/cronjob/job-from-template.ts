/**
 * The Job a CronJob starts for a scheduled time (Kubernetes' getJobFromTemplate2): named
 * `<cronjob>-<scheduled time in minutes since the epoch>`, so that a second attempt for
 * the same time (after a crash, or on a stale cache) meets AlreadyExists instead of
 * starting it twice; the template's labels and annotations, the scheduled time in the
 * annotation `batch.kubernetes.io/cronjob-scheduled-timestamp` (RFC 3339, in the
 * CronJob's `timeZone`, else UTC), and the CronJob as its controller.
 */
import { zoneOffset } from '../../sdk/cron/index.js';
import type { CronJob } from '../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import { controllerRef } from '../../sdk/owner-references.js';

export const CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export function jobName(cj: CronJob, scheduledTime: number): string {
  return `${cj.metadata?.name ?? ''}-${Math.floor(scheduledTime / 60_000)}`;
}

/** `2024-05-01T10:15:00+02:00`, or `...Z` where the offset is zero, as Go's time.RFC3339. */
export function formatRfc3339(ms: number, timeZone: string): string {
  const offset = zoneOffset(ms, timeZone);
  const local = new Date(ms - (((ms % 1000) + 1000) % 1000) + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const minutes = Math.abs(offset) / 60_000;
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `${local}${offset < 0 ? '-' : '+'}${pad(minutes / 60)}:${pad(minutes % 60)}`;
}

export function jobFromTemplate(cj: CronJob, scheduledTime: number): Job {
  const template = cj.spec?.jobTemplate;
  const timeZone = cj.spec?.timeZone || 'UTC';
  return Job.fromPartial({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledTime),
      namespace: cj.metadata?.namespace ?? '',
      labels: { ...template?.metadata?.labels },
      annotations: {
        ...template?.metadata?.annotations,
        [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: formatRfc3339(scheduledTime, timeZone),
      },
      ownerReferences: [controllerRef({ ...cj, apiVersion: 'batch/v1', kind: 'CronJob' })],
    },
    ...(template?.spec ? { spec: template.spec } : {}),
  });
}
