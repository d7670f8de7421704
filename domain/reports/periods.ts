/** Days and weeks as the brand counts them: in its time zone, weeks starting on Monday. */
import { DateTime } from 'luxon';

export type Period = 'day' | 'week';

/** The day (YYYY-MM-DD) or the Monday of the week an instant falls in, in the zone. */
export function periodOf({ instant, timeZone, period }: { instant: string; timeZone: string; period: Period }): string {
  const local = DateTime.fromISO(instant, { zone: timeZone });
  return (period === 'day' ? local : local.startOf('week')).toISODate()!;
}

/** The weekday (1 Monday … 7 Sunday) and hour (0–23) of an instant on the zone's clocks. */
export function weekdayAndHour({ instant, timeZone }: { instant: string; timeZone: string }): {
  weekday: number;
  hour: number;
} {
  const local = DateTime.fromISO(instant, { zone: timeZone });
  return { weekday: local.weekday, hour: local.hour };
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
