/**
 * The KPI definitions on small hand-built data: each number a report shows can be checked by hand
 * against the README's table.
 */
import type { BusinessCalendar } from '../../domain/businessHours';
import {
  applyEvent,
  createSlaState,
  DEFAULT_SLA_POLICY,
  type ConversationEvent,
  type FinishedSlaClock,
  type RunningSlaClock,
} from '../../domain/sla';
import {
  attainment,
  bestTimes,
  bottleneck,
  clockFactOf,
  contentReport,
  longestGap,
  performanceReport,
  previousPeriod,
  publishingReport,
  responsesReport,
  stageCycles,
  summarize,
  wholePeriodsWithin,
  type ClockFact,
  type PlannedVariant,
  type StageStay,
  type VariantResult,
} from '../../domain/reports';

const HOUR = 3_600_000;
const weekdaysBerlin: BusinessCalendar = {
  version: 1,
  timeZone: 'Europe/Berlin',
  weeklyHours: Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [day, [{ start: '09:00', end: '18:00' }]]),
  ),
  holidays: [],
};

/** The clocks a conversation ends up with, through the real SLA state machine. */
function clocksOf(events: ConversationEvent[]): (FinishedSlaClock | RunningSlaClock)[] {
  let state = createSlaState({ policy: DEFAULT_SLA_POLICY, calendar: weekdaysBerlin, priority: 'normal' });
  for (const event of events) state = applyEvent({ state, event }).state;
  return [...state.finished, ...state.running];
}

function facts(events: ConversationEvent[], extra: Partial<ClockFact> = {}): ClockFact[] {
  return clocksOf(events).map((clock) => ({
    ...clockFactOf({ clock, brandId: 'b', queue: 'care', assigneeId: 'aggie' }),
    ...extra,
  }));
}

function clock(overrides: Partial<ClockFact>): ClockFact {
  return {
    kind: 'first_response',
    status: 'met',
    endedBy: 'human_reply',
    startedAt: '2026-12-07T10:00:00.000Z',
    elapsedCalendarMinutes: 10,
    elapsedBusinessMinutes: 10,
    brandId: 'b',
    queue: 'care',
    assigneeId: 'aggie',
    priority: 'normal',
    ...overrides,
  };
}

describe('summaries', () => {
  it('gives the median, p90 and mean, interpolating between neighbours', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ count: 4, median: 2.5, p90: 3.7, mean: 2.5 });
    expect(summarize([7])).toEqual({ count: 1, median: 7, p90: 7, mean: 7 });
  });

  it('is empty, not zero, without values', () => {
    expect(summarize([])).toEqual({ count: 0, median: null, p90: null, mean: null });
  });
});

