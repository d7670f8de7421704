import {
  PublishTimeError,
  canonicalTimeZone,
  isValidTimeZone,
  localDay,
  toLocalDateTime,
  toUtcInstant,
} from '../../domain/publishTime';

function errorOf(fn: () => unknown): PublishTimeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PublishTimeError) return error;
    throw error;
  }
  throw new Error('expected a PublishTimeError');
}

describe('isValidTimeZone', () => {
  it.each(['Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'UTC', 'Pacific/Chatham'])('accepts %s', (zone) => {
    expect(isValidTimeZone(zone)).toBe(true);
  });

  it.each(['', 'Mars/Olympus_Mons', '+05:00', 'GMT+25', 'Europe/'])('rejects %j', (zone) => {
    expect(isValidTimeZone(zone)).toBe(false);
  });

  it('spells a zone the canonical way for storage', () => {
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(() => canonicalTimeZone('Nowhere/City')).toThrow(PublishTimeError);
  });
});

describe('toUtcInstant from a local wall time', () => {
  it.each([
    ['2026-12-01T09:00', 'Europe/Paris', '2026-12-01T08:00:00.000Z'],
    ['2026-07-01T09:00', 'Europe/Paris', '2026-07-01T07:00:00.000Z'],
    ['2026-12-01T09:00', 'America/New_York', '2026-12-01T14:00:00.000Z'],
    ['2026-07-01T09:00', 'America/New_York', '2026-07-01T13:00:00.000Z'],
    ['2026-12-01T09:00', 'Asia/Kolkata', '2026-12-01T03:30:00.000Z'],
    ['2026-12-01T09:00', 'Australia/Sydney', '2026-11-30T22:00:00.000Z'],
    ['2026-12-01T09:00:30.5', 'UTC', '2026-12-01T09:00:30.500Z'],
  ])('reads %s in %s as %s', (localDateTime, timeZone, expected) => {
    expect(toUtcInstant({ localDateTime, timeZone })).toBe(expected);
  });

  it('uses the offset in force on each side of the spring change to summer time', () => {
    expect(toUtcInstant({ localDateTime: '2026-03-29T01:59', timeZone: 'Europe/Berlin' })).toBe(
      '2026-03-29T00:59:00.000Z',
    );
    expect(toUtcInstant({ localDateTime: '2026-03-29T03:00', timeZone: 'Europe/Berlin' })).toBe(
      '2026-03-29T01:00:00.000Z',
    );
  });

  it('refuses a wall time that the spring change skips, saying why', () => {
    const error = errorOf(() => toUtcInstant({ localDateTime: '2027-03-14T02:30', timeZone: 'America/New_York' }));
    expect(error.code).toBe('nonexistent_local_time');
    expect(error.message).toBe(
      '2027-03-14T02:30 does not exist in America/New_York: the clocks jump forward 60 minutes over it; choose another time',
    );
  });

  it('refuses a day a zone skipped entirely', () => {
    const error = errorOf(() => toUtcInstant({ localDateTime: '2011-12-30T12:00', timeZone: 'Pacific/Apia' }));
    expect(error.code).toBe('nonexistent_local_time');
    expect(error.message).toContain('1440 minutes');
  });

  it('takes the first occurrence of a wall time that the autumn change repeats', () => {
    expect(toUtcInstant({ localDateTime: '2027-11-07T01:30', timeZone: 'America/New_York' })).toBe(
      '2027-11-07T05:30:00.000Z',
    );
    expect(toUtcInstant({ localDateTime: '2026-10-25T02:30', timeZone: 'Europe/Berlin' })).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });

  it('handles a zone whose summer time moves clocks by half an hour', () => {
    // Lord Howe Island is UTC+10:30 in winter and UTC+11 in summer.
    expect(toUtcInstant({ localDateTime: '2026-07-01T09:00', timeZone: 'Australia/Lord_Howe' })).toBe(
      '2026-06-30T22:30:00.000Z',
    );
    expect(toUtcInstant({ localDateTime: '2026-12-01T09:00', timeZone: 'Australia/Lord_Howe' })).toBe(
      '2026-11-30T22:00:00.000Z',
    );
  });

  it.each([
    ['2026-12-01', 'invalid_local_time'],
    ['2026-12-01 09:00', 'invalid_local_time'],
    ['2026-12-01T09:00Z', 'invalid_local_time'],
    ['2026-12-01T09:00+01:00', 'invalid_local_time'],
    ['2026-02-30T09:00', 'invalid_local_time'],
    ['2026-12-01T24:30', 'invalid_local_time'],
  ])('refuses %j as a local time', (localDateTime, code) => {
    expect(errorOf(() => toUtcInstant({ localDateTime, timeZone: 'Europe/Paris' })).code).toBe(code);
  });
});

