/**
 * Publish times are entered by people in their brand's time zone and stored, compared and timed
 * in UTC. These conversions are the one place where wall-clock time meets instants.
 */
import { DateTime, IANAZone } from 'luxon';

export type PublishTimeErrorCode =
  'invalid_time_zone' | 'invalid_instant' | 'invalid_local_time' | 'nonexistent_local_time' | 'ambiguous_input';

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
const INSTANT_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

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
      `"${String(timeZone)}" is not an IANA time zone such as Europe/Paris`,
    );
  }
}

function parseInstant(instant: string): DateTime {
  if (typeof instant !== 'string' || !INSTANT_WITH_OFFSET.test(instant)) {
    throw new PublishTimeError(
      'invalid_instant',
      `"${String(instant)}" is not an ISO-8601 instant with an offset such as 2026-12-01T08:00:00Z; ` +
        'for a wall-clock time give localDateTime and a time zone',
    );
  }
  const parsed = DateTime.fromISO(instant, { setZone: true });
  if (!parsed.isValid) {
    throw new PublishTimeError(
      'invalid_instant',
      `"${instant}" is not a valid date and time (${parsed.invalidExplanation})`,
    );
  }
  return parsed;
}

function localToUtc({ localDateTime, timeZone }: { localDateTime: string; timeZone: string }): DateTime {
  const match = typeof localDateTime === 'string' ? LOCAL_DATE_TIME.exec(localDateTime) : null;
  if (!match) {
    throw new PublishTimeError(
      'invalid_local_time',
      `"${String(localDateTime)}" is not a local date and time such as 2026-12-01T09:00 (without offset)`,
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
  return DateTime.fromMillis(matches[0], { zone: 'utc' });
}
