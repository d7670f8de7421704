/**
 * How strictly dates are read at the edge: offsets that exist on Earth, years the system (and
 * Postgres) can hold, publish times from now on, and calendars whose days are counted even at the
 * very end of year 9999.
 */
import fc from 'fast-check';
import {
  LATEST_INSTANT_MS,
  PublishTimeError,
  assertPublishable,
  canonicalInstant,
  canonicalTimeZone,
  dayRangeInZone,
  daysFrom,
  parseLocalDate,
  toUtcInstant,
} from '../../domain/publishTime';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof PublishTimeError) return error.code;
    throw error;
  }
  throw new Error('expected a PublishTimeError');
}

const NOW = Date.parse('2026-12-02T12:00:00.000Z');

describe('reading an instant', () => {
  it.each([
    ['2026-12-01T09:00:00+14:00', '2026-11-30T19:00:00.000Z'],
    ['2026-12-01T09:00:00-12:00', '2026-12-01T21:00:00.000Z'],
    ['2026-12-01T09:00:00+0530', '2026-12-01T03:30:00.000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('accepts %s as %s', (instant, expected) => {
    expect(canonicalInstant(instant)).toBe(expected);
  });

  it.each([
    '2026-12-01T09:00:00+25:00',
    '2026-12-01T09:00:00+14:30',
    '2026-12-01T09:00:00-15:00',
    '2026-12-01T09:00+01:60',
  ])('refuses the offset of %s', (instant) => {
    expect(codeOf(() => canonicalInstant(instant))).toBe('invalid_instant');
  });

  it.each(['0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '1970-01-01T00:30:00+01:00'])(
    'refuses %s as outside the years 1970 to 9999',
    (instant) => {
      expect(codeOf(() => canonicalInstant(instant))).toBe('out_of_range');
    },
  );

  it('refuses an instant that only the sign of a six-digit year could write', () => {
    expect(codeOf(() => canonicalInstant('+275760-09-13T00:00:00Z'))).toBe('invalid_instant');
    expect(codeOf(() => canonicalInstant('9999-12-31T23:00:00-05:00'))).toBe('out_of_range');
  });

  it('refuses local times outside the years, including one that is year 10000 in UTC', () => {
    expect(codeOf(() => toUtcInstant({ localDateTime: '0000-01-01T09:00', timeZone: 'UTC' }))).toBe('out_of_range');
    expect(codeOf(() => toUtcInstant({ localDateTime: '9999-12-31T22:00', timeZone: 'America/New_York' }))).toBe(
      'out_of_range',
    );
  });

  it('never throws anything but a PublishTimeError, and what it accepts Postgres can store', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.date({ noInvalidDate: true }), (text, date) => {
        for (const candidate of [text, date.toISOString()]) {
          try {
            const instant = canonicalInstant(candidate);
            expect(instant).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
          } catch (error) {
            expect(error).toBeInstanceOf(PublishTimeError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('publish times', () => {
  it('accepts a time from a minute ago to ten years ahead', () => {
    expect(() => assertPublishable({ instant: '2026-12-02T11:59:30.000Z', now: NOW })).not.toThrow();
    expect(() => assertPublishable({ instant: '2036-12-02T12:00:00.000Z', now: NOW })).not.toThrow();
  });

  it('refuses a time in the past, beyond the grace minute', () => {
    expect(codeOf(() => assertPublishable({ instant: '2026-12-02T11:58:00.000Z', now: NOW }))).toBe('in_the_past');
    expect(codeOf(() => assertPublishable({ instant: '2020-01-01T09:00:00Z', now: NOW }))).toBe('in_the_past');
  });

  it('refuses a time more than ten years ahead', () => {
    expect(codeOf(() => assertPublishable({ instant: '2036-12-02T12:00:01.000Z', now: NOW }))).toBe('too_far_ahead');
    expect(codeOf(() => assertPublishable({ instant: '9999-12-31T00:00:00Z', now: NOW }))).toBe('too_far_ahead');
  });
});

describe('time zones', () => {
  it.each([
    ['utc', 'UTC'],
    ['europe/berlin', 'Europe/Berlin'],
    ['AMERICA/NEW_YORK', 'America/New_York'],
    ['Etc/UTC', 'UTC'],
  ])('stores %s as %s', (typed, canonical) => {
    expect(canonicalTimeZone(typed)).toBe(canonical);
  });
});

describe('calendar days', () => {
  it.each(['0000-01-01', '1969-12-31', '10000-01-01', '2023-02-29', '2026-13-01', '2026-1-01', ''])(
    'refuses %j as a day',
    (day) => {
      expect(() => parseLocalDate(day)).toThrow(PublishTimeError);
    },
  );

  it('lists the last days of year 9999 and stops', () => {
    expect(daysFrom({ from: '9999-12-29', to: '9999-12-31' })).toEqual(['9999-12-29', '9999-12-30', '9999-12-31']);
  });

  it('lists every day of a range across a leap day', () => {
    expect(daysFrom({ from: '2028-02-27', to: '2028-03-01' })).toEqual([
      '2028-02-27',
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
    ]);
  });

  it("keeps the range's bounds within what Postgres stores, even where the last day ends in year 10000", () => {
    const range = dayRangeInZone({ from: '9999-12-01', to: '9999-12-31', timeZone: 'America/New_York' });
    expect(range.start).toBe('9999-12-01T05:00:00.000Z');
    expect(range.end).toBe(new Date(LATEST_INSTANT_MS).toISOString());
  });

  it('bounds a day in the zone it is asked for', () => {
    expect(dayRangeInZone({ from: '2026-07-01', to: '2026-07-03', timeZone: 'Europe/Berlin' })).toEqual({
      start: '2026-06-30T22:00:00.000Z',
      end: '2026-07-03T22:00:00.000Z',
    });
  });
});
