/** CronJobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { CronJob } from '../../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import { age } from './age.js';
import { ageColumn } from './generic.js';
import { definePrinter, orNone } from './printer.js';
import { templateColumns } from './workload-columns.js';

export const cronJobPrinter = definePrinter<CronJob>([
  { header: 'SCHEDULE', cell: (cj) => cj.spec?.schedule ?? '' },
  { header: 'TIMEZONE', cell: (cj) => orNone(cj.spec?.timeZone) },
  { header: 'SUSPEND', cell: (cj) => String(cj.spec?.suspend ?? false) },
  { header: 'ACTIVE', cell: (cj) => String(cj.status?.active.length ?? 0) },
  {
    header: 'LAST SCHEDULE',
    cell: (cj, now) => (cj.status?.lastScheduleTime ? age(cj.status.lastScheduleTime, now) : orNone('')),
  },
  ageColumn,
  ...templateColumns<CronJob>(
    (cj) => cj.spec?.jobTemplate?.spec?.template,
    (cj) => cj.spec?.jobTemplate?.spec?.selector,
  ),
]);
