/**
 * Publish times are entered by people in their brand's time zone and stored, compared and timed
 * in UTC. These conversions are the one place where wall-clock time meets instants.
 */
import { DateTime, IANAZone } from 'luxon';

export type PublishTimeErrorCode =
  | 'invalid_time_zone'
  | 'invalid_instant'
  | 'invalid_local_time'
  | 'nonexistent_local_time'
  | 'ambiguous_input'
  | 'out_of_range'
  | 'in_the_past'
  | 'too_far_ahead';

export class PublishTimeError extends Error {
  override readonly name = 'PublishTimeError';
  constructor(
    readonly code: PublishTimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** A wall-clock time without offset: 2026-12-01T09:00, optionally with seconds and milliseconds. */
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
/** An instant must say where it is: a trailing Z or a numeric offset. */
const INSTANT_WITH_OFFSET =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|(?<sign>[+-])(?<hours>\d{2}):?(?<minutes>\d{2}))$/i;
/** A calendar day as people enter it. */
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Every date and instant the system reads lies in these years. Before 1970 nothing was published;
 * after 9999 ISO-8601 needs a sign and Postgres refuses what JavaScript writes. Years such as 0000
 * would otherwise reach Postgres, which has no year zero.
 */
export const EARLIEST_YEAR = 1970;
export const LATEST_YEAR = 9999;
export const EARLIEST_INSTANT_MS = Date.UTC(EARLIEST_YEAR, 0, 1);
export const LATEST_INSTANT_MS = Date.UTC(LATEST_YEAR, 11, 31, 23, 59, 59, 999);

/** Real offsets run from -12:00 to +14:00; anything wider is a typing error, not a place. */
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * A publish time may lie this far in the past: the moment a person pressed "send" for "now"
 * has passed by the time the request arrives.
 */
export const PUBLISH_GRACE_MS = 60_000;
/** Further ahead than this, a publish time is a typing error (2062 for 2026), not a plan. */
export const MAX_YEARS_AHEAD = 10;

export function isValidTimeZone(timeZone: string): boolean {
  return typeof timeZone === 'string' && timeZone.length > 0 && IANAZone.isValidZone(timeZone);
}

/** The zone's canonical spelling ("europe/paris" → "Europe/Paris"), for storing. */
export function canonicalTimeZone(timeZone: string): string {
  assertTimeZone(timeZone);
  return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
}

/**
 * Turns either an instant with an offset, or a local wall time in `timeZone`, into an ISO UTC
 * instant. A wall time that occurs twice (clocks going back) means its first occurrence; one
 * that never occurs (clocks going forward) is refused rather than silently moved.
 */
export function toUtcInstant({
  localDateTime,
  instant,
  timeZone,
}: {
  localDateTime?: string;
  instant?: string;
  timeZone: string;
}): string {
  assertTimeZone(timeZone);
  if ((localDateTime === undefined) === (instant === undefined)) {
    throw new PublishTimeError(
      'ambiguous_input',
      'give either a local date and time or an instant, not both or neither',
    );
  }
  if (instant !== undefined) return parseInstant(instant).toUTC().toISO()!;
  return localToUtc({ localDateTime: localDateTime!, timeZone }).toUTC().toISO()!;
}

/** The calendar day ('YYYY-MM-DD') on which the instant falls in the zone. */
export function localDay({ instant, timeZone }: { instant: string; timeZone: string }): string {
  assertTimeZone(timeZone);
  return parseInstant(instant).setZone(timeZone).toISODate()!;
}

/** The wall-clock time ('YYYY-MM-DDTHH:mm') the instant shows in the zone. */
export function toLocalDateTime({ instant, timeZone }: { instant: string; timeZone: string }): string {
  assertTimeZone(timeZone);
  return parseInstant(instant).setZone(timeZone).toFormat("yyyy-MM-dd'T'HH:mm");
}

function assertTimeZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) {
    throw new PublishTimeError(
      'invalid_time_zone',
      `"${quoted(timeZone)}" is not an IANA time zone such as Europe/Paris`,
    );
  }
}

/**
 * An ISO-8601 instant with Z or an offset within ±14:00, in the years the system handles, as its
 * canonical UTC form (2026-12-01T08:00:00.000Z).
 */
export function parseInstant(instant: string): DateTime {
  const match = typeof instant === 'string' ? INSTANT_WITH_OFFSET.exec(instant) : null;
  if (!match) {
    throw new PublishTimeError(
      'invalid_instant',
      `"${quoted(instant)}" is not an ISO-8601 instant with an offset such as 2026-12-01T08:00:00Z; ` +
        'for a wall-clock time give localDateTime and a time zone',
    );
  }
  const { sign, hours: offsetHours, minutes: offsetMinutes } = match.groups ?? {};
  if (sign !== undefined) {
    const minutes = Number(offsetHours) * 60 + Number(offsetMinutes);
    if (Number(offsetMinutes) > 59 || minutes > MAX_OFFSET_MINUTES) {
      throw new PublishTimeError(
        'invalid_instant',
        `"${instant}" has the offset ${sign}${offsetHours}:${offsetMinutes}; offsets run from -14:00 to +14:00`,
      );
    }
  }
  const parsed = DateTime.fromISO(instant, { setZone: true });
  if (!parsed.isValid) {
    throw new PublishTimeError(
      'invalid_instant',
      `"${instant}" is not a valid date and time (${parsed.invalidExplanation})`,
    );
  }
  assertWithinYears(parsed.toMillis(), instant);
  return parsed;
}

/** The instant in its canonical UTC form, for storing and comparing. */
export function canonicalInstant(instant: string): string {
  return parseInstant(instant).toUTC().toISO()!;
}

