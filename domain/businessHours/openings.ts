/**
 * The calendar unrolled into real openings: half-open UTC intervals [start, end) in epoch
 * milliseconds, in order, with openings that touch (across midnight, or 24/7) merged into one.
 * Every question about business time walks these, one local day at a time, so a target of
 * weeks costs a few dozen steps rather than one per minute.
 *
 * Wall times are turned into instants by the calendar's zone, so a day's length follows the
 * clock changes: a range over a skipped hour is shorter, one over a repeated hour longer. A wall
 * time inside a skipped hour moves forward by the gap; a repeated wall time means its later
 * occurrence.
 */
import { DateTime } from 'luxon';
import {
  assertValidBusinessCalendar,
  BusinessCalendarError,
  minuteOfDay,
  WEEKDAYS,
  type BusinessCalendar,
  type OpeningRange,
} from './calendar';

export interface Opening {
  start: number;
  end: number;
}

interface MinuteRange {
  start: number;
  end: number;
}

/** A calendar that closes for longer than this in a row is treated as never opening again. */
export const MAX_CLOSED_DAYS = 731;

const DAY_MINUTES = 24 * 60;

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface CompiledCalendar {
  version: number;
  timeZone: string;
  /** Index 0 = Monday. */
  weekly: MinuteRange[][];
  holidays: Record<string, MinuteRange[] | 'closed'>;
}

function toMinuteRanges(ranges: OpeningRange[]): MinuteRange[] {
  return ranges
    .map((range) => ({ start: minuteOfDay(range.start)!, end: minuteOfDay(range.end)! }))
    .sort((a, b) => a.start - b.start);
}

export function compileCalendar({ calendar }: { calendar: BusinessCalendar }): CompiledCalendar {
  assertValidBusinessCalendar({ calendar });
  const holidays: CompiledCalendar['holidays'] = {};
  for (const holiday of calendar.holidays) {
    holidays[holiday.date] = holiday.closedRanges ? toMinuteRanges(holiday.closedRanges) : 'closed';
  }
  return {
    version: calendar.version,
    timeZone: calendar.timeZone,
    weekly: WEEKDAYS.map((day) => toMinuteRanges(calendar.weeklyHours[day] ?? [])),
    holidays,
  };
}

function subtract(open: MinuteRange[], closed: MinuteRange[]): MinuteRange[] {
  let remaining = open;
  for (const gap of closed) {
    remaining = remaining.flatMap((range) => {
      if (gap.end <= range.start || gap.start >= range.end) return [range];
      const parts: MinuteRange[] = [];
      if (gap.start > range.start) parts.push({ start: range.start, end: gap.start });
      if (gap.end < range.end) parts.push({ start: gap.end, end: range.end });
      return parts;
    });
  }
  return remaining;
}

function dateKey({ year, month, day }: LocalDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function nextDate(date: LocalDate): LocalDate {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

function mondayBasedWeekday(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}

function wallTimeMs({ date, minute, timeZone }: { date: LocalDate; minute: number; timeZone: string }): number {
  const target = minute === DAY_MINUTES ? nextDate(date) : date;
  const minuteOfTarget = minute === DAY_MINUTES ? 0 : minute;
  return DateTime.fromObject(
    { ...target, hour: Math.floor(minuteOfTarget / 60), minute: minuteOfTarget % 60 },
    { zone: timeZone },
  ).toMillis();
}

function openRangesOf({ calendar, date }: { calendar: CompiledCalendar; date: LocalDate }): MinuteRange[] {
  const weekly = calendar.weekly[mondayBasedWeekday(date)];
  const holiday = calendar.holidays[dateKey(date)];
  if (holiday === 'closed') return [];
  return holiday ? subtract(weekly, holiday) : weekly;
}

/**
 * Openings that end after `from`, in order; the first one may have started before `from`.
 * Openings that touch (across midnight, round the clock) come as separate pieces: every question
 * asked of them sums or searches, so joining them would buy nothing and a 24/7 calendar would
 * never finish its first piece. Stops once a local day starts at or after `until` (when given).
 * Throws `never_opens` after MAX_CLOSED_DAYS closed days in a row, so a calendar that never
 * opens cannot loop forever.
 */
export function* openingsFrom({
  calendar,
  from,
  until,
}: {
  calendar: CompiledCalendar;
  from: number;
  until?: number;
}): Generator<Opening> {
  const local = DateTime.fromMillis(from, { zone: calendar.timeZone });
  let date: LocalDate = { year: local.year, month: local.month, day: local.day };
  let previousEnd = -Infinity;
  let closedDays = 0;
  for (;;) {
    if (until !== undefined && wallTimeMs({ date, minute: 0, timeZone: calendar.timeZone }) >= until) return;
    const ranges = openRangesOf({ calendar, date });
    closedDays = ranges.length === 0 ? closedDays + 1 : 0;
    if (closedDays > MAX_CLOSED_DAYS) {
      throw new BusinessCalendarError(
        'never_opens',
        `business calendar version ${calendar.version} has no open hours in the ${MAX_CLOSED_DAYS} days before ${dateKey(date)}`,
      );
    }
    for (const range of ranges) {
      // Two ranges that both touch a skipped hour could otherwise map onto the same instants.
      const start = Math.max(previousEnd, wallTimeMs({ date, minute: range.start, timeZone: calendar.timeZone }));
      const end = wallTimeMs({ date, minute: range.end, timeZone: calendar.timeZone });
      if (end <= start) continue;
      previousEnd = end;
      if (end > from) yield { start, end };
    }
    date = nextDate(date);
  }
}
