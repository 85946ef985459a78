/**
 * When a schedule fires next, as robfig/cron's `Schedule.Next` answers for Kubernetes'
 * CronJob controller: the first whole second strictly after `after` that every field
 * allows, read on the wall clock of the schedule's zone. Months and days are searched on
 * that wall clock, hours and minutes stepped in absolute time, so a local time that a
 * transition skips never fires and one it repeats fires at each occurrence. Day of month and day of
 * week both apply (either may match) unless one of them is `*`, as in Vixie cron.
 */
import type { CronSchedule, ParsedSchedule } from './schedule.js';
import { instantOf, type WallClock, wallClockOf } from './zoned-time.js';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;

/** Schedules that find no time within this many years never fire (`31 2` is never). */
const searchYears = 5;

function dayMatches(s: CronSchedule, w: WallClock): boolean {
  const dom = s.daysOfMonth.has(w.day);
  const dow = s.daysOfWeek.has(w.weekday);
  if (s.anyDayOfMonth || s.anyDayOfWeek) return dom && dow;
  return dom || dow;
}

/**
 * The first time after `after` (epoch ms) that `schedule` allows, in epoch ms;
 * undefined when it allows none in the next five years.
 */
export function nextTime(schedule: ParsedSchedule, after: number): number | undefined {
  const floorSecond = after - (((after % second) + second) % second);
  if ('everyMs' in schedule) return floorSecond + schedule.everyMs;
  const s = schedule;
  const zone = s.timeZone;
  const wall = (t: number) => wallClockOf(t, zone);
  const addDays = (t: number, months: number, days: number) => {
    const w = wall(t);
    return instantOf(zone, w.year, w.month + months, w.day + days, w.hour, w.minute, w.second);
  };

  let t = floorSecond + second;
  let added = false;
  const yearLimit = wall(t).year + searchYears;

  wrap: for (;;) {
    if (wall(t).year > yearLimit) return undefined;

    for (let w = wall(t); !s.months.has(w.month); w = wall(t)) {
      if (!added) {
        added = true;
        t = instantOf(zone, w.year, w.month, 1);
      }
      t = addDays(t, 1, 0);
      if (wall(t).month === 1) continue wrap;
    }

    for (let w = wall(t); !dayMatches(s, w); w = wall(t)) {
      if (!added) {
        added = true;
        t = instantOf(zone, w.year, w.month, w.day);
      }
      t = addDays(t, 0, 1);
      // Where midnight does not exist, the day starts at 1:00 (or ends at 23:00): back to 0:00.
      const h = wall(t).hour;
      if (h !== 0) t += h > 12 ? (24 - h) * hour : -h * hour;
      if (wall(t).day === 1) continue wrap;
    }

    for (let w = wall(t); !s.hours.has(w.hour); w = wall(t)) {
      if (!added) {
        added = true;
        t = instantOf(zone, w.year, w.month, w.day, w.hour);
      }
      t += hour;
      if (wall(t).hour === 0) continue wrap;
    }

    for (let w = wall(t); !s.minutes.has(w.minute); w = wall(t)) {
      if (!added) {
        added = true;
        t -= ((t % minute) + minute) % minute;
      }
      t += minute;
      if (wall(t).minute === 0) continue wrap;
    }

    // The standard parser's seconds field is always 0.
    for (let w = wall(t); w.second !== 0; w = wall(t)) {
      if (!added) {
        added = true;
        t -= ((t % second) + second) % second;
      }
      t += second;
      if (wall(t).second === 0) continue wrap;
    }
    return t;
  }
}