/** A calendar day 'YYYY-MM-DD' that exists, in the years the system handles. */
export function parseLocalDate(day: string): string {
  const parsed = typeof day === 'string' && LOCAL_DATE.test(day) ? DateTime.fromISO(day, { zone: 'utc' }) : undefined;
  if (!parsed?.isValid) {
    throw new PublishTimeError('invalid_local_time', `"${quoted(day)}" is not a calendar day such as 2026-12-01`);
  }
  if (parsed.year < EARLIEST_YEAR || parsed.year > LATEST_YEAR) {
    throw new PublishTimeError('out_of_range', `${day} is outside the years ${EARLIEST_YEAR} to ${LATEST_YEAR}`);
  }
  return day;
}

/** Whole days from one calendar day to another (0 when equal, negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * Every day from `from` to `to` inclusive. Counted, not compared as text: past 9999-12-31 the ISO
 * form of a day gains a sign and sorts before every ordinary day, so a loop comparing strings never ends.
 */
export function daysFrom({ from, to }: { from: string; to: string }): string[] {
  const start = DateTime.fromISO(parseLocalDate(from), { zone: 'utc' });
  const count = daysBetween(from, parseLocalDate(to)) + 1;
  return Array.from({ length: Math.max(count, 0) }, (_, index) => start.plus({ days: index }).toISODate()!);
}

/**
 * The instants at which the days `from` to `to` start and end in the zone, clamped to the years the
 * system handles (the end of 9999-12-31 in New York is already in the year 10000).
 */
export function dayRangeInZone({ from, to, timeZone }: { from: string; to: string; timeZone: string }): {
  start: string;
  end: string;
} {
  assertTimeZone(timeZone);
  const start = DateTime.fromISO(parseLocalDate(from), { zone: timeZone }).startOf('day').toMillis();
  const end = DateTime.fromISO(parseLocalDate(to), { zone: timeZone }).plus({ days: 1 }).startOf('day').toMillis();
  const clamp = (ms: number) => Math.min(Math.max(ms, EARLIEST_INSTANT_MS), LATEST_INSTANT_MS);
  return { start: new Date(clamp(start)).toISOString(), end: new Date(clamp(end)).toISOString() };
}

/**
 * Refuses a publish time that has passed (beyond a minute's grace) or lies more than
 * MAX_YEARS_AHEAD ahead. `now` is the caller's clock in milliseconds.
 */
export function assertPublishable({ instant, now }: { instant: string; now: number }): void {
  const at = parseInstant(instant).toMillis();
  if (at < now - PUBLISH_GRACE_MS) {
    throw new PublishTimeError(
      'in_the_past',
      `publish time ${new Date(at).toISOString()} is in the past; choose a time from now on (or publish now)`,
    );
  }
  const latest = DateTime.fromMillis(now, { zone: 'utc' }).plus({ years: MAX_YEARS_AHEAD }).toMillis();
  if (at > latest) {
    throw new PublishTimeError(
      'too_far_ahead',
      `publish time ${new Date(at).toISOString()} is more than ${MAX_YEARS_AHEAD} years ahead`,
    );
  }
}

function assertWithinYears(ms: number, input: string): void {
  if (!(ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS)) {
    throw new PublishTimeError(
      'out_of_range',
      `"${input}" is outside the years ${EARLIEST_YEAR} to ${LATEST_YEAR} (UTC)`,
    );
  }
}

/** Enough of a refused value to recognise it, never a whole oversized input echoed back. */
function quoted(value: unknown): string {
  const text = String(value);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

function localToUtc({ localDateTime, timeZone }: { localDateTime: string; timeZone: string }): DateTime {
  const match = typeof localDateTime === 'string' ? LOCAL_DATE_TIME.exec(localDateTime) : null;
  if (!match) {
    throw new PublishTimeError(
      'invalid_local_time',
      `"${quoted(localDateTime)}" is not a local date and time such as 2026-12-01T09:00 (without offset)`,
    );
  }
  const [year, month, day, hour, minute, second = '0', millis = '0'] = match.slice(1);
  const fields = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    millisecond: Number(millis.padEnd(3, '0')),
  };
  const asIfUtc = DateTime.fromObject(fields, { zone: 'utc' });
  if (!asIfUtc.isValid) {
    throw new PublishTimeError(
      'invalid_local_time',
      `"${localDateTime}" is not a valid date and time (${asIfUtc.invalidExplanation})`,
    );
  }
  if (fields.year < EARLIEST_YEAR || fields.year > LATEST_YEAR) {
    throw new PublishTimeError(
      'out_of_range',
      `${localDateTime} is outside the years ${EARLIEST_YEAR} to ${LATEST_YEAR}`,
    );
  }

  // Offsets can only change around a transition; the ones in force a day either side are the
  // only candidates. A candidate is right when the zone really has that offset at that instant.
  const zone = IANAZone.create(timeZone);
  const wallMs = asIfUtc.toMillis();
  const offsetsNearby = [...new Set([zone.offset(wallMs - DAY_MS), zone.offset(wallMs + DAY_MS)])];
  const matches = offsetsNearby
    .map((offsetMinutes) => wallMs - offsetMinutes * MINUTE_MS)
    .filter((utcMs) => (wallMs - utcMs) / MINUTE_MS === zone.offset(utcMs))
    .sort((a, b) => a - b);
  if (matches.length === 0) {
    const skipped = Math.abs(zone.offset(wallMs + DAY_MS) - zone.offset(wallMs - DAY_MS));
    throw new PublishTimeError(
      'nonexistent_local_time',
      `${localDateTime} does not exist in ${timeZone}: the clocks jump forward ${skipped} minutes over it; choose another time`,
    );
  }
  assertWithinYears(matches[0], localDateTime);
  return DateTime.fromMillis(matches[0], { zone: 'utc' });
}
