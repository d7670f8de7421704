/** Days and weeks as the brand counts them: in its time zone, weeks starting on Monday. */
import { DateTime } from 'luxon';

export type Period = 'day' | 'week';

/**
 * Zones change their offset, and days and hours start, only on quarter hours of UTC, so every
 * instant in one UTC quarter hour has the same local day and hour. Reports bucket many thousands
 * of instants; each quarter hour is converted once.
 */
const QUARTER_HOUR_MS = 15 * 60_000;
const CACHE_LIMIT = 200_000;
const localClockCache = new Map<string, { day: string; week: string; weekday: number; hour: number }>();

function localClock(instant: string, timeZone: string) {
  const quarter = Math.floor(Date.parse(instant) / QUARTER_HOUR_MS);
  const key = `${timeZone}|${quarter}`;
  let clock = localClockCache.get(key);
  if (!clock) {
    const local = DateTime.fromMillis(quarter * QUARTER_HOUR_MS, { zone: timeZone });
    clock = {
      day: local.toISODate()!,
      week: local.startOf('week').toISODate()!,
      weekday: local.weekday,
      hour: local.hour,
    };
    if (localClockCache.size >= CACHE_LIMIT) localClockCache.clear();
    localClockCache.set(key, clock);
  }
  return clock;
}

/** The day (YYYY-MM-DD) or the Monday of the week an instant falls in, in the zone. */
export function periodOf({ instant, timeZone, period }: { instant: string; timeZone: string; period: Period }): string {
  const clock = localClock(instant, timeZone);
  return period === 'day' ? clock.day : clock.week;
}

/** The weekday (1 Monday … 7 Sunday) and hour (0–23) of an instant on the zone's clocks. */
export function weekdayAndHour({ instant, timeZone }: { instant: string; timeZone: string }): {
  weekday: number;
  hour: number;
} {
  const { weekday, hour } = localClock(instant, timeZone);
  return { weekday, hour };
}

export const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/**
 * The report period a scheduled run covers: the last whole week (Monday to Sunday) or month before
 * the run's day in the zone, as calendar days `from` and `to` (inclusive).
 */
export function previousPeriod({
  runAt,
  timeZone,
  frequency,
}: {
  runAt: string;
  timeZone: string;
  frequency: 'weekly' | 'monthly';
}): { from: string; to: string } {
  const local = DateTime.fromISO(runAt, { zone: timeZone });
  const unit = frequency === 'weekly' ? 'week' : 'month';
  const start = local.startOf(unit).minus(frequency === 'weekly' ? { weeks: 1 } : { months: 1 });
  const end = start.endOf(unit);
  return { from: start.toISODate()!, to: end.toISODate()! };
}

/** Calendar days `from` to `to` (YYYY-MM-DD, inclusive); null when there are none. */
export interface DayRange {
  from: string;
  to: string;
}

/**
 * A range of calendar days split into the whole weeks (Monday to Sunday) or months it contains
 * (`periods`: the first days of the first and last of them) and the days before and after them:
 * weekly or monthly sums cover the periods, daily sums the edges, and together they count every
 * day of the range once.
 */
export function wholePeriodsWithin(
  { from, to }: DayRange,
  unit: 'week' | 'month',
): { periods: DayRange | null; daysBefore: DayRange | null; daysAfter: DayRange | null } {
  const first = DateTime.fromISO(from, { zone: 'utc' });
  const last = DateTime.fromISO(to, { zone: 'utc' });
  const step = unit === 'week' ? { weeks: 1 } : { months: 1 };
  const firstPeriod = first.startOf(unit).equals(first) ? first : first.startOf(unit).plus(step);
  const lastPeriod = last.plus({ days: 1 }).startOf(unit).minus(step);
  if (firstPeriod > lastPeriod) return { periods: null, daysBefore: from <= to ? { from, to } : null, daysAfter: null };
  const day = (date: DateTime) => date.toISODate()!;
  const afterPeriods = lastPeriod.plus(step);
  return {
    periods: { from: day(firstPeriod), to: day(lastPeriod) },
    daysBefore: firstPeriod > first ? { from, to: day(firstPeriod.minus({ days: 1 })) } : null,
    daysAfter: afterPeriods <= last ? { from: day(afterPeriods), to } : null,
  };
}
