/** Objects for the CronJob controller's unit tests. */
import { CronJob, type CronJobSpec, type CronJobStatus } from '../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { ObjectReference } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';

export const at = (iso: string) => Date.parse(iso);

export function cronJob(
  spec: Partial<CronJobSpec> = {},
  status: Partial<CronJobStatus> = {},
  created = '2024-05-01T10:00:30Z',
): CronJob {
  return CronJob.fromPartial({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'backup', namespace: 'default', uid: 'cj-uid', creationTimestamp: new Date(created) },
    spec: {
      schedule: '* * * * *',
      timeZone: 'UTC',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { app: 'backup' }, annotations: { team: 'storage' } },
        spec: {
          template: { spec: { containers: [{ name: 'b', image: 'busybox' }], restartPolicy: 'Never' } },
        },
      },
      ...spec,
    },
    status: { active: [], ...status },
  });
}

export function job(
  name: string,
  opts: {
    finished?: 'Complete' | 'Failed';
    startTime?: string;
    completionTime?: string;
    deleting?: boolean;
  } = {},
): Job {
  return Job.fromPartial({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: 'backup', uid: 'cj-uid', controller: true },
      ],
      ...(opts.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    status: {
      ...(opts.startTime ? { startTime: new Date(opts.startTime) } : {}),
      ...(opts.completionTime ? { completionTime: new Date(opts.completionTime) } : {}),
      conditions: opts.finished ? [{ type: opts.finished, status: 'True', reason: '', message: '' }] : [],
    },
  });
}

export function refTo(name: string): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    resourceVersion: '',
    fieldPath: '',
  };
}
