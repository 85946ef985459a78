/** `whctl create cronjob NAME --image=IMAGE --schedule=SCHEDULE [--restart=OnFailure|Never] [-- COMMAND]`. */
import { UsageError } from '../../usage-error.js';
import { type Generator, stringOf } from './generator.js';

export const cronJobGenerator: Generator = {
  kind: 'CronJob',
  summary: 'Create a cron job with the specified name',
  usage: `Usage:
  whctl create cronjob NAME --image=image --schedule='0/5 * * * ?' -- [COMMAND] [args...]

Flags:
      --image IMAGE        the image of its one container
      --schedule CRON      when to run, in cron format
      --restart POLICY     OnFailure (default) or Never
`,
  flags: { image: { type: 'string' }, schedule: { type: 'string' }, restart: { type: 'string' } },
  takesCommand: true,
  build({ name, values, command }) {
    const image = stringOf(values.image);
    const schedule = stringOf(values.schedule);
    if (!image) throw new UsageError('required flag(s) "image" not set');
    if (!schedule) throw new UsageError('required flag(s) "schedule" not set');
    const restart = stringOf(values.restart) ?? 'OnFailure';
    if (restart !== 'OnFailure' && restart !== 'Never') {
      throw new UsageError(`invalid restart policy: ${restart}: must be OnFailure or Never`);
    }
    return {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name },
      spec: {
        schedule,
        jobTemplate: {
          metadata: { name },
          spec: {
            template: {
              spec: {
                containers: [{ name, image, ...(command.length > 0 ? { command: [...command] } : {}) }],
                restartPolicy: restart,
              },
            },
          },
        },
      },
    };
  },
};
