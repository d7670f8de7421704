/**
 * Time zones for calendar rules, from the IANA database that Node's Intl carries. A wall-clock
 * time is written as the epoch milliseconds of the same clock reading in UTC ("wall ms"), so
 * calendar arithmetic on it is plain UTC arithmetic; only the conversion consults the zone.
 */
import { ScheduleSpecError } from './calendar';

const DAY_MS = 86_400_000;

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

export function wallClockOf(wallMs: number): WallClock {
  const date = new Date(wallMs);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    weekday: date.getUTCDay(),
  };
}

export class TimeZone {
  private static readonly cache = new Map<string, TimeZone>();
  private readonly format?: Intl.DateTimeFormat;

  private constructor(readonly name: string) {
    if (name === 'UTC') return;
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The zone of a spec's timezone_name; empty means UTC. */
  static named(name: string | undefined): TimeZone {
    const key = name || 'UTC';
    let zone = TimeZone.cache.get(key);
    if (!zone) {
      try {
        zone = new TimeZone(key);
      } catch {
        throw new ScheduleSpecError(`unknown time zone "${key}"`);
      }
      TimeZone.cache.set(key, zone);
    }
    return zone;
  }

  /** How far the zone's clocks are ahead of UTC at an instant, in milliseconds. */
  offsetAt(instant: number): number {
    if (!this.format) return 0;
    const whole = Math.floor(instant / 1000) * 1000;
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(whole))
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - whole;
  }

  wallMsAt(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /**
   * The instants at which the zone's clocks read a wall time, earliest first: none inside a gap
   * (clocks moved forward over it), two inside an overlap (clocks moved back over it).
   */
  instantsOf(wallMs: number): number[] {
    if (!this.format) return [wallMs];
    const offsets = new Set([this.offsetAt(wallMs - DAY_MS), this.offsetAt(wallMs + DAY_MS)]);
    const instants: number[] = [];
    for (const offset of offsets) {
      const instant = wallMs - offset;
      if (this.offsetAt(instant) === offset) instants.push(instant);
    }
    return instants.sort((a, b) => a - b);
  }

  /** The least and greatest offsets in force within a day either side of a wall time. */
  offsetBounds(wallMs: number): { min: number; max: number } {
    if (!this.format) return { min: 0, max: 0 };
    const a = this.offsetAt(wallMs - 2 * DAY_MS);
    const b = this.offsetAt(wallMs + 2 * DAY_MS);
    return { min: Math.min(a, b), max: Math.max(a, b) };
  }
}
