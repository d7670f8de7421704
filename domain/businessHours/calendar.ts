/**
 * A brand's business-hours calendar: when its people answer. Plain JSON so that it can be stored
 * with the brand, carried in workflow state and recorded with every measurement (by version).
 *
 * A range never crosses midnight: a night shift is written as 22:00–24:00 on one day and
 * 00:00–06:00 on the next. Ranges that touch across midnight run on as one opening, so business
 * time flows through the night without a gap. This keeps every weekday's hours readable on their
 * own and makes holidays (which close a whole local date) unambiguous.
 */
import { isValidTimeZone } from '../publishTime';

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Local wall-clock times "HH:mm"; `end` may be "24:00" (the end of the local day). */
export interface OpeningRange {
  start: string;
  end: string;
}

/**
 * A closed local date. Without `closedRanges` the whole day is closed; with them only those
 * parts are (a half-day on Christmas Eve closes 12:00–24:00).
 */
export interface Holiday {
  date: string;
  name?: string;
  closedRanges?: OpeningRange[];
}

export interface BusinessCalendar {
  /** Bumped on every change; each measurement records the version it was made with. */
  version: number;
  /** IANA zone the ranges and holiday dates are read in. */
  timeZone: string;
  weeklyHours: Partial<Record<Weekday, OpeningRange[]>>;
  holidays: Holiday[];
}

export interface CalendarProblem {
  path: string;
  message: string;
}

export type BusinessCalendarErrorCode = 'invalid_calendar' | 'never_opens';

export class BusinessCalendarError extends Error {
  override readonly name = 'BusinessCalendarError';
  constructor(
    readonly code: BusinessCalendarErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_RANGES_PER_DAY = 12;
export const MAX_HOLIDAYS = 1000;

const WALL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Minutes since local midnight of "HH:mm", or undefined when it is not a wall time. */
export function minuteOfDay(wallTime: string): number | undefined {
  if (typeof wallTime !== 'string' || !WALL_TIME.test(wallTime)) return undefined;
  return Number(wallTime.slice(0, 2)) * 60 + Number(wallTime.slice(3, 5));
}

export function isLocalDate(value: string): boolean {
  const match = typeof value === 'string' ? LOCAL_DATE.exec(value) : null;
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth;
}

function rangeProblems({ ranges, path }: { ranges: unknown; path: string }): CalendarProblem[] {
  if (!Array.isArray(ranges)) return [{ path, message: 'must be a list of ranges' }];
  if (ranges.length > MAX_RANGES_PER_DAY) {
    return [{ path, message: `must have at most ${MAX_RANGES_PER_DAY} ranges` }];
  }
  const problems: CalendarProblem[] = [];
  const wellFormed: { start: number; end: number; index: number }[] = [];
  ranges.forEach((range: Partial<OpeningRange> | null, index) => {
    const at = `${path}[${index}]`;
    const start = minuteOfDay(range?.start ?? '');
    const end = minuteOfDay(range?.end ?? '');
    if (start === undefined || start === 24 * 60) {
      problems.push({ path: `${at}.start`, message: 'must be a time from 00:00 to 23:59 written HH:mm' });
    }
    if (end === undefined) {
      problems.push({ path: `${at}.end`, message: 'must be a time from 00:01 to 24:00 written HH:mm' });
    }
    if (start === undefined || end === undefined || start === 24 * 60) return;
    if (end <= start) {
      problems.push({
        path: at,
        message: `ends (${range!.end}) at or before it starts (${range!.start}); a range may not cross midnight, split it at 24:00`,
      });
      return;
    }
    wellFormed.push({ start, end, index });
  });
  wellFormed.sort((a, b) => a.start - b.start);
  for (let i = 1; i < wellFormed.length; i += 1) {
    const previous = wellFormed[i - 1];
    const current = wellFormed[i];
    if (current.start < previous.end) {
      problems.push({
        path: `${path}[${current.index}]`,
        message: `overlaps ${path}[${previous.index}]; ranges of one day must not overlap`,
      });
    }
  }
  return problems;
}

/** Everything wrong with a calendar, each with the path of the offending value; empty when valid. */
export function validateBusinessCalendar({ calendar }: { calendar: BusinessCalendar }): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  if (!Number.isSafeInteger(calendar.version) || calendar.version < 1) {
    problems.push({ path: 'version', message: 'must be a whole number of at least 1' });
  }
  if (!isValidTimeZone(calendar.timeZone)) {
    problems.push({
      path: 'timeZone',
      message: `${JSON.stringify(calendar.timeZone)} is not an IANA time zone (like Europe/Berlin)`,
    });
  }
  const weeklyHours = (calendar.weeklyHours ?? {}) as Record<string, unknown>;
  for (const day of Object.keys(weeklyHours)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      problems.push({ path: `weeklyHours.${day}`, message: `is not a weekday (${WEEKDAYS.join(', ')})` });
    }
  }
  let opensSomeDay = false;
  for (const day of WEEKDAYS) {
    const ranges = weeklyHours[day];
    if (ranges === undefined) continue;
    problems.push(...rangeProblems({ ranges, path: `weeklyHours.${day}` }));
    if (Array.isArray(ranges) && ranges.length > 0) opensSomeDay = true;
  }
  if (!opensSomeDay) {
    problems.push({
      path: 'weeklyHours',
      message: 'opens on no day of the week; give at least one range (00:00–24:00 every day for round-the-clock)',
    });
  }
  if (!Array.isArray(calendar.holidays)) {
    problems.push({ path: 'holidays', message: 'must be a list of holidays' });
    return problems;
  }
  if (calendar.holidays.length > MAX_HOLIDAYS) {
    problems.push({ path: 'holidays', message: `must have at most ${MAX_HOLIDAYS} entries` });
  }
  const seen = new Map<string, number>();
  calendar.holidays.forEach((holiday, index) => {
    const path = `holidays[${index}]`;
    if (!isLocalDate(holiday?.date)) {
      problems.push({ path: `${path}.date`, message: 'must be a calendar date written YYYY-MM-DD' });
      return;
    }
    const earlier = seen.get(holiday.date);
    if (earlier !== undefined) {
      problems.push({ path: `${path}.date`, message: `${holiday.date} is already listed at holidays[${earlier}]` });
    }
    seen.set(holiday.date, index);
    if (holiday.closedRanges !== undefined) {
      problems.push(...rangeProblems({ ranges: holiday.closedRanges, path: `${path}.closedRanges` }));
    }
  });
  return problems;
}

export function assertValidBusinessCalendar({ calendar }: { calendar: BusinessCalendar }): void {
  const problems = validateBusinessCalendar({ calendar });
  if (problems.length > 0) {
    throw new BusinessCalendarError(
      'invalid_calendar',
      `invalid business calendar: ${problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}`,
    );
  }
}
