/** Jobs: NAME STATUS COMPLETIONS DURATION AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { Job } from '../gen/wheelhouse/batch/v1/job.js';
import { humanDuration } from './age.js';
import { ageColumn, nameColumn, templateColumns } from './columns.js';
import { column, definePrinter } from './printer.js';

/** The first condition of the type decides, as kubectl reads it. */
const hasCondition = (job: Job, type: string) =>
  job.status?.conditions.find((c) => c.type === type)?.status === 'True';

/** As kubectl says it: a terminal condition first, then deletion, suspension, the interim conditions, Running. */
export function jobStatus(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  for (const type of ['Suspended', 'FailureTarget', 'SuccessCriteriaMet']) {
    if (hasCondition(job, type)) return type;
  }
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

/** From start to completion, or to now while it runs; '' before it starts. */
export function jobDuration(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ?? now;
  return humanDuration(end.getTime() - start.getTime());
}

export const jobPrinter = definePrinter<Job>([
  nameColumn,
  column('Status', 'string', 'The state of the job, from its conditions.', jobStatus),
  column('Completions', 'string', 'Succeeded pods out of the completions wanted.', jobCompletions),
  column('Duration', 'string', 'How long the job ran, or has run so far.', jobDuration),
  ageColumn,
  ...templateColumns<Job>(
    (job) => job.spec?.template,
    (job) => job.spec?.selector,
  ),
]);
