/**
 * Holidays from an iCalendar file (a public-holiday feed or a team's shared calendar), for the
 * API to turn into a calendar's holiday list. Only all-day events become holidays: a timed event
 * would need its own zone reconciled with the brand's, so it is reported as skipped for a person
 * to enter as a partial closure. Recurring events are expanded within the asked years only.
 * Not exported by the business-hours facade: workflow code never needs to parse iCalendar.
 */
import ICAL from 'ical.js';
import { isLocalDate, MAX_HOLIDAYS, type Holiday } from './calendar';

export interface SkippedEvent {
  summary: string;
  reason: string;
}

export class ICalendarImportError extends Error {
  override readonly name = 'ICalendarImportError';
}

/** A single all-day event longer than this is a vacation block, not a holiday: refused. */
const MAX_EVENT_DAYS = 31;
/** Bounds the expansion of a rule like a daily event since 1970. */
const MAX_RECURRENCE_STEPS = 20_000;

function localDate(time: ICAL.Time): string {
  return `${String(time.year).padStart(4, '0')}-${String(time.month).padStart(2, '0')}-${String(time.day).padStart(2, '0')}`;
}

function datesOf({ start, end }: { start: ICAL.Time; end: ICAL.Time }): string[] {
  const dates: string[] = [];
  const day = start.clone();
  // DTEND of an all-day event is exclusive; a missing or equal end means the one day.
  do {
    dates.push(localDate(day));
    day.adjust(1, 0, 0, 0);
  } while (day.compare(end) < 0 && dates.length <= MAX_EVENT_DAYS);
  return dates;
}

/**
 * The holidays an iCalendar text lists between `fromDate` and `toDate` (inclusive, YYYY-MM-DD),
 * sorted and without duplicates, and the events it could not take.
 */
export function holidaysFromICalendar({ ics, fromDate, toDate }: { ics: string; fromDate: string; toDate: string }): {
  holidays: Holiday[];
  skipped: SkippedEvent[];
} {
  if (!isLocalDate(fromDate) || !isLocalDate(toDate) || fromDate > toDate) {
    throw new ICalendarImportError('fromDate and toDate must be dates written YYYY-MM-DD, fromDate first');
  }
  let root: ICAL.Component;
  try {
    root = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  } catch (error) {
    throw new ICalendarImportError(`not a readable iCalendar file: ${(error as Error).message}`);
  }
  const byDate = new Map<string, Holiday>();
  const skipped: SkippedEvent[] = [];
  for (const component of root.getAllSubcomponents('vevent')) {
    const event = new ICAL.Event(component);
    const summary = event.summary ?? '';
    if (!event.startDate) {
      skipped.push({ summary, reason: 'has no start date' });
      continue;
    }
    if (!event.startDate.isDate) {
      skipped.push({ summary, reason: 'is not an all-day event; enter it as a partial closure' });
      continue;
    }
    const occurrences: { start: ICAL.Time; end: ICAL.Time }[] = [];
    if (event.isRecurring()) {
      const iterator = event.iterator();
      let steps = 0;
      for (let next = iterator.next(); next && localDate(next) <= toDate; next = iterator.next()) {
        steps += 1;
        if (steps > MAX_RECURRENCE_STEPS) {
          throw new ICalendarImportError(
            `"${summary}" recurs too often to expand (over ${MAX_RECURRENCE_STEPS} times)`,
          );
        }
        const details = event.getOccurrenceDetails(next);
        if (localDate(details.endDate) < fromDate) continue;
        occurrences.push({ start: details.startDate, end: details.endDate });
      }
    } else {
      occurrences.push({ start: event.startDate, end: event.endDate });
    }
    for (const occurrence of occurrences) {
      const dates = datesOf(occurrence);
      if (dates.length > MAX_EVENT_DAYS) {
        skipped.push({ summary, reason: `lasts more than ${MAX_EVENT_DAYS} days` });
        continue;
      }
      for (const date of dates) {
        if (date < fromDate || date > toDate || byDate.has(date)) continue;
        byDate.set(date, summary ? { date, name: summary } : { date });
      }
    }
  }
  if (byDate.size > MAX_HOLIDAYS) {
    throw new ICalendarImportError(`the file lists more than ${MAX_HOLIDAYS} holidays in that period`);
  }
  const holidays = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  return { holidays, skipped };
}
