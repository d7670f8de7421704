/**
 * Schedule specs and overlap policies on their own: which instants a spec matches (time zones,
 * clock changes, cron strings, exclusions, bounds) and what each overlap policy does with
 * pending starts.
 */
import { CompiledSpec } from '../src/schedules/spec';
import { resolveOverlap, type OverlapPolicy, type PendingStart } from '../src/schedules/overlap';
import type { WireScheduleSpec } from '../src/schedules/wire';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const seconds = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: 0 });

function times(spec: WireScheduleSpec, from: string, to: string, limit = 50): string[] {
  return CompiledSpec.compile(spec).timesBetween(at(from), at(to), limit).map(iso);
}

describe('calendar rules in a time zone', () => {
  test('09:00 on Mondays in Berlin is 08:00 UTC in winter and 07:00 UTC in summer', () => {
    expect(
      times(
        { calendar: [{ hour: '9', dayOfWeek: 'mon' }], timezoneName: 'Europe/Berlin' },
        '2027-03-15T00:00:00Z',
        '2027-04-06T00:00:00Z',
      ),
    ).toEqual(['2027-03-15T08:00:00Z', '2027-03-22T08:00:00Z', '2027-03-29T07:00:00Z', '2027-04-05T07:00:00Z']);
  });

  test('a wall time the clocks skip over never fires, and one they pass twice fires twice', () => {
    const daily = (hour: string): WireScheduleSpec => ({
      calendar: [{ hour, minute: '30' }],
      timezoneName: 'America/New_York',
    });
    // Clocks go from 02:00 to 03:00 on 14 March 2027: no 02:30 that day.
    expect(times(daily('2'), '2027-03-13T00:00:00Z', '2027-03-16T00:00:00Z')).toEqual([
      '2027-03-13T07:30:00Z',
      '2027-03-15T06:30:00Z',
    ]);
    // Clocks go from 02:00 back to 01:00 on 1 November 2026: 01:30 comes twice.
    expect(times(daily('1'), '2026-10-31T00:00:00Z', '2026-11-02T12:00:00Z')).toEqual([
      '2026-10-31T05:30:00Z',
      '2026-11-01T05:30:00Z',
      '2026-11-01T06:30:00Z',
      '2026-11-02T06:30:00Z',
    ]);
  });

  test('structured ranges: an end before the start means the start, a missing step means 1', () => {
    expect(
      times(
        {
          structuredCalendar: [
            {
              second: [{ start: 0 }],
              minute: [{ start: 0, end: 45, step: 15 }],
              hour: [{ start: 12, end: 3 }],
              dayOfMonth: [{ start: 1, end: 31 }],
              month: [{ start: 1, end: 12 }],
              dayOfWeek: [{ start: 0, end: 6 }],
            },
          ],
        },
        '2026-06-01T00:00:00Z',
        '2026-06-01T23:59:59Z',
      ),
    ).toEqual(['2026-06-01T12:00:00Z', '2026-06-01T12:15:00Z', '2026-06-01T12:30:00Z', '2026-06-01T12:45:00Z']);
  });

  test('a calendar whose years have passed matches nothing', () => {
    expect(CompiledSpec.compile({ calendar: [{ year: '2020' }] }).nextAfter(at('2026-01-01T00:00:00Z'))).toBe(
      undefined,
    );
  });

  test('an unknown time zone or an out-of-range value is refused with the reason', () => {
    expect(() => CompiledSpec.compile({ calendar: [{ hour: '9' }], timezoneName: 'Mars/Olympus' })).toThrow(
      /unknown time zone/,
    );
    expect(() => CompiledSpec.compile({ calendar: [{ hour: '24' }] })).toThrow(/hour/);
  });
});

