export { nextTime } from './next-time.js';
export {
  type CronSchedule,
  CronSyntaxError,
  type IntervalSchedule,
  isKnownTimeZone,
  type ParsedSchedule,
  parseGoDuration,
  parseSchedule,
} from './schedule.js';
export { instantOf, type WallClock, wallClockOf, zoneOffset } from './zoned-time.js';