describe('responses', () => {
  it('counts a first response across a weekend in business time from Friday evening to Monday morning', () => {
    // Friday 2026-12-04 17:00 Berlin (16:00Z) → Monday 2026-12-07 10:00 Berlin (09:00Z).
    const clocks = facts([
      { type: 'customer_message', at: '2026-12-04T16:00:00.000Z', messageId: 'm1' },
      { type: 'human_reply', at: '2026-12-07T09:00:00.000Z', messageId: 'r1' },
    ]);
    const [row] = responsesReport({ clocks, by: 'brand', timeZone: 'Europe/Berlin' });
    expect(row.firstResponse.calendarMinutes).toMatchObject({ count: 1, median: 65 * 60, mean: 65 * 60 });
    // One hour on Friday (17:00–18:00) and one on Monday (09:00–10:00).
    expect(row.firstResponse.businessMinutes).toMatchObject({ count: 1, median: 120, p90: 120 });
    expect(row).toMatchObject({ conversations: 1, responded: 1, responseRate: 1 });
  });

  it('measures every reply from the oldest customer message it answered', () => {
    const clocks = facts([
      { type: 'customer_message', at: '2026-12-07T09:00:00.000Z', messageId: 'm1' },
      { type: 'human_reply', at: '2026-12-07T09:10:00.000Z', messageId: 'r1' },
      { type: 'customer_message', at: '2026-12-07T10:00:00.000Z', messageId: 'm2' },
      { type: 'customer_message', at: '2026-12-07T10:20:00.000Z', messageId: 'm3' },
      { type: 'human_reply', at: '2026-12-07T10:30:00.000Z', messageId: 'r2' },
    ]);
    const [row] = responsesReport({ clocks, by: 'brand', timeZone: 'Europe/Berlin' });
    expect(row.firstResponse.calendarMinutes.median).toBe(10);
    expect(row.allReplies.calendarMinutes).toMatchObject({ count: 2, median: 20, mean: 20 });
  });

  it('excludes targets still open from attainment, even past their due time', () => {
    const result = attainment([
      clock({ status: 'met' }),
      clock({ status: 'breached' }),
      clock({ status: 'breached' }),
      clock({ status: 'running', endedBy: null }),
      clock({ status: 'paused', endedBy: null }),
      clock({ status: 'closed_without_reply', endedBy: 'closed_without_reply' }),
    ]);
    expect(result).toEqual({ met: 1, breached: 2, attainment: 0.3333 });
    expect(attainment([clock({ status: 'running' })]).attainment).toBeNull();
  });

  it('counts conversations needing a reply without spam, answered only by a person', () => {
    const [row] = responsesReport({
      clocks: [
        clock({}),
        clock({ status: 'running', endedBy: null }),
        clock({ status: 'closed_unanswered', endedBy: 'inactivity' }),
        clock({ status: 'closed_without_reply', endedBy: 'closed_without_reply' }),
      ],
      by: 'brand',
      timeZone: 'UTC',
    });
    expect(row).toMatchObject({ conversations: 3, responded: 1, responseRate: 0.3333 });
    expect(row.sla.first_response).toEqual({ met: 1, breached: 0, attainment: 1 });
  });

  it('groups by agent, queue, priority, and by day and week in the brand zone', () => {
    const clocks = [
      clock({ assigneeId: 'aggie', startedAt: '2026-12-06T23:30:00.000Z' }),
      clock({ assigneeId: 'bob', queue: null, priority: 'urgent', startedAt: '2026-12-07T10:00:00.000Z' }),
    ];
    const groups = (by: 'agent' | 'queue' | 'priority' | 'day' | 'week', zone = 'Europe/Berlin') =>
      responsesReport({ clocks, by, timeZone: zone }).map((row) => row.group);
    expect(groups('agent')).toEqual(['aggie', 'bob']);
    expect(groups('queue')).toEqual(['(none)', 'care']);
    expect(groups('priority')).toEqual(['normal', 'urgent']);
    // 23:30Z on Sunday is already Monday in Berlin, but still Sunday in UTC.
    expect(groups('day')).toEqual(['2026-12-07']);
    expect(groups('week', 'UTC')).toEqual(['2026-11-30', '2026-12-07']);
    expect(groups('week')).toEqual(['2026-12-07']);
  });
});

function stay(stage: string, hours: number, overrides: Partial<StageStay> = {}): StageStay {
  return {
    postId: 'p1',
    brandId: 'b',
    campaignId: null,
    stage,
    enteredAt: '2026-12-07T09:00:00.000Z',
    leftAt: '2026-12-07T12:00:00.000Z',
    durationMs: hours * HOUR,
    ...overrides,
  };
}

