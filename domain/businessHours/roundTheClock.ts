import { WEEKDAYS, type BusinessCalendar } from './calendar';

/**
 * The calendar a brand has until it sets its own business hours: open all day, every day, in UTC,
 * so that business time equals calendar time and no SLA waits for a Monday morning nobody chose.
 */
export const ROUND_THE_CLOCK_CALENDAR: BusinessCalendar = {
  version: 1,
  timeZone: 'UTC',
  weeklyHours: Object.fromEntries(WEEKDAYS.map((day) => [day, [{ start: '00:00', end: '24:00' }]])),
  holidays: [],
};