describe('cron strings', () => {
  test('five fields with names, a time zone prefix and a comment', () => {
    const spec = CompiledSpec.compile({ cronString: ['CRON_TZ=Europe/London 0 18 * * mon-fri # end of day'] });
    expect(spec.toWire()).toMatchObject({
      timezoneName: 'Europe/London',
      structuredCalendar: [
        { comment: 'end of day', hour: [{ start: 18, end: 18, step: 1 }], dayOfWeek: [{ start: 1, end: 5, step: 1 }] },
      ],
    });
    expect(spec.timesBetween(at('2026-07-03T00:00:00Z'), at('2026-07-07T00:00:00Z'), 10).map(iso)).toEqual([
      '2026-07-03T17:00:00Z',
      '2026-07-06T17:00:00Z',
    ]);
  });

  test('seven fields start with seconds and end with the year; shorthands and @every work', () => {
    expect(times({ cronString: ['*/20 0 12 1 1 * 2027'] }, '2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z')).toEqual([
      '2027-01-01T12:00:00Z',
      '2027-01-01T12:00:20Z',
      '2027-01-01T12:00:40Z',
    ]);
    expect(times({ cronString: ['@daily'] }, '2026-05-01T00:00:00Z', '2026-05-03T00:00:00Z')).toEqual([
      '2026-05-02T00:00:00Z',
      '2026-05-03T00:00:00Z',
    ]);
    expect(times({ cronString: ['@every 90m/5m'] }, '2026-05-01T00:00:00Z', '2026-05-01T04:00:00Z')).toEqual([
      '2026-05-01T00:05:00Z',
      '2026-05-01T01:35:00Z',
      '2026-05-01T03:05:00Z',
    ]);
  });

  test('a cron string with the wrong number of fields is refused', () => {
    expect(() => CompiledSpec.compile({ cronString: ['* * *'] })).toThrow(/3 fields/);
  });
});

describe('intervals, exclusions and bounds', () => {
  test('an interval counts from the epoch plus its phase', () => {
    expect(
      times(
        { interval: [{ interval: seconds(6 * HOUR), phase: seconds(30 * 60_000) }] },
        '2026-05-01T00:00:00Z',
        '2026-05-01T23:00:00Z',
      ),
    ).toEqual(['2026-05-01T00:30:00Z', '2026-05-01T06:30:00Z', '2026-05-01T12:30:00Z', '2026-05-01T18:30:00Z']);
  });

  test('excluded times are skipped; start and end times bound the rest, both inclusive', () => {
    expect(
      times(
        {
          interval: [{ interval: seconds(DAY) }],
          excludeCalendar: [{ hour: '0', dayOfWeek: 'sat,sun' }],
          startTime: seconds(at('2026-05-01T00:00:00Z')),
          endTime: seconds(at('2026-05-06T00:00:00Z')),
        },
        '2026-01-01T00:00:00Z',
        '2027-01-01T00:00:00Z',
      ),
    ).toEqual([
      '2026-05-01T00:00:00Z',
      // 2 and 3 May 2026 are a Saturday and a Sunday.
      '2026-05-04T00:00:00Z',
      '2026-05-05T00:00:00Z',
      '2026-05-06T00:00:00Z',
    ]);
  });
});

describe('overlap policies', () => {
  const pending = (...policies: OverlapPolicy[]): PendingStart[] =>
    policies.map((overlap, i) => ({ scheduledTime: i * HOUR, overlap, manual: false }));
  const startedTimes = (starts: PendingStart[]): number[] => starts.map((start) => start.scheduledTime / HOUR);

  test('with nothing running the first start begins; the rest overlap with it', () => {
    const outcome = resolveOverlap(
      pending('SCHEDULE_OVERLAP_POLICY_SKIP', 'SCHEDULE_OVERLAP_POLICY_SKIP', 'SCHEDULE_OVERLAP_POLICY_ALLOW_ALL'),
      false,
    );
    expect(startedTimes(outcome.startNow)).toEqual([0, 2]);
    expect(outcome.skipped).toBe(1);
    expect(outcome.keep).toEqual([]);
  });

  test('BUFFER_ONE keeps the first waiting start and skips later ones; BUFFER_ALL keeps them all', () => {
    const one = resolveOverlap(pending(...Array<OverlapPolicy>(3).fill('SCHEDULE_OVERLAP_POLICY_BUFFER_ONE')), true);
    expect(startedTimes(one.startNow)).toEqual([]);
    expect(startedTimes(one.keep)).toEqual([0]);
    expect(one.skipped).toBe(2);

    const all = resolveOverlap(pending(...Array<OverlapPolicy>(3).fill('SCHEDULE_OVERLAP_POLICY_BUFFER_ALL')), true);
    expect(startedTimes(all.keep)).toEqual([0, 1, 2]);
    expect(all.skipped).toBe(0);
  });

  test('CANCEL_OTHER and TERMINATE_OTHER stop what runs and keep only the latest start', () => {
    const cancel = resolveOverlap(
      pending('SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER', 'SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER'),
      true,
    );
    expect(cancel).toMatchObject({ cancelRunning: true, terminateRunning: false, skipped: 1 });
    expect(startedTimes(cancel.keep)).toEqual([1]);

    const terminate = resolveOverlap(pending('SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER'), true);
    expect(terminate).toMatchObject({ cancelRunning: false, terminateRunning: true, skipped: 0 });
    expect(startedTimes(terminate.keep)).toEqual([0]);
  });
});