describe('content', () => {
  it('names the review stage with the longest median stay as the bottleneck', () => {
    const cycles = stageCycles([
      stay('drafting', 50),
      stay('copy_edit', 2),
      stay('copy_edit', 4),
      stay('legal_review', 1),
      stay('legal_review', 10),
      stay('legal_review', 12),
    ]);
    expect(cycles.find((cycle) => cycle.stage === 'legal_review')).toEqual({
      stage: 'legal_review',
      count: 3,
      medianMs: 10 * HOUR,
      meanMs: (23 / 3) * HOUR,
    });
    // Drafting is the author's own time, not a review stage.
    expect(bottleneck(cycles)).toEqual({ stage: 'legal_review', medianMs: 10 * HOUR });
  });

  it('breaks a tie on the median with the longer mean, and has no bottleneck without reviews', () => {
    const tie = stageCycles([
      stay('design', 2),
      stay('design', 4),
      stay('final_approval', 3),
      stay('final_approval', 3),
    ]);
    expect(bottleneck(tie)?.stage).toBe('design');
    expect(bottleneck(stageCycles([stay('drafting', 5)]))).toBeNull();
  });

  it('measures idea to published, approval rounds and forced decisions per group', () => {
    const rows = contentReport({
      stays: [stay('copy_edit', 1, { campaignId: 'spring' })],
      journeys: [
        {
          postId: 'p1',
          brandId: 'b',
          campaignId: 'spring',
          createdAt: '2026-12-01T09:00:00.000Z',
          publishedAt: '2026-12-03T09:00:00.000Z',
          changeRequests: 2,
        },
        {
          postId: 'p2',
          brandId: 'b',
          campaignId: null,
          createdAt: '2026-12-01T09:00:00.000Z',
          publishedAt: '2026-12-01T21:00:00.000Z',
          changeRequests: 0,
        },
      ],
      forced: [
        {
          postId: 'p3',
          brandId: 'b',
          campaignId: 'spring',
          stage: 'legal_review',
          decision: 'reject',
          at: '2026-12-02T00:00:00Z',
        },
      ],
      by: 'campaign',
      timeZone: 'UTC',
    });
    expect(rows.map((row) => row.group)).toEqual(['(none)', 'spring']);
    const [none, spring] = rows;
    expect(spring.ideaToPublishedMs).toMatchObject({ count: 1, median: 48 * HOUR });
    expect(spring.approvalRounds).toEqual({ posts: 1, total: 2, mean: 2, max: 2 });
    expect(spring.forcedDecisions).toEqual({ total: 1, byStage: { legal_review: 1 } });
    expect(spring.bottleneck).toEqual({ stage: 'copy_edit', medianMs: HOUR });
    expect(none.approvalRounds).toEqual({ posts: 1, total: 0, mean: 0, max: 0 });
    expect(none.forcedDecisions.total).toBe(0);
  });
});

function variant(accountId: string, plannedAt: string, publishedAt: string | null): PlannedVariant {
  return {
    postId: `${accountId}-${plannedAt}`,
    brandId: 'b',
    accountId,
    platform: accountId.startsWith('x') ? 'x' : 'linkedin',
    plannedAt,
    publishedAt,
    status: publishedAt ? 'published' : 'failed',
  };
}

