/** CronJobs: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { CronJob } from '../gen/wheelhouse/batch/v1/cron_job.js';
import { age } from './age.js';
import { ageColumn, nameColumn, templateColumns } from './columns.js';
import { column, definePrinter, NONE } from './printer.js';

/** `True`, `False`, or `<unset>`, as kubectl writes an optional boolean. */
export function boolPointer(value: boolean | undefined): string {
  if (value === undefined) return '<unset>';
  return value ? 'True' : 'False';
}

export const cronJobPrinter = definePrinter<CronJob>([
  nameColumn,
  column('Schedule', 'string', 'The schedule in cron syntax.', (cj) => cj.spec?.schedule ?? ''),
  column('Timezone', 'string', 'The time zone the schedule is read in.', (cj) => cj.spec?.timeZone ?? NONE),
  column('Suspend', 'boolean', 'Whether later runs are suspended.', (cj) => boolPointer(cj.spec?.suspend)),
  column('Active', 'integer', 'Jobs running now.', (cj) => cj.status?.active.length ?? 0),
  column('Last Schedule', 'string', 'Time since a job was last scheduled.', (cj, now) =>
    cj.status?.lastScheduleTime ? age(cj.status.lastScheduleTime, now) : NONE,
  ),
  ageColumn,
  ...templateColumns<CronJob>(
    (cj) => cj.spec?.jobTemplate?.spec?.template,
    (cj) => cj.spec?.jobTemplate?.spec?.selector,
  ),
]);
