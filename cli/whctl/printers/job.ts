/** Jobs: NAME STATUS COMPLETIONS DURATION AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { Job } from '../../../sdk/gen/wheelhouse/batch/v1/job.js';
import { humanDuration } from './age.js';
import { ageColumn } from './generic.js';
import { definePrinter } from './printer.js';
import { templateColumns } from './workload-columns.js';

const isTrue = (job: Job, type: string) =>
  job.status?.conditions.some((c) => c.type === type && c.status === 'True') ?? false;

/** As kubectl says it: the terminal condition first, then suspension, then Running. */
export function jobStatus(job: Job): string {
  for (const type of ['Failed', 'Complete', 'Suspended', 'FailureTarget', 'SuccessCriteriaMet']) {
    if (isTrue(job, type)) return type;
  }
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  return 'Running';
}

/** `3/5`; a Job with parallelism and no completions needs one success: `0/1 of 3`. */
export function jobCompletions(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function duration(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ?? now;
  return humanDuration(end.getTime() - start.getTime());
}

export const jobPrinter = definePrinter<Job>([
  { header: 'STATUS', cell: jobStatus },
  { header: 'COMPLETIONS', cell: jobCompletions },
  { header: 'DURATION', cell: duration },
  ageColumn,
  ...templateColumns<Job>(
    (job) => job.spec?.template,
    (job) => job.spec?.selector,
  ),
]);
