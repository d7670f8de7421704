export {
  assertValidBusinessCalendar,
  BusinessCalendarError,
  validateBusinessCalendar,
  WEEKDAYS,
  type BusinessCalendar,
  type BusinessCalendarErrorCode,
  type CalendarProblem,
  type Holiday,
  type OpeningRange,
  type Weekday,
} from './calendar';
export { dueAt, elapsedBetween, isOpenAt, nextOpening, type ElapsedTime } from './businessTime';
export { InvalidInstantError } from './instant';
export { ROUND_THE_CLOCK_CALENDAR } from './roundTheClock';