describe('publishing consistency', () => {
  const range = { rangeStart: '2026-12-07T00:00:00.000Z', rangeEnd: '2026-12-14T00:00:00.000Z' };

  it('finds the longest silence, counting the range ends as boundaries', () => {
    expect(longestGap({ publishedAt: [], ...range }).ms).toBe(7 * 24 * HOUR);
    const gap = longestGap({
      publishedAt: ['2026-12-08T00:00:00.000Z', '2026-12-13T00:00:00.000Z', '2026-12-07T12:00:00.000Z'],
      ...range,
    });
    expect(gap).toEqual({ ms: 5 * 24 * HOUR, from: '2026-12-08T00:00:00.000Z', to: '2026-12-13T00:00:00.000Z' });
  });

  it('an account posting daily on time has short gaps and meets its cadence', () => {
    const daily = Array.from({ length: 7 }, (_, day) => {
      const at = new Date(Date.parse(range.rangeStart) + day * 24 * HOUR + 12 * HOUR).toISOString();
      return variant('x-1', at, new Date(Date.parse(at) + 5 * 60_000).toISOString());
    });
    const [row] = publishingReport({
      accounts: [{ accountId: 'x-1', platform: 'x', brandId: 'b' }],
      variants: daily,
      by: 'account',
      ...range,
      toleranceMinutes: 15,
      plannedPostsPerWeek: 7,
    });
    expect(row).toMatchObject({ published: 7, onTime: 7, onTimeShare: 1, postsPerAccountPerWeek: 7, cadenceShare: 1 });
    expect(row.longestGap).toMatchObject({ accountId: 'x-1', hours: 24 });
  });

  it('with a gap: late posts, a failure and a silent account show up', () => {
    const rows = publishingReport({
      accounts: [
        { accountId: 'x-1', platform: 'x', brandId: 'b' },
        { accountId: 'li-1', platform: 'linkedin', brandId: 'b' },
      ],
      variants: [
        variant('x-1', '2026-12-07T09:00:00.000Z', '2026-12-07T09:10:00.000Z'),
        variant('x-1', '2026-12-08T09:00:00.000Z', '2026-12-08T10:00:00.000Z'),
        variant('x-1', '2026-12-09T09:00:00.000Z', null),
      ],
      by: 'brand',
      ...range,
      toleranceMinutes: 15,
      plannedPostsPerWeek: 2,
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      accounts: 2,
      planned: 3,
      published: 2,
      failed: 1,
      onTime: 1,
      onTimeShare: 0.5,
      postsPerAccountPerWeek: 1,
      plannedPostsPerWeek: 2,
      cadenceShare: 0.5,
    });
    // LinkedIn published nothing: the whole week is its gap.
    expect(rows[0].longestGap).toMatchObject({ accountId: 'li-1', hours: 168 });
  });
});

function result(accountId: string, publishedAt: string, counts: Partial<VariantResult> = {}): VariantResult {
  return {
    postId: `p-${publishedAt}`,
    brandId: 'b',
    accountId,
    platform: 'x',
    campaignId: null,
    publishedAt,
    impressions: 100,
    reach: 0,
    likes: 0,
    comments: 0,
    shares: 0,
    saves: 0,
    clicks: 0,
    ...counts,
  };
}

describe('performance', () => {
  it('sums counters per group and rates engagement only where reach is known', () => {
    const [row] = performanceReport({
      variants: [
        result('x-1', '2026-12-07T09:00:00Z', { reach: 200, likes: 10, comments: 5, shares: 3, saves: 2, clicks: 7 }),
        result('x-1', '2026-12-08T09:00:00Z', { likes: 50 }),
      ],
      by: 'account',
      timeZone: 'UTC',
    });
    expect(row).toMatchObject({ group: 'x-1', variants: 2, impressions: 200, likes: 60, clicks: 7, engagement: 70 });
    expect(row.engagementRate).toBe(0.1);
    expect(row.variantsWithReach).toBe(1);
  });

  it('ranks an account’s hours and weekdays in the brand zone, backed slots first', () => {
    const variants = [
      // Three Monday posts at 18:00 Berlin (17:00Z), engaging moderately.
      result('x-1', '2026-12-07T17:00:00Z', { likes: 30, reach: 300 }),
      result('x-1', '2026-12-14T17:00:00Z', { likes: 40, reach: 400 }),
      result('x-1', '2026-12-21T17:00:00Z', { likes: 50, reach: 500 }),
      // One lucky Tuesday post at 08:00 Berlin.
      result('x-1', '2026-12-08T07:00:00Z', { likes: 900 }),
      // Another account's post never counts.
      result('li-1', '2026-12-09T10:00:00Z', { likes: 5000 }),
    ];
    const best = bestTimes({ accountId: 'x-1', variants, timeZone: 'Europe/Berlin', minimumVariants: 3 });
    expect(best.variants).toBe(4);
    expect(best.hours[0]).toEqual({ slot: 18, variants: 3, meanEngagement: 40, engagementRate: 0.1 });
    expect(best.hours[1]).toMatchObject({ slot: 8, variants: 1, meanEngagement: 900 });
    expect(best.weekdays.map((slot) => slot.slot)).toEqual(['monday', 'tuesday']);
  });
});