describe('toUtcInstant from an instant', () => {
  it.each([
    ['2026-12-01T09:00:00+01:00', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01T09:00:00Z', '2026-12-01T09:00:00.000Z'],
    ['2026-12-01T09:00Z', '2026-12-01T09:00:00.000Z'],
    ['2026-12-01T03:30:00.250-05:30', '2026-12-01T09:00:00.250Z'],
  ])('normalises %s to %s', (instant, expected) => {
    expect(toUtcInstant({ instant, timeZone: 'Asia/Tokyo' })).toBe(expected);
  });

  it('refuses an instant without an offset, pointing to the local form', () => {
    const error = errorOf(() => toUtcInstant({ instant: '2026-12-01T09:00:00', timeZone: 'Europe/Paris' }));
    expect(error.code).toBe('invalid_instant');
    expect(error.message).toContain('localDateTime');
  });

  it('refuses an impossible date', () => {
    expect(errorOf(() => toUtcInstant({ instant: '2026-02-30T09:00:00Z', timeZone: 'UTC' })).code).toBe(
      'invalid_instant',
    );
  });
});

describe('toUtcInstant input', () => {
  it('refuses an unknown time zone even for an instant', () => {
    const error = errorOf(() => toUtcInstant({ instant: '2026-12-01T09:00:00Z', timeZone: 'Europe/Atlantis' }));
    expect(error.code).toBe('invalid_time_zone');
    expect(error.message).toBe('"Europe/Atlantis" is not an IANA time zone such as Europe/Paris');
  });

  it('refuses both forms at once, and neither', () => {
    expect(
      errorOf(() =>
        toUtcInstant({ localDateTime: '2026-12-01T09:00', instant: '2026-12-01T09:00:00Z', timeZone: 'UTC' }),
      ).code,
    ).toBe('ambiguous_input');
    expect(errorOf(() => toUtcInstant({ timeZone: 'UTC' })).code).toBe('ambiguous_input');
  });
});

describe('localDay and toLocalDateTime', () => {
  it('places an instant on the calendar day it falls on in the brand zone', () => {
    expect(localDay({ instant: '2026-12-01T23:30:00.000Z', timeZone: 'UTC' })).toBe('2026-12-01');
    expect(localDay({ instant: '2026-12-01T23:30:00.000Z', timeZone: 'Asia/Tokyo' })).toBe('2026-12-02');
    expect(localDay({ instant: '2026-12-01T02:00:00.000Z', timeZone: 'America/Los_Angeles' })).toBe('2026-11-30');
  });

  it('puts the repeated autumn hour on the right day', () => {
    expect(localDay({ instant: '2026-11-01T05:30:00.000Z', timeZone: 'America/New_York' })).toBe('2026-11-01');
    expect(localDay({ instant: '2026-11-01T03:59:00.000Z', timeZone: 'America/New_York' })).toBe('2026-10-31');
  });

  it('shows the wall time an instant has in the zone, round-tripping a local entry', () => {
    const instant = toUtcInstant({ localDateTime: '2026-03-29T03:15', timeZone: 'Europe/Berlin' });
    expect(toLocalDateTime({ instant, timeZone: 'Europe/Berlin' })).toBe('2026-03-29T03:15');
    expect(toLocalDateTime({ instant, timeZone: 'UTC' })).toBe('2026-03-29T01:15');
  });

  it('refuses a bad instant or zone with a typed error', () => {
    expect(errorOf(() => localDay({ instant: 'tomorrow', timeZone: 'UTC' })).code).toBe('invalid_instant');
    expect(errorOf(() => localDay({ instant: '2026-12-01T00:00:00Z', timeZone: 'Moon/Base' })).code).toBe(
      'invalid_time_zone',
    );
  });
});
