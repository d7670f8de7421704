/**
 * Business-time arithmetic on a calendar: when a target falls due, how much business time lies
 * between two instants, whether the calendar is open, when it opens next. Instants are ISO
 * strings; durations are minutes (fractions allowed, kept to the millisecond).
 */
import { BusinessCalendarError, type BusinessCalendar } from './calendar';
import { instantMs, isoInstant, MINUTE_MS } from './instant';
import { compileCalendar, openingsFrom, type CompiledCalendar } from './openings';

function durationMs({ minutes, field }: { minutes: number; field: string }): number {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`${field} must be a finite number of minutes of at least 0, got ${String(minutes)}`);
  }
  return Math.round(minutes * MINUTE_MS);
}

/** The instant at which `ms` of business time have passed since `from` (epoch milliseconds). */
export function addBusinessMs({
  calendar,
  from,
  ms,
}: {
  calendar: CompiledCalendar;
  from: number;
  ms: number;
}): number {
  if (ms === 0) return from;
  let remaining = ms;
  for (const opening of openingsFrom({ calendar, from })) {
    const start = Math.max(opening.start, from);
    const available = opening.end - start;
    if (remaining <= available) return start + remaining;
    remaining -= available;
  }
  /* istanbul ignore next -- openingsFrom either yields forever or throws */
  throw new BusinessCalendarError('never_opens', `business calendar version ${calendar.version} never opens`);
}

/** Business time in milliseconds within [from, to). */
export function businessMsBetween({
  calendar,
  from,
  to,
}: {
  calendar: CompiledCalendar;
  from: number;
  to: number;
}): number {
  if (to <= from) return 0;
  let total = 0;
  for (const opening of openingsFrom({ calendar, from, until: to })) {
    if (opening.start >= to) break;
    total += Math.min(opening.end, to) - Math.max(opening.start, from);
  }
  return total;
}

/**
 * The instant at which `businessMinutes` of business time have passed since `from`. Time outside
 * business hours does not count, so a due time is the end of counted time: it may be a closing
 * time (17:00 + 60 min on an 09:00–18:00 day is due at 18:00), never a time in the middle of a
 * closure. Zero minutes are due at `from` itself.
 */
export function dueAt({
  calendar,
  from,
  businessMinutes,
}: {
  calendar: BusinessCalendar;
  from: string;
  businessMinutes: number;
}): string {
  const ms = durationMs({ minutes: businessMinutes, field: 'businessMinutes' });
  return isoInstant(
    addBusinessMs({ calendar: compileCalendar({ calendar }), from: instantMs({ value: from, field: 'from' }), ms }),
  );
}

export interface ElapsedTime {
  calendarMinutes: number;
  businessMinutes: number;
}

/** Calendar and business time between two instants; `to` must not be before `from`. */
export function elapsedBetween({
  calendar,
  from,
  to,
}: {
  calendar: BusinessCalendar;
  from: string;
  to: string;
}): ElapsedTime {
  const start = instantMs({ value: from, field: 'from' });
  const end = instantMs({ value: to, field: 'to' });
  if (end < start) throw new RangeError(`to (${to}) is before from (${from})`);
  return {
    calendarMinutes: (end - start) / MINUTE_MS,
    businessMinutes: businessMsBetween({ calendar: compileCalendar({ calendar }), from: start, to: end }) / MINUTE_MS,
  };
}

export function isOpenAt({ calendar, at }: { calendar: BusinessCalendar; at: string }): boolean {
  const instant = instantMs({ value: at, field: 'at' });
  const compiled = compileCalendar({ calendar });
  for (const opening of openingsFrom({ calendar: compiled, from: instant, until: instant + 1 })) {
    if (opening.start <= instant) return true;
    break;
  }
  return false;
}

/** `from` itself when the calendar is open then, else the next instant at which it opens. */
export function nextOpening({ calendar, from }: { calendar: BusinessCalendar; from: string }): string {
  const instant = instantMs({ value: from, field: 'from' });
  const compiled = compileCalendar({ calendar });
  for (const opening of openingsFrom({ calendar: compiled, from: instant })) {
    return isoInstant(Math.max(opening.start, instant));
  }
  /* istanbul ignore next -- openingsFrom either yields forever or throws */
  throw new BusinessCalendarError('never_opens', `business calendar version ${calendar.version} never opens`);
}
