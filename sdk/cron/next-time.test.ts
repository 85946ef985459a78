import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextTime } from './next-time.js';
import { parseSchedule } from './schedule.js';

const at = (iso: string) => Date.parse(iso);
const next = (spec: string, after: string) => {
  const t = nextTime(parseSchedule(spec), at(after));
  return t === undefined ? undefined : new Date(t).toISOString();
};
/** The times `spec` fires after `after`, `n` of them. */
const series = (spec: string, after: string, n: number) => {
  const schedule = parseSchedule(spec);
  const out: string[] = [];
  let t = at(after);
  for (let i = 0; i < n; i++) {
    t = nextTime(schedule, t) ?? Number.NaN;
    out.push(new Date(t).toISOString());
  }
  return out;
};

describe('next schedule time', () => {
  it('is the first allowed minute strictly after the instant', () => {
    assert.equal(next('TZ=UTC */15 * * * *', '2024-05-01T10:07:30Z'), '2024-05-01T10:15:00.000Z');
    assert.equal(next('TZ=UTC */15 * * * *', '2024-05-01T10:15:00Z'), '2024-05-01T10:30:00.000Z');
    assert.equal(next('TZ=UTC * * * * *', '2024-05-01T10:15:00.500Z'), '2024-05-01T10:16:00.000Z');
    assert.equal(next('TZ=UTC 0 9 * * *', '2024-12-31T10:00:00Z'), '2025-01-01T09:00:00.000Z');
    assert.equal(next('TZ=UTC @monthly', '2024-01-31T12:00:00Z'), '2024-02-01T00:00:00.000Z');
    assert.equal(next('TZ=UTC 0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  });

  it('matches either day field when both are restricted, the other one when one is *', () => {
    // Friday or the 13th: 2024-09-13 is a Friday, 2024-10-04 the next Friday, then the 11th, the 13th.
    assert.deepEqual(series('TZ=UTC 0 0 13 * 5', '2024-10-01T00:00:00Z', 4), [
      '2024-10-04T00:00:00.000Z',
      '2024-10-11T00:00:00.000Z',
      '2024-10-13T00:00:00.000Z',
      '2024-10-18T00:00:00.000Z',
    ]);
    assert.deepEqual(series('TZ=UTC 0 0 * * MON', '2024-10-01T00:00:00Z', 2), [
      '2024-10-07T00:00:00.000Z',
      '2024-10-14T00:00:00.000Z',
    ]);
    // A step restricts the day of week (Sun, Wed, Sat): the 1st or one of those days.
    assert.deepEqual(series('TZ=UTC 0 0 1 * */3', '2024-09-28T00:00:00Z', 4), [
      '2024-09-29T00:00:00.000Z',
      '2024-10-01T00:00:00.000Z',
      '2024-10-02T00:00:00.000Z',
      '2024-10-05T00:00:00.000Z',
    ]);
  });

  it('never fires for a date that does not exist', () => {
    assert.equal(next('TZ=UTC 0 0 31 2 *', '2024-01-01T00:00:00Z'), undefined);
    assert.equal(next('TZ=UTC 0 0 30 2 *', '2024-01-01T00:00:00Z'), undefined);
  });

  it('counts @every from the instant, in whole seconds', () => {
    assert.equal(next('@every 90s', '2024-05-01T10:00:00.700Z'), '2024-05-01T10:01:30.000Z');
    assert.equal(next('@every 1500ms', '2024-05-01T10:00:00Z'), '2024-05-01T10:00:01.000Z');
  });

  it('reads the fields on the wall clock of the time zone', () => {
    // Midnight in Paris is 23:00 UTC in winter and 22:00 UTC in summer.
    assert.equal(next('TZ=Europe/Paris 0 0 * * *', '2024-01-10T12:00:00Z'), '2024-01-10T23:00:00.000Z');
    assert.equal(next('CRON_TZ=Europe/Paris 0 0 * * *', '2024-07-10T12:00:00Z'), '2024-07-10T22:00:00.000Z');
    assert.equal(next('TZ=Asia/Kolkata 0 9 * * *', '2024-07-10T00:00:00Z'), '2024-07-10T03:30:00.000Z');
    assert.equal(next('TZ=America/New_York 0 9 * * *', '2024-07-10T00:00:00Z'), '2024-07-10T13:00:00.000Z');
    // The day of week is New York's: Monday 20:00 there is Tuesday 00:00 UTC.
    assert.equal(
      next('TZ=America/New_York 0 20 * * MON', '2024-07-09T12:00:00Z'),
      '2024-07-16T00:00:00.000Z',
    );
  });

  it('skips a local time the spring transition removes and fires at both of a repeated one', () => {
    // Paris, 2024-03-31: 02:00 CET becomes 03:00 CEST; 02:30 does not exist that day.
    assert.deepEqual(series('TZ=Europe/Paris 30 2 * * *', '2024-03-30T00:00:00Z', 2), [
      '2024-03-30T01:30:00.000Z',
      '2024-04-01T00:30:00.000Z',
    ]);
    // 2024-10-27: 03:00 CEST becomes 02:00 CET; 02:30 happens twice, as robfig/cron runs it.
    assert.deepEqual(series('TZ=Europe/Paris 30 2 * * *', '2024-10-26T12:00:00Z', 3), [
      '2024-10-27T00:30:00.000Z',
      '2024-10-27T01:30:00.000Z',
      '2024-10-28T01:30:00.000Z',
    ]);
    // Hourly keeps firing every absolute hour across both transitions.
    assert.deepEqual(series('TZ=Europe/Paris 0 * * * *', '2024-03-31T00:30:00Z', 3), [
      '2024-03-31T01:00:00.000Z',
      '2024-03-31T02:00:00.000Z',
      '2024-03-31T03:00:00.000Z',
    ]);
  });

  it('uses the process zone without a prefix', () => {
    const local = nextTime(parseSchedule('0 0 * * *'), at('2024-07-10T12:00:00Z'));
    assert.ok(local !== undefined);
    const d = new Date(local);
    assert.deepEqual([d.getHours(), d.getMinutes(), d.getSeconds()], [0, 0, 0]);
  });
});
