/**
 * A schedule spec compiled once: the union of its calendar rules (in its time zone) and
 * intervals, minus its exclusions, within its start and end times. Answers the next matching
 * instant after a given one; jitter is kept for DescribeSchedule but not applied.
 */
import { durToMs, msToDur, msToTs, tsToMs } from '../time';
import type { WireTime } from '../wire';
import {
  CalendarMatcher,
  ScheduleSpecError,
  structuredFromStrings,
  structuredFromWire,
  structuredToWire,
  type StructuredCalendar,
} from './calendar';
import { compileCron } from './cron';
import type { WireScheduleSpec } from './wire';
import { TimeZone, wallClockOf } from './zone';

const SECOND_MS = 1000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const LAST_YEAR = 2999;

interface IntervalRule {
  intervalMs: number;
  phaseMs: number;
}

const wholeSeconds = (ms: number): number => Math.floor(ms / SECOND_MS) * SECOND_MS;

export class CompiledSpec {
  private readonly calendarMatchers: CalendarMatcher[];
  private readonly excludeMatchers: CalendarMatcher[];

  private constructor(
    private readonly calendars: StructuredCalendar[],
    private readonly intervals: IntervalRule[],
    private readonly excludes: StructuredCalendar[],
    private readonly zone: TimeZone,
    private readonly timezoneName: string | undefined,
    private readonly startTime: number | undefined,
    private readonly endTime: number | undefined,
    private readonly jitter: WireTime | undefined,
  ) {
    this.calendarMatchers = calendars.map((calendar) => new CalendarMatcher(calendar));
    this.excludeMatchers = excludes.map((calendar) => new CalendarMatcher(calendar));
  }

  /** Compiles a wire ScheduleSpec; throws ScheduleSpecError naming what is wrong with it. */
  static compile(wire: WireScheduleSpec | undefined): CompiledSpec {
    const spec = wire ?? {};
    if (spec.timezoneData?.length) throw new ScheduleSpecError('timezone_data is not supported; use timezone_name');
    const calendars = [
      ...(spec.structuredCalendar ?? []).map(structuredFromWire),
      ...(spec.calendar ?? []).map(structuredFromStrings),
    ];
    const intervals = (spec.interval ?? []).map((interval): IntervalRule => {
      const intervalMs = wholeSeconds(durToMs(interval.interval) ?? 0);
      if (intervalMs <= 0) throw new ScheduleSpecError('an interval must be at least one second');
      return { intervalMs, phaseMs: wholeSeconds(durToMs(interval.phase) ?? 0) };
    });
    let timezoneName: string | undefined = spec.timezoneName || undefined;
    for (const cron of spec.cronString ?? []) {
      const compiled = compileCron(cron);
      if (compiled.calendar) calendars.push(compiled.calendar);
      if (compiled.interval) intervals.push(compiled.interval);
      if (compiled.timezoneName) {
        if (timezoneName && timezoneName !== compiled.timezoneName)
          throw new ScheduleSpecError(`"${cron}" names a time zone other than the spec's ${timezoneName}`);
        timezoneName = compiled.timezoneName;
      }
    }
    const excludes = [
      ...(spec.excludeStructuredCalendar ?? []).map(structuredFromWire),
      ...(spec.excludeCalendar ?? []).map(structuredFromStrings),
    ];
    const startTime = tsToMs(spec.startTime);
    const endTime = tsToMs(spec.endTime);
    if (startTime !== undefined && endTime !== undefined && endTime < startTime)
      throw new ScheduleSpecError('end_time is before start_time');
    return new CompiledSpec(
      calendars,
      intervals,
      excludes,
      TimeZone.named(timezoneName),
      timezoneName,
      startTime,
      endTime,
      spec.jitter,
    );
  }

  /** The spec as DescribeSchedule shows it: calendars and cron strings in structured form. */
  toWire(): WireScheduleSpec {
    return {
      structuredCalendar: this.calendars.map(structuredToWire),
      interval: this.intervals.map((rule) => ({ interval: msToDur(rule.intervalMs), phase: msToDur(rule.phaseMs) })),
      excludeStructuredCalendar: this.excludes.map(structuredToWire),
      startTime: this.startTime !== undefined ? msToTs(this.startTime) : undefined,
      endTime: this.endTime !== undefined ? msToTs(this.endTime) : undefined,
      jitter: this.jitter,
      timezoneName: this.timezoneName,
    };
  }

