import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
  formatRfc3339,
  jobFromTemplate,
} from './job-from-template.js';
import { jobsBeyondHistory, observeJobs, statusChanged } from './job-tracking.js';
import { at, cronJob, job, refTo } from './testing.js';

const names = (jobs: readonly { metadata?: { name: string } | undefined }[]) =>
  jobs.map((j) => j.metadata?.name);

describe('CronJob status from its Jobs', () => {
  it('drops finished Jobs from active, keeps the latest success, flags the unexpected and the unconfirmed', () => {
    const cj = cronJob(
      {},
      {
        active: [refTo('a'), refTo('b'), refTo('gone')],
        lastSuccessfulTime: new Date('2024-05-01T09:00:00Z'),
      },
    );
    const jobs = [
      job('a', { finished: 'Complete', completionTime: '2024-05-01T10:03:00Z' }),
      job('b', { finished: 'Failed' }),
      job('c'),
      job('old', { finished: 'Complete', completionTime: '2024-05-01T10:01:00Z' }),
    ];
    const o = observeJobs(cj, jobs);
    assert.deepEqual(o.status.active, [refTo('gone')]);
    assert.deepEqual(o.status.lastSuccessfulTime, new Date('2024-05-01T10:03:00Z'));
    assert.deepEqual(o.events, [
      { type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: a, condition: Complete' },
      { type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: b, condition: Failed' },
    ]);
    assert.deepEqual(names(o.unexpected), ['c']);
    assert.deepEqual(o.unconfirmed, [refTo('gone')]);
    assert.ok(statusChanged(cj.status, o.status));
    assert.ok(!statusChanged(o.status, { ...o.status, active: [...o.status.active] }));
  });

  it('leaves a status with nothing to change as it is', () => {
    const cj = cronJob({}, { active: [refTo('a')], lastScheduleTime: new Date('2024-05-01T10:00:00Z') });
    const o = observeJobs(cj, [job('a')]);
    assert.ok(!statusChanged(cj.status, o.status));
    assert.deepEqual(o.events, []);
    assert.deepEqual(o.unconfirmed, []);
  });

  it('deletes finished Jobs beyond the history limits, the earliest started first', () => {
    const jobs = [
      job('s1', { finished: 'Complete', startTime: '2024-05-01T10:01:00Z' }),
      job('s-never', { finished: 'Complete' }),
      job('s3', { finished: 'Complete', startTime: '2024-05-01T10:03:00Z' }),
      job('s0', { finished: 'Complete', startTime: '2024-05-01T10:00:00Z' }),
      job('s2', { finished: 'Complete', startTime: '2024-05-01T10:02:00Z' }),
      job('f1', { finished: 'Failed', startTime: '2024-05-01T10:01:00Z' }),
      job('f2b', { finished: 'Failed', startTime: '2024-05-01T10:02:00Z' }),
      job('f2a', { finished: 'Failed', startTime: '2024-05-01T10:02:00Z' }),
      job('running', { startTime: '2024-04-01T00:00:00Z' }),
    ];
    assert.deepEqual(names(jobsBeyondHistory(cronJob(), jobs)), ['s0', 's1', 'f1', 'f2a']);
    assert.deepEqual(
      names(jobsBeyondHistory(cronJob({ successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 5 }), jobs)),
      ['s0', 's1', 's2', 's3', 's-never'],
    );
    const unlimited = cronJob();
    unlimited.spec!.successfulJobsHistoryLimit = undefined;
    unlimited.spec!.failedJobsHistoryLimit = undefined;
    assert.deepEqual(jobsBeyondHistory(unlimited, jobs), []);
    // A Job already being deleted no longer counts.
    const deleting = [job('x', { finished: 'Failed', deleting: true }), job('y', { finished: 'Failed' })];
    assert.deepEqual(jobsBeyondHistory(cronJob(), deleting), []);
  });
});

describe('the Job of a scheduled time', () => {
  it('is named by the minute, copies the template and points back to the CronJob', () => {
    const cj = cronJob();
    const j = jobFromTemplate(cj, at('2024-05-01T10:05:00Z'));
    assert.equal(j.metadata?.name, `backup-${at('2024-05-01T10:05:00Z') / 60_000}`);
    assert.equal(j.metadata?.namespace, 'default');
    assert.deepEqual(j.metadata?.labels, { app: 'backup' });
    assert.deepEqual(j.metadata?.annotations, {
      team: 'storage',
      [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: '2024-05-01T10:05:00Z',
    });
    assert.deepEqual(j.metadata?.ownerReferences, [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'backup',
        uid: 'cj-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(j.spec, cj.spec?.jobTemplate?.spec);
    assert.notEqual(j.spec, cj.spec?.jobTemplate?.spec, 'a copy, not the template itself');
  });

  it('formats the scheduled time as RFC 3339 in the zone', () => {
    const t = at('2024-01-15T12:00:00Z');
    assert.equal(formatRfc3339(t, 'UTC'), '2024-01-15T12:00:00Z');
    assert.equal(formatRfc3339(t, 'Europe/London'), '2024-01-15T12:00:00Z');
    assert.equal(formatRfc3339(t, 'Asia/Kolkata'), '2024-01-15T17:30:00+05:30');
    assert.equal(formatRfc3339(t, 'America/New_York'), '2024-01-15T07:00:00-05:00');
    assert.equal(formatRfc3339(at('2024-07-15T12:00:00Z'), 'America/New_York'), '2024-07-15T08:00:00-04:00');
  });
});
