import fc from 'fast-check';
import {
  BusinessCalendarError,
  dueAt,
  elapsedBetween,
  isOpenAt,
  nextOpening,
  validateBusinessCalendar,
  WEEKDAYS,
  type BusinessCalendar,
  type OpeningRange,
  type Weekday,
} from '../../domain/businessHours';

const NINE_TO_SIX: OpeningRange[] = [{ start: '09:00', end: '18:00' }];

function weekdays({
  timeZone,
  ranges = NINE_TO_SIX,
  holidays = [],
  version = 1,
}: {
  timeZone: string;
  ranges?: OpeningRange[];
  holidays?: BusinessCalendar['holidays'];
  version?: number;
}): BusinessCalendar {
  const days: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
  return { version, timeZone, weeklyHours: Object.fromEntries(days.map((day) => [day, ranges])), holidays };
}

function roundTheClock(timeZone: string): BusinessCalendar {
  return {
    version: 1,
    timeZone,
    weeklyHours: Object.fromEntries(WEEKDAYS.map((day) => [day, [{ start: '00:00', end: '24:00' }]])),
    holidays: [],
  };
}

const berlin = weekdays({ timeZone: 'Europe/Berlin' });

describe('dueAt', () => {
  it('carries a target over the weekend: Friday 17:55 plus one hour is Monday 09:55', () => {
    // 2026-12-04 is a Friday; Berlin is UTC+1 in winter.
    expect(dueAt({ calendar: berlin, from: '2026-12-04T16:55:00Z', businessMinutes: 60 })).toBe(
      '2026-12-07T08:55:00.000Z',
    );
  });

  it('starts counting at the next opening when the message arrives while closed', () => {
    expect(dueAt({ calendar: berlin, from: '2026-12-05T11:00:00Z', businessMinutes: 15 })).toBe(
      '2026-12-07T08:15:00.000Z',
    );
    expect(dueAt({ calendar: berlin, from: '2026-12-07T06:00:00+01:00', businessMinutes: 15 })).toBe(
      '2026-12-07T08:15:00.000Z',
    );
  });

  it('is due at closing time when the target ends exactly there, not at the next opening', () => {
    expect(dueAt({ calendar: berlin, from: '2026-12-04T16:00:00Z', businessMinutes: 60 })).toBe(
      '2026-12-04T17:00:00.000Z',
    );
  });

  it('is due at the start itself for a target of zero', () => {
    expect(dueAt({ calendar: berlin, from: '2026-12-05T11:00:00Z', businessMinutes: 0 })).toBe(
      '2026-12-05T11:00:00.000Z',
    );
  });

  it('skips whole-day holidays', () => {
    const calendar = weekdays({
      timeZone: 'Europe/Berlin',
      holidays: [
        { date: '2026-12-24', name: 'Heiligabend' },
        { date: '2026-12-25', name: 'Weihnachten' },
      ],
    });
    // Wednesday 23rd 17:30 local + 1 h: 30 min on the 23rd, the 24th and 25th closed, weekend, Monday 28th.
    expect(dueAt({ calendar, from: '2026-12-23T16:30:00Z', businessMinutes: 60 })).toBe('2026-12-28T08:30:00.000Z');
  });

  it('skips only the closed part of a half-day holiday', () => {
    const calendar = weekdays({
      timeZone: 'Europe/Berlin',
      holidays: [{ date: '2026-12-31', closedRanges: [{ start: '12:00', end: '24:00' }] }],
    });
    // Thursday 31st 11:00 local + 2 h: one hour until noon, then Friday 1 January 09:00 + 1 h.
    expect(dueAt({ calendar, from: '2026-12-31T10:00:00Z', businessMinutes: 120 })).toBe('2027-01-01T09:00:00.000Z');
  });

  it('spans several days for a long target without counting nights', () => {
    // 4 business days of 9 h = 36 h from Monday 09:00 → Friday 09:00... plus 2 h → Friday 11:00.
    expect(dueAt({ calendar: berlin, from: '2026-12-07T08:00:00Z', businessMinutes: 38 * 60 })).toBe(
      '2026-12-11T10:00:00.000Z',
    );
  });

  it('handles a target of a year of business time in few steps', () => {
    const due = dueAt({ calendar: berlin, from: '2026-01-05T08:00:00Z', businessMinutes: 52 * 5 * 9 * 60 });
    // 52 weeks of weekdays from Monday 5 January 2026 end on Friday 1 January 2027 at 18:00 CET.
    expect(due).toBe('2027-01-01T17:00:00.000Z');
  });

  it('uses the right offset on both sides of the spring-forward weekend in Berlin', () => {
    // Friday 27 March 2026 17:00 CET (16:00Z) + 2 h → Monday 30 March 10:00 CEST (08:00Z).
    expect(dueAt({ calendar: berlin, from: '2026-03-27T16:00:00Z', businessMinutes: 120 })).toBe(
      '2026-03-30T08:00:00.000Z',
    );
  });

  it('uses the right offset on both sides of the fall-back weekend in Berlin', () => {
    // Friday 23 October 2026 17:00 CEST (15:00Z) + 2 h → Monday 26 October 10:00 CET (09:00Z).
    expect(dueAt({ calendar: berlin, from: '2026-10-23T15:00:00Z', businessMinutes: 120 })).toBe(
      '2026-10-26T09:00:00.000Z',
    );
  });

  it('counts the real length of a night range over the skipped and the repeated hour', () => {
    const nights: BusinessCalendar = {
      version: 1,
      timeZone: 'Europe/Berlin',
      weeklyHours: { sunday: [{ start: '01:00', end: '05:00' }] },
      holidays: [],
    };
    expect(elapsedBetween({ calendar: nights, from: '2026-03-28T00:00:00Z', to: '2026-03-30T00:00:00Z' })).toEqual({
      calendarMinutes: 48 * 60,
      businessMinutes: 3 * 60,
    });
    expect(elapsedBetween({ calendar: nights, from: '2026-10-24T00:00:00Z', to: '2026-10-26T00:00:00Z' })).toEqual({
      calendarMinutes: 48 * 60,
      businessMinutes: 5 * 60,
    });
  });

  it('follows New York across its own clock changes', () => {
    const newYork = weekdays({ timeZone: 'America/New_York' });
    // Friday 6 March 2026 17:30 EST (22:30Z) + 1 h → Monday 9 March 09:30 EDT (13:30Z).
    expect(dueAt({ calendar: newYork, from: '2026-03-06T22:30:00Z', businessMinutes: 60 })).toBe(
      '2026-03-09T13:30:00.000Z',
    );
    // Friday 30 October 2026 17:30 EDT (21:30Z) + 1 h → Monday 2 November 09:30 EST (14:30Z).
    expect(dueAt({ calendar: newYork, from: '2026-10-30T21:30:00Z', businessMinutes: 60 })).toBe(
      '2026-11-02T14:30:00.000Z',
    );
  });

  it('reads weekdays in zones east of UTC where the local day starts before UTC midnight', () => {
    const tokyo = weekdays({ timeZone: 'Asia/Tokyo' });
    // Sunday 6 December 2026 23:30Z is Monday 08:30 in Tokyo: counting starts at 09:00 local (00:00Z).
    expect(dueAt({ calendar: tokyo, from: '2026-12-06T23:30:00Z', businessMinutes: 30 })).toBe(
      '2026-12-07T00:30:00.000Z',
    );
    const auckland = weekdays({ timeZone: 'Pacific/Auckland' });
    // Friday 4 December 2026 04:30Z is Friday 17:30 NZDT (UTC+13): 30 min left, Monday 09:00 + 30 min.
    expect(dueAt({ calendar: auckland, from: '2026-12-04T04:30:00Z', businessMinutes: 60 })).toBe(
      '2026-12-06T20:30:00.000Z',
    );
  });

  it('reads weekdays in zones west of UTC where the local day ends after UTC midnight', () => {
    const losAngeles = weekdays({ timeZone: 'America/Los_Angeles' });
    // Saturday 5 December 2026 01:00Z is still Friday 17:00 PST: one hour left that day.
    expect(dueAt({ calendar: losAngeles, from: '2026-12-05T01:00:00Z', businessMinutes: 90 })).toBe(
      '2026-12-07T17:30:00.000Z',
    );
  });

  it('lets business time flow through midnight when a night shift is split at 24:00', () => {
    const nightShift: BusinessCalendar = {
      version: 1,
      timeZone: 'UTC',
      weeklyHours: {
        monday: [{ start: '22:00', end: '24:00' }],
        tuesday: [{ start: '00:00', end: '06:00' }],
      },
      holidays: [],
    };
    expect(dueAt({ calendar: nightShift, from: '2026-12-07T23:00:00Z', businessMinutes: 180 })).toBe(
      '2026-12-08T02:00:00.000Z',
    );
    expect(isOpenAt({ calendar: nightShift, at: '2026-12-08T00:00:00Z' })).toBe(true);
  });

  it('counts calendar time on a round-the-clock calendar, clock changes included', () => {
    const always = roundTheClock('Europe/Berlin');
    expect(dueAt({ calendar: always, from: '2026-03-28T11:00:00Z', businessMinutes: 24 * 60 })).toBe(
      '2026-03-29T11:00:00.000Z',
    );
    expect(dueAt({ calendar: always, from: '2026-10-24T11:00:00Z', businessMinutes: 24 * 60 })).toBe(
      '2026-10-25T11:00:00.000Z',
    );
    expect(dueAt({ calendar: always, from: '2026-01-01T00:00:00Z', businessMinutes: 365 * 24 * 60 })).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('refuses a negative or non-finite target and an instant without an offset', () => {
    expect(() => dueAt({ calendar: berlin, from: '2026-12-04T16:55:00Z', businessMinutes: -1 })).toThrow(RangeError);
    expect(() => dueAt({ calendar: berlin, from: '2026-12-04T16:55:00Z', businessMinutes: Infinity })).toThrow(
      RangeError,
    );
    expect(() => dueAt({ calendar: berlin, from: '2026-12-04T16:55', businessMinutes: 1 })).toThrow(
      /from must be an ISO 8601 instant/,
    );
    expect(() => dueAt({ calendar: berlin, from: '2026-02-30T16:55:00Z', businessMinutes: 1 })).toThrow(
      /from must be an ISO 8601 instant/,
    );
  });

  it('refuses an invalid calendar with the reasons', () => {
    const broken = { ...berlin, timeZone: 'Mars/Olympus' };
    expect(() => dueAt({ calendar: broken, from: '2026-12-04T16:55:00Z', businessMinutes: 1 })).toThrow(
      /timeZone "Mars\/Olympus" is not an IANA time zone/,
    );
  });

  it('gives up with a clear error when holidays close the calendar for years', () => {
    const mondaysOnly: BusinessCalendar = {
      version: 7,
      timeZone: 'UTC',
      weeklyHours: { monday: NINE_TO_SIX },
      holidays: Array.from({ length: 120 }, (_, week) => ({
        date: new Date(Date.UTC(2026, 11, 7 + week * 7)).toISOString().slice(0, 10),
      })),
    };
    let thrown: unknown;
    try {
      dueAt({ calendar: mondaysOnly, from: '2026-12-07T00:00:00Z', businessMinutes: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BusinessCalendarError);
    expect(thrown).toMatchObject({
      code: 'never_opens',
      message: expect.stringContaining('version 7 has no open hours'),
    });
  });
});

describe('elapsedBetween', () => {
  it('counts only open time between two instants', () => {
    // Friday 17:00 local to Monday 10:00 local: 1 h on Friday + 1 h on Monday.
    expect(elapsedBetween({ calendar: berlin, from: '2026-12-04T16:00:00Z', to: '2026-12-07T09:00:00Z' })).toEqual({
      calendarMinutes: 65 * 60,
      businessMinutes: 120,
    });
  });

  it('is zero over a weekend and for an empty interval', () => {
    expect(
      elapsedBetween({ calendar: berlin, from: '2026-12-05T00:00:00Z', to: '2026-12-06T23:00:00Z' }).businessMinutes,
    ).toBe(0);
    expect(elapsedBetween({ calendar: berlin, from: '2026-12-07T10:00:00Z', to: '2026-12-07T10:00:00Z' })).toEqual({
      calendarMinutes: 0,
      businessMinutes: 0,
    });
  });

  it('keeps seconds as fractions of a minute', () => {
    expect(
      elapsedBetween({ calendar: berlin, from: '2026-12-07T10:00:00Z', to: '2026-12-07T10:00:30Z' }).businessMinutes,
    ).toBe(0.5);
  });

  it('refuses an end before the start', () => {
    expect(() =>
      elapsedBetween({ calendar: berlin, from: '2026-12-07T10:00:00Z', to: '2026-12-07T09:00:00Z' }),
    ).toThrow(/is before from/);
  });
});

describe('isOpenAt and nextOpening', () => {
  it('treats opening time as open and closing time as closed', () => {
    expect(isOpenAt({ calendar: berlin, at: '2026-12-07T08:00:00Z' })).toBe(true);
    expect(isOpenAt({ calendar: berlin, at: '2026-12-07T16:59:59Z' })).toBe(true);
    expect(isOpenAt({ calendar: berlin, at: '2026-12-07T17:00:00Z' })).toBe(false);
    expect(isOpenAt({ calendar: berlin, at: '2026-12-05T10:00:00Z' })).toBe(false);
  });

  it('is closed on a holiday and in a lunch break', () => {
    const calendar = weekdays({
      timeZone: 'Europe/Berlin',
      ranges: [
        { start: '13:00', end: '18:00' },
        { start: '09:00', end: '12:00' },
      ],
      holidays: [{ date: '2026-12-08' }],
    });
    expect(isOpenAt({ calendar, at: '2026-12-07T11:30:00Z' })).toBe(false);
    expect(isOpenAt({ calendar, at: '2026-12-07T12:30:00Z' })).toBe(true);
    expect(isOpenAt({ calendar, at: '2026-12-08T09:00:00Z' })).toBe(false);
    expect(nextOpening({ calendar, from: '2026-12-07T11:30:00Z' })).toBe('2026-12-07T12:00:00.000Z');
    expect(nextOpening({ calendar, from: '2026-12-07T17:30:00Z' })).toBe('2026-12-09T08:00:00.000Z');
  });

  it('answers the instant itself when already open', () => {
    expect(nextOpening({ calendar: berlin, from: '2026-12-07T10:00:00Z' })).toBe('2026-12-07T10:00:00.000Z');
    expect(nextOpening({ calendar: berlin, from: '2026-12-04T17:00:00Z' })).toBe('2026-12-07T08:00:00.000Z');
  });
});

describe('validateBusinessCalendar', () => {
  it('accepts a well-formed calendar', () => {
    expect(validateBusinessCalendar({ calendar: berlin })).toEqual([]);
    expect(validateBusinessCalendar({ calendar: roundTheClock('Pacific/Auckland') })).toEqual([]);
  });

  it('names every malformed, reversed, midnight-crossing and overlapping range', () => {
    const problems = validateBusinessCalendar({
      calendar: {
        version: 1,
        timeZone: 'Europe/Berlin',
        weeklyHours: {
          monday: [
            { start: '9:00', end: '18:00' },
            { start: '10:00', end: '25:00' },
          ],
          tuesday: [{ start: '22:00', end: '06:00' }],
          wednesday: [
            { start: '09:00', end: '13:00' },
            { start: '12:00', end: '18:00' },
          ],
          thursday: [{ start: '24:00', end: '24:00' }],
        },
        holidays: [],
      },
    });
    expect(problems).toEqual([
      { path: 'weeklyHours.monday[0].start', message: expect.stringContaining('HH:mm') },
      { path: 'weeklyHours.monday[1].end', message: expect.stringContaining('HH:mm') },
      { path: 'weeklyHours.tuesday[0]', message: expect.stringContaining('may not cross midnight') },
      {
        path: 'weeklyHours.wednesday[1]',
        message: 'overlaps weeklyHours.wednesday[0]; ranges of one day must not overlap',
      },
      { path: 'weeklyHours.thursday[0].start', message: expect.stringContaining('00:00 to 23:59') },
    ]);
  });

  it('refuses an unknown zone, a bad version, unknown weekdays, a week without hours and bad holidays', () => {
    const problems = validateBusinessCalendar({
      calendar: {
        version: 0,
        timeZone: 'Europe/Atlantis',
        weeklyHours: { funday: NINE_TO_SIX } as BusinessCalendar['weeklyHours'],
        holidays: [
          { date: '2026-02-30' },
          { date: '2026-12-24' },
          { date: '2026-12-24', closedRanges: [{ start: '14:00', end: '12:00' }] },
        ],
      },
    });
    expect(problems.map((problem) => problem.path)).toEqual([
      'version',
      'timeZone',
      'weeklyHours.funday',
      'weeklyHours',
      'holidays[0].date',
      'holidays[2].date',
      'holidays[2].closedRanges[0]',
    ]);
    expect(problems[3].message).toContain('opens on no day of the week');
    expect(problems[5].message).toBe('2026-12-24 is already listed at holidays[1]');
  });
});

describe('business time properties', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Pacific/Auckland', 'America/Los_Angeles'];
  const start = fc
    .integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) })
    .map((ms) => new Date(ms - (ms % 60_000)).toISOString());
  const calendars = fc.constantFrom(...zones).map((timeZone) =>
    weekdays({
      timeZone,
      ranges: [
        { start: '08:30', end: '12:00' },
        { start: '13:00', end: '17:30' },
      ],
      holidays: [{ date: '2026-12-25' }, { date: '2027-01-01', closedRanges: [{ start: '08:00', end: '10:00' }] }],
    }),
  );

  it('measures back exactly the business time it added', () => {
    fc.assert(
      fc.property(calendars, start, fc.integer({ min: 1, max: 10_000 }), (calendar, from, minutes) => {
        const due = dueAt({ calendar, from, businessMinutes: minutes });
        expect(elapsedBetween({ calendar, from, to: due }).businessMinutes).toBe(minutes);
      }),
      { numRuns: 60 },
    );
  });

  it('never puts a due time in the middle of a closure: the minute before it is open', () => {
    fc.assert(
      fc.property(calendars, start, fc.integer({ min: 1, max: 5_000 }), (calendar, from, minutes) => {
        const due = dueAt({ calendar, from, businessMinutes: minutes });
        const minuteBefore = new Date(Date.parse(due) - 60_000).toISOString();
        expect(isOpenAt({ calendar, at: minuteBefore })).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('never moves a due time earlier when the start moves later', () => {
    fc.assert(
      fc.property(
        calendars,
        start,
        fc.integer({ min: 0, max: 7 * 24 * 60 }),
        fc.integer({ min: 1, max: 5_000 }),
        (calendar, from, delayMinutes, minutes) => {
          const later = new Date(Date.parse(from) + delayMinutes * 60_000).toISOString();
          const dueEarly = Date.parse(dueAt({ calendar, from, businessMinutes: minutes }));
          const dueLate = Date.parse(dueAt({ calendar, from: later, businessMinutes: minutes }));
          expect(dueLate).toBeGreaterThanOrEqual(dueEarly);
        },
      ),
      { numRuns: 60 },
    );
  });
});
