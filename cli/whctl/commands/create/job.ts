/**
 * `whctl create job NAME --image=IMAGE [-- COMMAND]`, or `--from=cronjob/NAME`: a Job
 * run once from a CronJob's template now, owned by the CronJob and annotated
 * `cronjob.kubernetes.io/instantiate: manual`, as kubectl makes it.
 */
import type { JsonObject } from '../../../../sdk/manifest/decode.js';
import { UsageError } from '../../usage-error.js';
import { type Generator, stringOf } from './generator.js';

const asObject = (value: unknown): JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};

export const jobGenerator: Generator = {
  kind: 'Job',
  summary: 'Create a job with the specified name',
  usage: `Usage:
  whctl create job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...]

Flags:
      --image IMAGE          the image of its one container
      --from cronjob/NAME    run a CronJob's job template now
`,
  flags: { image: { type: 'string' }, from: { type: 'string' } },
  takesCommand: true,
  async build({ name, values, command, fetch }) {
    const image = stringOf(values.image);
    const from = stringOf(values.from);
    if ((image === undefined) === (from === undefined)) {
      throw new UsageError('either --image or --from must be specified');
    }
    if (from !== undefined) {
      if (command.length > 0) throw new UsageError('cannot specify --from and command');
      const [kind = '', source = ''] = from.split('/');
      if (
        !['cronjob', 'cronjobs', 'cj', 'cronjob.batch', 'cronjobs.batch'].includes(kind.toLowerCase()) ||
        !source
      ) {
        throw new UsageError(`--from must be cronjob/NAME, not "${from}": only CronJobs are supported`);
      }
      const cronJob = await fetch('CronJob', source);
      const meta = asObject(cronJob.metadata);
      const template = asObject(asObject(cronJob.spec).jobTemplate);
      const templateMeta = asObject(template.metadata);
      return {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name,
          ...(templateMeta.labels ? { labels: templateMeta.labels } : {}),
          annotations: {
            ...asObject(templateMeta.annotations),
            'cronjob.kubernetes.io/instantiate': 'manual',
          },
          ownerReferences: [
            {
              apiVersion: 'batch/v1',
              kind: 'CronJob',
              name: source,
              uid: meta.uid ?? '',
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: template.spec ?? {},
      };
    }
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name },
      spec: {
        template: {
          spec: {
            containers: [
              { name, image: image as string, ...(command.length > 0 ? { command: [...command] } : {}) },
            ],
            restartPolicy: 'Never',
          },
        },
      },
    };
  },
};
