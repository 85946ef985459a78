import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobFromTemplate } from './job-from-template.js';
import { decideSchedule } from './schedule-decision.js';
import { at, cronJob, refTo } from './testing.js';

const minutes = (iso: string) => Math.floor(at(iso) / 60_000);
const reasons = (d: ReturnType<typeof decideSchedule>) => d.events.map((e) => e.reason);

describe('CronJob schedule decisions', () => {
  it('waits for the first scheduled time after the creation, then starts it', () => {
    const cj = cronJob();
    const early = decideSchedule(cj, at('2024-05-01T10:00:50Z'));
    assert.equal(early.start, undefined);
    assert.equal(early.requeueAfter, 10_100, 'looks again 100 ms after 10:01');
    const due = decideSchedule(cj, at('2024-05-01T10:01:05Z'));
    assert.deepEqual(due.start, {
      scheduledTime: at('2024-05-01T10:01:00Z'),
      jobName: `backup-${minutes('2024-05-01T10:01:00Z')}`,
      replace: [],
    });
    assert.equal(due.requeueAfter, 55_100, 'then at 10:02');
    assert.deepEqual(due.events, []);
  });

  it('starts only the most recent of several missed times', () => {
    const cj = cronJob({ schedule: '*/5 * * * *' }, { lastScheduleTime: new Date('2024-05-01T10:00:00Z') });
    const d = decideSchedule(cj, at('2024-05-01T10:22:30Z'));
    assert.equal(d.start?.scheduledTime, at('2024-05-01T10:20:00Z'));
    assert.deepEqual(reasons(d), []);
  });

  it('reports more than 100 missed times and still starts the latest', () => {
    const cj = cronJob({}, { lastScheduleTime: new Date('2024-05-01T10:00:00Z') });
    const d = decideSchedule(cj, at('2024-05-01T12:00:30Z'));
    assert.equal(d.start?.scheduledTime, at('2024-05-01T12:00:00Z'));
    assert.deepEqual(d.events, [
      {
        type: 'Warning',
        reason: 'TooManyMissedTimes',
        message:
          'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      },
    ]);
    // 100 missed are not too many.
    const hundred = decideSchedule(cj, at('2024-05-01T11:40:30Z'));
    assert.deepEqual(reasons(hundred), []);
  });

  it('skips a time older than the starting deadline and reports it', () => {
    const last = { lastScheduleTime: new Date('2024-05-01T10:00:00Z') };
    const late = decideSchedule(
      cronJob({ schedule: '*/5 * * * *', startingDeadlineSeconds: '10' }, last),
      at('2024-05-01T10:05:30Z'),
    );
    assert.equal(late.start, undefined);
    assert.deepEqual(late.events, [
      {
        type: 'Warning',
        reason: 'MissSchedule',
        message: 'Missed scheduled time to start a job: Wed, 01 May 2024 10:05:00 +0000',
      },
    ]);
    assert.equal(late.requeueAfter, 270_100, 'looks again at 10:10');
    const inTime = decideSchedule(
      cronJob({ schedule: '*/5 * * * *', startingDeadlineSeconds: '60' }, last),
      at('2024-05-01T10:05:30Z'),
    );
    assert.equal(inTime.start?.scheduledTime, at('2024-05-01T10:05:00Z'));
    assert.deepEqual(reasons(inTime), []);
    // With a deadline, many missed times are not counted beyond it.
    const old = cronJob({ startingDeadlineSeconds: '30' }, last);
    const d = decideSchedule(old, at('2024-05-02T10:00:10Z'));
    assert.equal(d.start?.scheduledTime, at('2024-05-02T10:00:00Z'));
    assert.deepEqual(reasons(d), []);
  });

  it('never starts a time twice', () => {
    const now = at('2024-05-01T10:05:30Z');
    const done = cronJob({}, { lastScheduleTime: new Date('2024-05-01T10:05:00Z') });
    assert.equal(decideSchedule(done, now).start, undefined);
    const running = cronJob(
      {},
      {
        lastScheduleTime: new Date('2024-05-01T10:04:00Z'),
        active: [refTo(`backup-${minutes('2024-05-01T10:05:00Z')}`)],
      },
    );
    const d = decideSchedule(running, now);
    assert.equal(d.start, undefined);
    assert.equal(d.requeueAfter, 30_100);
  });

  it('follows the concurrency policy while a Job is active', () => {
    const status = { lastScheduleTime: new Date('2024-05-01T10:04:00Z'), active: [refTo('backup-old')] };
    const now = at('2024-05-01T10:05:01Z');
    const allow = decideSchedule(cronJob({ concurrencyPolicy: 'Allow' }, status), now);
    assert.deepEqual(allow.start?.replace, []);
    const forbid = decideSchedule(cronJob({ concurrencyPolicy: 'Forbid' }, status), now);
    assert.equal(forbid.start, undefined);
    assert.deepEqual(forbid.events, [
      {
        type: 'Normal',
        reason: 'JobAlreadyActive',
        message: 'Not starting job because prior execution is running and concurrency policy is Forbid',
      },
    ]);
    assert.equal(forbid.requeueAfter, 59_100);
    const forbidIdle = decideSchedule(
      cronJob({ concurrencyPolicy: 'Forbid' }, { ...status, active: [] }),
      now,
    );
    assert.equal(forbidIdle.start?.scheduledTime, at('2024-05-01T10:05:00Z'));
    const replace = decideSchedule(cronJob({ concurrencyPolicy: 'Replace' }, status), now);
    assert.deepEqual(replace.start?.replace, [refTo('backup-old')]);
  });

  it('starts nothing while suspended or being deleted', () => {
    const now = at('2024-05-01T10:05:01Z');
    const suspended = decideSchedule(cronJob({ suspend: true }), now);
    assert.deepEqual(suspended, { events: [] });
    const deleting = cronJob();
    deleting.metadata!.deletionTimestamp = new Date();
    assert.deepEqual(decideSchedule(deleting, now), { events: [] });
  });

  it('reads the schedule in the time zone', () => {
    // 09:00 in Tokyo is 00:00 UTC.
    const cj = cronJob({ schedule: '0 9 * * *', timeZone: 'Asia/Tokyo' }, {}, '2024-05-01T00:30:00Z');
    assert.equal(decideSchedule(cj, at('2024-05-01T23:59:00Z')).start, undefined);
    const d = decideSchedule(cj, at('2024-05-02T00:00:30Z'));
    assert.equal(d.start?.scheduledTime, at('2024-05-02T00:00:00Z'));
    const job = jobFromTemplate(cj, at('2024-05-02T00:00:00Z'));
    assert.equal(
      job.metadata?.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'],
      '2024-05-02T09:00:00+09:00',
    );
    // Across New York's spring transition, 09:00 moves from 14:00 to 13:00 UTC.
    const ny = cronJob(
      { schedule: '0 9 * * *', timeZone: 'America/New_York' },
      {
        lastScheduleTime: new Date('2024-03-09T14:00:00Z'),
      },
    );
    assert.equal(
      decideSchedule(ny, at('2024-03-10T13:00:05Z')).start?.scheduledTime,
      at('2024-03-10T13:00:00Z'),
    );
  });

  it('honours a TZ prefix over timeZone, with a warning', () => {
    const cj = cronJob(
      { schedule: 'CRON_TZ=Asia/Kolkata 30 9 * * *', timeZone: 'UTC' },
      {},
      '2024-05-01T00:00:00Z',
    );
    const d = decideSchedule(cj, at('2024-05-01T04:00:10Z'));
    assert.equal(d.start?.scheduledTime, at('2024-05-01T04:00:00Z'));
    assert.deepEqual(reasons(d), ['UnsupportedSchedule']);
  });

  it('reports a time zone, a schedule or a date it cannot use, and waits for a change', () => {
    const now = at('2024-05-01T10:05:01Z');
    const zone = decideSchedule(cronJob({ timeZone: 'Mars/Olympus' }), now);
    assert.deepEqual(zone, {
      events: [
        {
          type: 'Warning',
          reason: 'UnknownTimeZone',
          message: 'invalid timeZone: "Mars/Olympus": unknown time zone Mars/Olympus',
        },
      ],
    });
    const text = decideSchedule(cronJob({ schedule: '61 * * * *' }), now);
    assert.deepEqual(reasons(text), ['UnparseableSchedule']);
    assert.equal(text.requeueAfter, undefined);
    const never = decideSchedule(cronJob({ schedule: '0 0 31 2 *' }), now);
    assert.deepEqual(never.events, [
      {
        type: 'Warning',
        reason: 'InvalidSchedule',
        message: 'invalid schedule: 0 0 31 2 * : time difference between two schedules is less than 1 second',
      },
    ]);
  });
});
