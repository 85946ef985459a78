import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CronSchedule, parseGoDuration, parseSchedule } from './schedule.js';

const cron = (text: string) => parseSchedule(text) as CronSchedule;
const sorted = (s: ReadonlySet<number>) => [...s].sort((a, b) => a - b);

describe('cron schedules', () => {
  it('reads values, ranges, steps, lists and names', () => {
    const s = cron('*/15 9-17 1,15 JAN-MAR mon-fri');
    assert.deepEqual(sorted(s.minutes), [0, 15, 30, 45]);
    assert.deepEqual(sorted(s.hours), [9, 10, 11, 12, 13, 14, 15, 16, 17]);
    assert.deepEqual(sorted(s.daysOfMonth), [1, 15]);
    assert.deepEqual(sorted(s.months), [1, 2, 3]);
    assert.deepEqual(sorted(s.daysOfWeek), [1, 2, 3, 4, 5]);
    assert.equal(s.anyDayOfMonth, false);
    assert.deepEqual(sorted(cron('5/20 * * * *').minutes), [5, 25, 45]);
    assert.equal(cron('0 0 ? * *').anyDayOfMonth, true);
  });

  it('expands the macros', () => {
    assert.deepEqual(cron('@hourly'), cron('0 * * * *'));
    assert.deepEqual(cron('@daily'), cron('0 0 * * *'));
    assert.deepEqual(cron('@midnight'), cron('0 0 * * *'));
    assert.deepEqual(cron('@weekly'), cron('0 0 * * 0'));
    assert.deepEqual(cron('@monthly'), cron('0 0 1 * *'));
    assert.deepEqual(cron('@yearly'), cron('@annually'));
    assert.deepEqual(parseSchedule('@every 1h30m'), { everyMs: 5_400_000 });
    assert.equal(parseGoDuration('1.5s'), 1500);
  });

  const bad: [string, string][] = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['x * * * *', 'failed to parse int from x'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every soon', 'failed to parse duration soon'],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseSchedule(text), { message });
    });
  }
});

describe('time zone prefixes', () => {
  it('reads TZ= and CRON_TZ= and refuses an unknown zone', () => {
    assert.equal(parseSchedule('TZ=Europe/Paris 0 * * * *').timeZone, 'Europe/Paris');
    assert.equal(parseSchedule('CRON_TZ=Asia/Tokyo @daily').timeZone, 'Asia/Tokyo');
    assert.equal(parseSchedule('0 * * * *').timeZone, undefined);
    assert.deepEqual(
      { ...cron('TZ=UTC */5 * * * *'), timeZone: undefined },
      { ...cron('*/5 * * * *'), timeZone: undefined },
    );
    assert.throws(() => parseSchedule('TZ=Mars/Olympus 0 * * * *'), {
      message: 'provided bad location Mars/Olympus: unknown time zone Mars/Olympus',
    });
    assert.throws(() => parseSchedule('TZ=UTC'), { message: 'empty spec string' });
  });

  it('keeps */1 unconstrained and whole seconds of @every', () => {
    assert.equal(cron('0 0 * * */1').anyDayOfWeek, true);
    assert.equal(cron('0 0 * * */2').anyDayOfWeek, false);
    assert.deepEqual(parseSchedule('@every 2500ms'), { everyMs: 2000 });
    assert.deepEqual(parseSchedule('@every 10ms'), { everyMs: 1000 });
  });
});
