import { dueAt, validateBusinessCalendar, type BusinessCalendar } from '../../domain/businessHours';
import { holidaysFromICalendar, ICalendarImportError } from '../../domain/businessHours/icalHolidays';

function calendarFile(...events: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//holidays//EN', ...events, 'END:VCALENDAR', ''].join(
    '\r\n',
  );
}

function event(lines: string[]): string {
  return ['BEGIN:VEVENT', ...lines, 'END:VEVENT'].join('\r\n');
}

const christmas = event([
  'UID:xmas@test',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;VALUE=DATE:20241225',
  'DTEND;VALUE=DATE:20241227',
  'RRULE:FREQ=YEARLY',
  'SUMMARY:Weihnachten',
]);
const unityDay = event([
  'UID:unity@test',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;VALUE=DATE:20261003',
  'SUMMARY:Tag der Deutschen Einheit',
]);
const teamMeeting = event([
  'UID:meeting@test',
  'DTSTAMP:20260101T000000Z',
  'DTSTART:20261210T130000Z',
  'DTEND:20261210T150000Z',
  'SUMMARY:Offsite',
]);

describe('holidaysFromICalendar', () => {
  it('takes single and yearly all-day events within the asked period, sorted', () => {
    const { holidays, skipped } = holidaysFromICalendar({
      ics: calendarFile(christmas, unityDay, teamMeeting),
      fromDate: '2026-01-01',
      toDate: '2027-12-31',
    });
    expect(holidays).toEqual([
      { date: '2026-10-03', name: 'Tag der Deutschen Einheit' },
      { date: '2026-12-25', name: 'Weihnachten' },
      { date: '2026-12-26', name: 'Weihnachten' },
      { date: '2027-12-25', name: 'Weihnachten' },
      { date: '2027-12-26', name: 'Weihnachten' },
    ]);
    expect(skipped).toEqual([{ summary: 'Offsite', reason: 'is not an all-day event; enter it as a partial closure' }]);
  });

  it('gives holidays a calendar accepts and skips', () => {
    const { holidays } = holidaysFromICalendar({
      ics: calendarFile(christmas),
      fromDate: '2026-01-01',
      toDate: '2026-12-31',
    });
    const calendar: BusinessCalendar = {
      version: 1,
      timeZone: 'Europe/Berlin',
      weeklyHours: {
        thursday: [{ start: '09:00', end: '18:00' }],
        friday: [{ start: '09:00', end: '18:00' }],
        monday: [{ start: '09:00', end: '18:00' }],
      },
      holidays,
    };
    expect(validateBusinessCalendar({ calendar })).toEqual([]);
    // Thursday 24 December 17:30 CET + 1 h: Friday 25th is a holiday, so Monday 28th 09:30.
    expect(dueAt({ calendar, from: '2026-12-24T16:30:00Z', businessMinutes: 60 })).toBe('2026-12-28T08:30:00.000Z');
  });

  it('refuses an unreadable file, a bad period and a rule that recurs without end', () => {
    expect(() => holidaysFromICalendar({ ics: 'garbage', fromDate: '2026-01-01', toDate: '2026-12-31' })).toThrow(
      ICalendarImportError,
    );
    expect(() => holidaysFromICalendar({ ics: 'garbage', fromDate: '2026-01-01', toDate: '2026-12-31' })).toThrow(
      /not a readable iCalendar file/,
    );
    expect(() =>
      holidaysFromICalendar({ ics: calendarFile(unityDay), fromDate: '2026-12-31', toDate: '2026-01-01' }),
    ).toThrow(/fromDate first/);
    const everyDaySince1970 = event([
      'UID:noisy@test',
      'DTSTAMP:20260101T000000Z',
      'DTSTART;VALUE=DATE:19700101',
      'RRULE:FREQ=DAILY',
      'SUMMARY:Every day',
    ]);
    expect(() =>
      holidaysFromICalendar({ ics: calendarFile(everyDaySince1970), fromDate: '2026-01-01', toDate: '2026-12-31' }),
    ).toThrow(/recurs too often/);
  });
});
