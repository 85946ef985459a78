/** The CronJob: Jobs on a schedule. */
import type { CronJob } from '../../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import type { KindDefinition } from '../kind-definition.js';
import { cronJobStrategy } from './strategy.js';

export const cronJobKind: KindDefinition<CronJob> = {
  kind: 'CronJob',
  strategy: () => cronJobStrategy(),
};