describe('scheduled report periods', () => {
  it('covers the previous whole week or month in the brand zone', () => {
    expect(
      previousPeriod({ runAt: '2026-12-07T08:00:00.000Z', timeZone: 'Europe/Berlin', frequency: 'weekly' }),
    ).toEqual({ from: '2026-11-30', to: '2026-12-06' });
    expect(
      previousPeriod({ runAt: '2027-01-01T00:30:00.000Z', timeZone: 'Europe/Berlin', frequency: 'monthly' }),
    ).toEqual({ from: '2026-12-01', to: '2026-12-31' });
    // 23:30Z on the last day of December is still December in New York.
    expect(
      previousPeriod({ runAt: '2027-01-01T03:30:00.000Z', timeZone: 'America/New_York', frequency: 'monthly' }),
    ).toEqual({ from: '2026-11-01', to: '2026-11-30' });
  });
});

describe('whole weeks and months within a range of days', () => {
  it('reads a year as its twelve months and no single days', () => {
    expect(wholePeriodsWithin({ from: '2026-01-01', to: '2026-12-31' }, 'month')).toEqual({
      periods: { from: '2026-01-01', to: '2026-12-01' },
      daysBefore: null,
      daysAfter: null,
    });
  });

  it('reads the days before the first and after the last whole month one by one', () => {
    expect(wholePeriodsWithin({ from: '2026-01-15', to: '2026-04-10' }, 'month')).toEqual({
      periods: { from: '2026-02-01', to: '2026-03-01' },
      daysBefore: { from: '2026-01-15', to: '2026-01-31' },
      daysAfter: { from: '2026-04-01', to: '2026-04-10' },
    });
    // February of a leap year ends on the 29th.
    expect(wholePeriodsWithin({ from: '2028-02-01', to: '2028-02-29' }, 'month').periods).toEqual({
      from: '2028-02-01',
      to: '2028-02-01',
    });
    expect(wholePeriodsWithin({ from: '2028-02-01', to: '2028-02-28' }, 'month')).toEqual({
      periods: null,
      daysBefore: { from: '2028-02-01', to: '2028-02-28' },
      daysAfter: null,
    });
  });

  it('reads weeks from Monday to Sunday, the days around them one by one', () => {
    // 2026-11-30 is a Monday, 2026-12-27 a Sunday.
    expect(wholePeriodsWithin({ from: '2026-11-30', to: '2026-12-27' }, 'week')).toEqual({
      periods: { from: '2026-11-30', to: '2026-12-21' },
      daysBefore: null,
      daysAfter: null,
    });
    expect(wholePeriodsWithin({ from: '2026-01-01', to: '2026-12-31' }, 'week')).toEqual({
      periods: { from: '2026-01-05', to: '2026-12-21' },
      daysBefore: { from: '2026-01-01', to: '2026-01-04' },
      daysAfter: { from: '2026-12-28', to: '2026-12-31' },
    });
    expect(wholePeriodsWithin({ from: '2026-12-01', to: '2026-12-06' }, 'week')).toEqual({
      periods: null,
      daysBefore: { from: '2026-12-01', to: '2026-12-06' },
      daysAfter: null,
    });
  });

  it('reads a range without a whole month, or across a year end, day by day where it must', () => {
    expect(wholePeriodsWithin({ from: '2026-03-31', to: '2026-04-01' }, 'month')).toEqual({
      periods: null,
      daysBefore: { from: '2026-03-31', to: '2026-04-01' },
      daysAfter: null,
    });
    expect(wholePeriodsWithin({ from: '2026-12-02', to: '2027-01-31' }, 'month')).toEqual({
      periods: { from: '2027-01-01', to: '2027-01-01' },
      daysBefore: { from: '2026-12-02', to: '2026-12-31' },
      daysAfter: null,
    });
    expect(wholePeriodsWithin({ from: '2026-05-10', to: '2026-05-09' }, 'month')).toEqual({
      periods: null,
      daysBefore: null,
      daysAfter: null,
    });
  });
});
