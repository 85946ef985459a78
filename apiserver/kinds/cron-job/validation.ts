/** CronJob validation (Kubernetes' pkg/apis/batch/validation: ValidateCronJob and friends). */

import { CronSyntaxError, parseSchedule } from '../../../sdk/cron/index.js';
import type { CronJob, CronJobStatus } from '../../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateNonNegative } from '../../validation/values.js';
import { validateJobSpec } from '../job/validation.js';
import { validateEnum } from '../shared/rules.js';

export const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'];

/** Job names are `<cronjob>-<minutes since epoch>`: 11 characters more, within a DNS label's 63. */
export const maxCronJobNameLength = 52;

const specPath = FieldPath.of('spec');

export function validateScheduleText(schedule: string, path: FieldPath): ErrorList {
  if (schedule === '') return [required(path, '')];
  if (/^\s*(CRON_)?TZ=/.test(schedule)) {
    return [invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead')];
  }
  try {
    parseSchedule(schedule);
    return [];
  } catch (err) {
    if (err instanceof CronSyntaxError) return [invalid(path, schedule, err.message)];
    throw err;
  }
}

const timeZoneComponent = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** An IANA zone name this process knows (`Etc/UTC`, `Europe/Paris`); never `Local`. */
export function validateTimeZone(timeZone: string, path: FieldPath): ErrorList {
  if (timeZone === '') return [invalid(path, timeZone, 'unknown time zone')];
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || !timeZoneComponent.test(part)) {
      return [invalid(path, timeZone, `unknown time zone ${timeZone}`)];
    }
  }
  if (timeZone === 'Local') return [invalid(path, timeZone, 'unknown time zone Local')];
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return [invalid(path, timeZone, `unknown time zone ${timeZone}`)];
  }
  return [];
}

export function validateCronJob(cj: CronJob): ErrorList {
  const errs: ErrorList = [];
  const name = cj.metadata?.name ?? '';
  if (name.length > maxCronJobNameLength) {
    errs.push(
      invalid(
        FieldPath.of('metadata', 'name'),
        name,
        `must be no more than ${maxCronJobNameLength} characters`,
      ),
    );
  }
  const spec = cj.spec;
  if (!spec) return [...errs, required(specPath, '')];
  errs.push(...validateScheduleText(spec.schedule, specPath.child('schedule')));
  if (spec.timeZone !== undefined) errs.push(...validateTimeZone(spec.timeZone, specPath.child('timeZone')));
  if (spec.startingDeadlineSeconds !== undefined) {
    errs.push(
      ...validateNonNegative(spec.startingDeadlineSeconds, specPath.child('startingDeadlineSeconds')),
    );
  }
  errs.push(
    ...validateEnum(spec.concurrencyPolicy, concurrencyPolicies, specPath.child('concurrencyPolicy')),
  );
  for (const field of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit'] as const) {
    const v = spec[field];
    if (v !== undefined) errs.push(...validateNonNegative(v, specPath.child(field)));
  }
  const templatePath = specPath.child('jobTemplate');
  if (!spec.jobTemplate?.spec) errs.push(required(templatePath.child('spec'), ''));
  else errs.push(...validateJobSpec(spec.jobTemplate.spec, templatePath.child('spec'), { template: true }));
  return errs;
}

export function validateCronJobStatus(status: CronJobStatus | undefined): ErrorList {
  if (!status) return [];
  const errs: ErrorList = [];
  status.active.forEach((ref, i) => {
    if (ref.name === '') errs.push(required(FieldPath.of('status', 'active').index(i).child('name'), ''));
  });
  return errs;
}
