/**
 * Calendar rules of a schedule spec: the structured form (ranges per field) that DescribeSchedule
 * shows, compiled from the string form of CalendarSpec, and the matching of a wall-clock time.
 */
import type { WireCalendarSpec, WireRange, WireStructuredCalendar } from './wire';

export class ScheduleSpecError extends Error {}

export interface Range {
  start: number;
  end: number;
  step: number;
}

export const CALENDAR_FIELDS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'year', 'dayOfWeek'] as const;
export type CalendarField = (typeof CALENDAR_FIELDS)[number];

export type StructuredCalendar = Record<CalendarField, Range[]> & { comment?: string };

/** The values a field may take; year is unbounded (no ranges at all means every year). */
const BOUNDS: Record<CalendarField, { min: number; max: number }> = {
  second: { min: 0, max: 59 },
  minute: { min: 0, max: 59 },
  hour: { min: 0, max: 23 },
  dayOfMonth: { min: 1, max: 31 },
  month: { min: 1, max: 12 },
  year: { min: 1970, max: 2999 },
  // 7 is accepted as a second name for Sunday, as cron does.
  dayOfWeek: { min: 0, max: 7 },
};

/** What an empty string field of a CalendarSpec means. */
const STRING_DEFAULTS: Record<CalendarField, string> = {
  second: '0',
  minute: '0',
  hour: '0',
  dayOfMonth: '*',
  month: '*',
  year: '*',
  dayOfWeek: '*',
};

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseValue(field: CalendarField, text: string): number {
  const lower = text.toLowerCase();
  if (/^\d+$/.test(lower)) return Number(lower);
  const names = field === 'month' ? MONTH_NAMES : field === 'dayOfWeek' ? DAY_NAMES : undefined;
  const at = names && lower.length >= 3 ? names.findIndex((name) => lower.startsWith(name)) : -1;
  if (at < 0) throw new ScheduleSpecError(`${field}: "${text}" is not a value`);
  return field === 'month' ? at + 1 : at;
}

/** Parses one field written as `*`, `x`, `x-z`, `x/y`, `x-z/y` or a comma-separated list of them. */
export function parseCalendarField(field: CalendarField, expression: string): Range[] {
  const text = expression.trim() || STRING_DEFAULTS[field];
  const { min, max } = BOUNDS[field];
  if (text === '*' || text === '?')
    return field === 'year' ? [] : [{ start: min, end: field === 'dayOfWeek' ? 6 : max, step: 1 }];
  return text.split(',').map((item) => {
    const [span, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : parseValue(field, stepText);
    if (step < 1) throw new ScheduleSpecError(`${field}: step must be positive in "${item}"`);
    let start: number;
    let end: number;
    if (span === '*') {
      start = min;
      end = field === 'dayOfWeek' ? 6 : max;
    } else if (span.includes('-')) {
      const [from, to] = span.split('-');
      start = parseValue(field, from);
      end = parseValue(field, to);
    } else {
      start = parseValue(field, span);
      // `x/y` runs from x to the end of the field's values.
      end = stepText === undefined ? start : field === 'dayOfWeek' ? 6 : max;
    }
    return checkRange(field, { start, end, step });
  });
}

function checkRange(field: CalendarField, range: Range): Range {
  const { min, max } = BOUNDS[field];
  if (range.start < min || range.start > max || range.end > max)
    throw new ScheduleSpecError(`${field}: ${range.start}-${range.end} is outside ${min}-${max}`);
  return range;
}

/** Normalizes a wire Range as the API defines it: an end before the start means the start; no step means 1. */
function normalizeRange(field: CalendarField, wire: WireRange): Range {
  const start = Number(wire.start ?? 0);
  const end = Number(wire.end ?? 0);
  const step = Number(wire.step ?? 0);
  return checkRange(field, { start, end: end < start ? start : end, step: step > 0 ? step : 1 });
}

export function structuredFromWire(wire: WireStructuredCalendar): StructuredCalendar {
  const calendar = { comment: wire.comment || undefined } as StructuredCalendar;
  for (const field of CALENDAR_FIELDS)
    calendar[field] = (wire[field] ?? []).map((range) => normalizeRange(field, range));
  return calendar;
}

export function structuredFromStrings(wire: WireCalendarSpec): StructuredCalendar {
  const calendar = { comment: wire.comment || undefined } as StructuredCalendar;
  for (const field of CALENDAR_FIELDS) calendar[field] = parseCalendarField(field, wire[field] ?? '');
  return calendar;
}

export function structuredToWire(calendar: StructuredCalendar): WireStructuredCalendar {
  const wire: WireStructuredCalendar = { comment: calendar.comment };
  for (const field of CALENDAR_FIELDS) wire[field] = calendar[field].map((range) => ({ ...range }));
  return wire;
}

/** A calendar rule as lookup tables, for matching wall-clock times quickly. */
export class CalendarMatcher {
  readonly seconds: boolean[];
  readonly minutes: boolean[];
  readonly hours: boolean[];
  private readonly daysOfMonth: boolean[];
  private readonly months: boolean[];
  private readonly daysOfWeek: boolean[];

  constructor(private readonly calendar: StructuredCalendar) {
    this.seconds = table(calendar.second, 60);
    this.minutes = table(calendar.minute, 60);
    this.hours = table(calendar.hour, 24);
    this.daysOfMonth = table(calendar.dayOfMonth, 32);
    this.months = table(calendar.month, 13);
    const week = table(calendar.dayOfWeek, 8);
    this.daysOfWeek = week.slice(0, 7);
    if (week[7]) this.daysOfWeek[0] = true;
  }

  matchesYear(year: number): boolean {
    return this.calendar.year.length === 0 || this.calendar.year.some((range) => inRange(range, year));
  }

  matchesMonth(month: number): boolean {
    return this.months[month];
  }

  /** Whether a day (month 1-12, weekday 0 = Sunday) is one the rule fires on. */
  matchesDay(year: number, month: number, day: number, weekday: number): boolean {
    return this.matchesYear(year) && this.months[month] && this.daysOfMonth[day] && this.daysOfWeek[weekday];
  }

  matchesTimeOfDay(hour: number, minute: number, second: number): boolean {
    return this.hours[hour] && this.minutes[minute] && this.seconds[second];
  }
}

const inRange = (range: Range, value: number): boolean =>
  value >= range.start && value <= range.end && (value - range.start) % range.step === 0;

function table(ranges: Range[], size: number): boolean[] {
  return Array.from({ length: size }, (_, value) => ranges.some((range) => inRange(range, value)));
}