  /** The first matching instant strictly after `after`, or undefined when there is none. */
  nextAfter(after: number): number | undefined {
    let from = after;
    if (this.startTime !== undefined && from < this.startTime) from = this.startTime - 1;
    for (;;) {
      let next: number | undefined;
      for (const rule of this.intervals) {
        const candidate = rule.phaseMs + (Math.floor((from - rule.phaseMs) / rule.intervalMs) + 1) * rule.intervalMs;
        if (next === undefined || candidate < next) next = candidate;
      }
      for (const matcher of this.calendarMatchers) {
        const candidate = this.nextCalendarTime(matcher, from, next);
        if (candidate !== undefined && (next === undefined || candidate < next)) next = candidate;
      }
      if (next === undefined || (this.endTime !== undefined && next > this.endTime)) return undefined;
      if (!this.isExcluded(next)) return next;
      from = next;
    }
  }

  /** Matching instants in (from, to], at most `limit` of them. */
  timesBetween(from: number, to: number, limit: number): number[] {
    const times: number[] = [];
    let next = this.nextAfter(from);
    while (next !== undefined && next <= to && times.length < limit) {
      times.push(next);
      next = this.nextAfter(next);
    }
    return times;
  }

  private isExcluded(instant: number): boolean {
    if (!this.excludeMatchers.length) return false;
    const wall = wallClockOf(this.zone.wallMsAt(instant));
    return this.excludeMatchers.some(
      (matcher) =>
        matcher.matchesDay(wall.year, wall.month, wall.day, wall.weekday) &&
        matcher.matchesTimeOfDay(wall.hour, wall.minute, wall.second),
    );
  }

  /** Walks the zone's calendar day by day, skipping whole years and months that cannot match. */
  private nextCalendarTime(matcher: CalendarMatcher, after: number, notLaterThan?: number): number | undefined {
    // Clocks moved back can make an earlier wall time a later instant; no zone moves them by 3 hours.
    let day = Math.floor((this.zone.wallMsAt(after) - 3 * HOUR_MS) / DAY_MS) * DAY_MS;
    for (;;) {
      const wall = wallClockOf(day);
      if (wall.year > LAST_YEAR) return undefined;
      if (notLaterThan !== undefined && day - 2 * DAY_MS > notLaterThan) return undefined;
      if (!matcher.matchesYear(wall.year)) {
        day = Date.UTC(wall.year + 1, 0, 1);
        continue;
      }
      if (!matcher.matchesMonth(wall.month)) {
        day = Date.UTC(wall.year, wall.month, 1);
        continue;
      }
      if (matcher.matchesDay(wall.year, wall.month, wall.day, wall.weekday)) {
        const found = this.firstInDay(matcher, day, after);
        if (found !== undefined) return found;
      }
      day += DAY_MS;
    }
  }

  private firstInDay(matcher: CalendarMatcher, day: number, after: number): number | undefined {
    const { min, max } = this.zone.offsetBounds(day + DAY_MS / 2);
    let best: number | undefined;
    // A wall time w is reached at w - offset: skip those certainly not after `after`, stop at those
    // certainly later than the best found.
    const tooEarly = (lastWall: number): boolean => lastWall - min <= after;
    const tooLate = (firstWall: number): boolean => best !== undefined && firstWall - max >= best;
    for (let hour = 0; hour < 24; hour++) {
      const hourWall = day + hour * HOUR_MS;
      if (!matcher.hours[hour] || tooEarly(hourWall + HOUR_MS - SECOND_MS)) continue;
      if (tooLate(hourWall)) break;
      for (let minute = 0; minute < 60; minute++) {
        const minuteWall = hourWall + minute * 60_000;
        if (!matcher.minutes[minute] || tooEarly(minuteWall + 59_000)) continue;
        if (tooLate(minuteWall)) break;
        for (let second = 0; second < 60; second++) {
          const wall = minuteWall + second * SECOND_MS;
          if (!matcher.seconds[second] || tooEarly(wall)) continue;
          if (tooLate(wall)) break;
          for (const instant of this.zone.instantsOf(wall))
            if (instant > after && (best === undefined || instant < best)) best = instant;
        }
      }
    }
    return best;
  }
}
