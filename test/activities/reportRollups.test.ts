/**
 * The daily report rollups follow the projections they summarise, in the same statements: after
 * a sequence of writes with retries, refused older writes, updates and deletions, they hold
 * exactly what a recomputation from the projection rows gives, and the reports read from them
 * agree with the definitions applied to the raw rows.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { quietActivityEnvironment } from './activityEnvironment';
import { createPostActivities } from '../../activities';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { createWebhookNotifier } from '../../activities/notifier';
import { createMetricStore } from '../../db/metrics';
import { createReportReader, type ReportScope } from '../../db/reportReader';
import { rebuildRollups } from '../../db/reportRollups';
import { createReportStore } from '../../db/reports';
import { createThreadStore } from '../../db/threads';
import { dayRangeInZone } from '../../domain/publishTime';
import { bucketOf, contentReport, performanceReport, responsesReport } from '../../domain/reports';
import type { FinishedSlaClock, RunningSlaClock } from '../../domain/sla';
import type { PostStage } from '../../domain/types';
import { createTestKnex, insertAccount, insertBrand, uniqueId } from '../helpers/db';
import { postState } from './postStateFixture';

let db: Knex;
let activities: ReturnType<typeof createPostActivities>;
const env = quietActivityEnvironment();
const TIME_ZONE = 'America/New_York';

beforeAll(() => {
  db = createTestKnex();
  activities = createPostActivities({ db, connectors: createConnectorRegistry([]), notifier: createWebhookNotifier() });
});
afterAll(async () => {
  await db.destroy();
});

function runningClock(id: string, kind: RunningSlaClock['kind'], startedAt: string): RunningSlaClock {
  return {
    id,
    kind,
    cycle: 1,
    priority: 'high',
    timeBasis: 'calendar',
    targetMinutes: 60,
    startedAt,
    customerMessageIds: ['m1'],
    pausedAt: null,
    countingFrom: startedAt,
    consumedBusinessMinutes: 0,
    consumedCalendarMinutes: 0,
    pausedCalendarMinutes: 0,
    warnAt: null,
    dueAt: startedAt,
    escalations: [],
    reachedSteps: [],
    breachedAt: null,
    calendarVersion: 1,
    policyVersion: 1,
  };
}

function finishedClock(
  clock: RunningSlaClock,
  outcome: FinishedSlaClock['outcome'],
  endedBy: FinishedSlaClock['endedBy'],
  minutes: { calendar: number; business: number },
): FinishedSlaClock {
  return {
    id: clock.id,
    kind: clock.kind,
    cycle: 1,
    priority: clock.priority,
    timeBasis: 'calendar',
    targetMinutes: 60,
    startedAt: clock.startedAt,
    endedAt: clock.startedAt,
    endedBy,
    dueAt: clock.dueAt,
    outcome,
    breachedAt: null,
    elapsedCalendarMinutes: minutes.calendar,
    elapsedBusinessMinutes: minutes.business,
    pausedCalendarMinutes: 0,
    customerMessageIds: clock.customerMessageIds,
    calendarVersion: 1,
    policyVersion: 1,
  };
}

async function insertThread(brandId: string): Promise<string> {
  const threadId = uniqueId('thread');
  const account = await insertAccount(db, { brandId, platform: 'x' });
  await db('threads').insert({
    id: threadId,
    account_id: account.id,
    brand_id: brandId,
    platform: 'x',
    external_thread_id: threadId,
    workflow_id: `thread:${threadId}`,
    status: 'open',
    priority: 'high',
    category: 'question',
    queue: 'customer_care',
    last_sequence: 1,
    state: '{}',
    updated_at: new Date().toISOString(),
  });
  return threadId;
}

async function writeConversations(brandId: string): Promise<void> {
  const threads = createThreadStore(db);
  const attribution = (assigneeId: string | null) => ({ brandId, queue: 'customer_care', assigneeId });
  const first = runningClock('first-1', 'first_response', '2026-11-03T14:00:00.000Z');
  const next = runningClock('next-1', 'next_response', '2026-11-03T15:00:00.000Z');
  const resolution = runningClock('resolution-1', 'resolution', '2026-11-03T14:00:00.000Z');
  const threadId = await insertThread(brandId);
  const write = (sequence: number, clocks: (RunningSlaClock | FinishedSlaClock)[], assignee: string | null) =>
    threads.recordClocks({ threadId, sequence, clocks, attribution: attribution(assignee) });

  await write(1, [first, resolution], null);
  const answered = finishedClock(first, 'met', 'human_reply', { calendar: 12.5, business: 10 });
  await write(2, [answered, next], 'aggie');
  await write(2, [answered, next], 'aggie'); // the activity retried
  await write(1, [first, resolution], null); // an older transition delivered late: refused
  await write(3, [finishedClock(next, 'breached', 'human_reply', { calendar: 95, business: 80 })], 'bert');
  await write(4, [finishedClock(resolution, 'met', 'resolved', { calendar: 300, business: 240 })], 'bert');

  // Late evening in New York is the next day in UTC: the clock counts on the brand's day.
  const lateThread = await insertThread(brandId);
  const late = runningClock('first-1', 'first_response', '2026-11-04T03:30:00.000Z');
  await threads.recordClocks({
    threadId: lateThread,
    sequence: 2,
    clocks: [finishedClock(late, 'met', 'human_reply', { calendar: 3, business: 0 })],
    attribution: attribution('aggie'),
  });
  const spamThread = await insertThread(brandId);
  const spam = runningClock('first-1', 'first_response', '2026-11-05T12:00:00.000Z');
  await threads.recordClocks({
    threadId: spamThread,
    sequence: 2,
    clocks: [finishedClock(spam, 'closed_without_reply', 'closed_without_reply', { calendar: 1, business: 1 })],
    attribution: attribution(null),
  });
}

/**
 * Conversations at the month edges of the brand's zone: 03:30Z on 1 November is still 31 October
 * in New York, 04:30Z on 1 December still 30 November, 05:30Z already 1 December.
 */
async function writeMonthEdgeConversations(brandId: string): Promise<void> {
  const threads = createThreadStore(db);
  const edges: [string, FinishedSlaClock['outcome'], string, number][] = [
    ['2026-10-14T12:00:00.000Z', 'met', 'bert', 33],
    ['2026-11-01T03:30:00.000Z', 'met', 'aggie', 7],
    ['2026-12-01T04:30:00.000Z', 'breached', 'bert', 140],
    ['2026-12-01T05:30:00.000Z', 'met', 'aggie', 20],
  ];
  for (const [startedAt, outcome, assigneeId, minutes] of edges) {
    const clock = runningClock('first-1', 'first_response', startedAt);
    await threads.recordClocks({
      threadId: await insertThread(brandId),
      sequence: 2,
      clocks: [finishedClock(clock, outcome, 'human_reply', { calendar: minutes, business: minutes - 2 })],
      attribution: { brandId, queue: 'customer_care', assigneeId },
    });
  }
}

const content = { variants: [{ accountId: 'acc-x', platform: 'x' as const, text: 'Autumn blend is back', media: [] }] };

async function writePost(
  brandId: string,
  postId: string,
  hours: number[],
  start = '2026-11-02T08:00:00.000Z',
): Promise<void> {
  const stages: PostStage[] = ['drafting', 'design', 'copy_edit', 'scheduled'];
  let at = Date.parse(start);
  const steps = stages.map((stage, index) => {
    const step = {
      sequence: index + 1,
      action: `step-${index + 1}`,
      actorId: 'author-1',
      fromStage: index === 0 ? null : stages[index - 1],
      at: new Date(at).toISOString(),
      state: postState({ postId, brandId, stage, openStages: [stage], revision: 1, content, campaignId: 'autumn' }),
    };
    at += (hours[index] ?? 0) * 3_600_000;
    return step;
  });
  for (const step of steps) await env.run(activities.recordTransition, step);
  await env.run(activities.recordTransition, steps[2]); // retried
}

async function writeSnapshots(postId: string, likes: number[]): Promise<void> {
  const metrics = createMetricStore(db);
  const snapshot = (offsetMs: number, liked: number) => ({
    offsetMs,
    takenAt: new Date(Date.parse('2026-11-06T22:00:00.000Z') + offsetMs).toISOString(),
    accountId: 'acc-x',
    platform: 'x' as const,
    impressions: 100,
    reach: liked > 10 ? 50 : 0,
    likes: liked,
    comments: 1,
    shares: 0,
    saves: 0,
    clicks: 2,
  });
  const offsets = [3_600_000, 604_800_000, 86_400_000];
  for (const [index, liked] of likes.entries())
    await metrics.upsertSnapshot({ postId, snapshot: snapshot(offsets[index], liked) });
  await metrics.upsertSnapshot({ postId, snapshot: snapshot(offsets[1], likes[1]) }); // retried
}

type RollupRow = Record<string, unknown> & { count: number; total: number };
type Level = 'week' | 'month';

/** A brand's non-zero rollup rows of every level, in key order. */
async function rollupsOf(brandId: string): Promise<Record<'day' | Level, RollupRow[]>> {
  const levels = [
    ['report_rollups', 'day'],
    ['report_weekly_rollups', 'week'],
    ['report_monthly_rollups', 'month'],
  ] as const;
  const rows = await Promise.all(
    levels.map(async ([table, period]) => {
      const found = await db(table)
        .where({ brand_id: brandId })
        .whereNot('count', 0)
        .orderBy([period, 'report', 'dimension', 'group_value', 'subject', 'measure', 'bucket']);
      return found.map((row: Record<string, unknown>) => ({
        ...row,
        [period]: (row[period] as Date).toISOString(),
        count: Number(row.count),
        total: Math.round(Number(row.total) * 1e6) / 1e6,
      }));
    }),
  );
  return { day: rows[0], week: rows[1], month: rows[2] };
}

/** The weekly or monthly rows as the sums of the daily ones. */
function periodsOfDays(days: readonly RollupRow[], level: Level): RollupRow[] {
  const periods = new Map<string, RollupRow>();
  for (const { day, ...row } of days) {
    const start = DateTime.fromISO(day as string, { zone: 'utc' })
      .startOf(level)
      .toISO();
    const key = JSON.stringify([
      start,
      row.report,
      row.dimension,
      row.group_value,
      row.subject,
      row.measure,
      row.bucket,
    ]);
    const sum = periods.get(key);
    if (sum) {
      sum.count += row.count;
      sum.total = Math.round((sum.total + row.total) * 1e6) / 1e6;
    } else periods.set(key, { ...row, [level]: start });
  }
  return [...periods.values()].filter((row) => row.count !== 0);
}

async function writeEverything(brandId: string): Promise<ReportScope> {
  await writeConversations(brandId);
  await writeMonthEdgeConversations(brandId);
  const kept = uniqueId('post');
  const removed = uniqueId('post');
  await writePost(brandId, kept, [2, 5, 1]);
  // Drafting ends at 22:00 on 31 October in New York, design at midnight starting 1 November.
  await writePost(brandId, uniqueId('post'), [4, 2, 6], '2026-10-31T22:00:00.000Z');
  await writePost(brandId, removed, [3, 3, 3]);
  await writeSnapshots(kept, [4, 30, 20]);
  await writeSnapshots(removed, [8, 9, 9]);
  await db('posts').where({ id: removed }).del();
  return { brandId, timeZone: TIME_ZONE, from: '2026-11-01', to: '2026-11-30' };
}

it('holds what a recomputation from the projections gives, after retries, updates and deletions', async () => {
  const brand = await insertBrand(db, { timeZone: TIME_ZONE });
  await writeEverything(brand.id);

  const kept = await rollupsOf(brand.id);
  expect(kept.day.length).toBeGreaterThan(0);
  // Weeks and months are the sums of their days (the brand's days: 2026-10-31 late in New York is October).
  expect(kept.month.map((row) => row.month)).toEqual(expect.arrayContaining(['2026-10-01T00:00:00.000Z']));
  for (const level of ['week', 'month'] as const) {
    expect(kept[level]).toEqual(expect.arrayContaining(periodsOfDays(kept.day, level)));
    expect(kept[level]).toHaveLength(periodsOfDays(kept.day, level).length);
  }
  await rebuildRollups(db, brand.id);
  expect(await rollupsOf(brand.id)).toEqual(kept);
});

/** Every report read from the rollups equals the definitions applied to the raw rows of the scope. */
async function expectReportsAsDefined(scope: ReportScope): Promise<void> {
  const reader = createReportReader(db);
  const store = createReportStore(db);
  const range = { brandId: scope.brandId, ...dayRangeInZone({ from: scope.from, to: scope.to, timeZone: TIME_ZONE }) };

  const clocks = await store.responseClocks(range);
  for (const by of ['agent', 'day', 'week', 'priority'] as const) {
    // Each histogram bin holds equal values here, so even the medians are exact.
    expect((await reader.responses(scope, by)).rows).toEqual(responsesReport({ clocks, by, timeZone: TIME_ZONE }));
  }
  const [stays, journeys, forced] = await Promise.all([
    store.stageStays(range),
    store.publishedJourneys(range),
    store.forcedDecisions(range),
  ]);
  for (const by of ['brand', 'campaign', 'week'] as const) {
    expect((await reader.content(scope, by)).rows).toEqual(
      contentReport({ stays, journeys, forced, by, timeZone: TIME_ZONE }),
    );
  }
  const variants = await store.variantResults(range);
  for (const by of ['brand', 'account', 'week', 'campaign'] as const) {
    expect((await reader.performance(scope, by)).rows).toEqual(
      performanceReport({ variants, by, timeZone: TIME_ZONE }),
    );
  }
}

it('gives the reports the figures the definitions give over the raw rows', async () => {
  const brand = await insertBrand(db, { timeZone: TIME_ZONE });
  const scope = await writeEverything(brand.id);
  await expectReportsAsDefined(scope);
  const reader = createReportReader(db);

  const byAgent = (await reader.responses(scope, 'agent')).rows;
  // The first response moved from nobody to aggie, the next response to bert: nothing is left unassigned but spam.
  // Bert's breached answer on 30 November counts in November, aggie's 31 October and 1 December ones do not.
  expect(byAgent.map((row) => [row.group, row.conversations, row.responded])).toEqual([
    ['(unassigned)', 0, 0],
    ['aggie', 2, 2],
    ['bert', 1, 1],
  ]);
  expect((await reader.responses(scope, 'day')).rows.map((row) => row.group)).toEqual([
    '2026-11-03',
    '2026-11-05',
    '2026-11-30',
  ]);

  const [cycles] = (await reader.content(scope, 'brand')).rows;
  expect(cycles.stages.filter((stage) => stage.count > 0)).toEqual([
    { stage: 'drafting', count: 1, medianMs: 2 * 3_600_000, meanMs: 2 * 3_600_000 },
    { stage: 'design', count: 2, medianMs: 3.5 * 3_600_000, meanMs: 3.5 * 3_600_000 },
    { stage: 'copy_edit', count: 2, medianMs: 3.5 * 3_600_000, meanMs: 3.5 * 3_600_000 },
  ]);

  const [performance] = (await reader.performance(scope, 'brand')).rows;
  expect(performance).toMatchObject({ variants: 1, likes: 30, reach: 50, engagementRate: 0.62 });

  const best = await reader.bestTimes({ ...scope, accountId: 'acc-x', minimumVariants: 1 });
  // Published 22:00 UTC on Friday 6 November is 17:00 on Friday in New York.
  expect(best).toMatchObject({
    variants: 1,
    hours: [{ slot: 17, variants: 1, meanEngagement: 31 }],
    weekdays: [{ slot: 'friday', variants: 1, meanEngagement: 31 }],
  });
});

it('gives the same figures over ranges that start or end inside a week or month, read from them and days', async () => {
  const brand = await insertBrand(db, { timeZone: TIME_ZONE });
  const { brandId } = await writeEverything(brand.id);
  const ranges = [
    ['2026-10-15', '2026-12-10'],
    ['2026-10-01', '2026-12-31'],
    ['2026-10-31', '2026-11-30'],
    ['2026-11-04', '2026-12-31'],
    ['2026-11-01', '2026-12-01'],
    ['2026-11-02', '2026-11-29'],
    ['2026-10-28', '2026-11-04'],
    ['2026-10-26', '2026-11-08'],
  ];
  for (const [from, to] of ranges) await expectReportsAsDefined({ brandId, timeZone: TIME_ZONE, from, to });

  const reader = createReportReader(db);
  const agents = async (from: string, to: string) =>
    (await reader.responses({ brandId, timeZone: TIME_ZONE, from, to }, 'agent')).rows.map((row) => [
      row.group,
      row.conversations,
    ]);
  // October as a whole month holds bert's 14 October and aggie's late 31 October answers.
  expect(await agents('2026-10-01', '2026-10-31')).toEqual([
    ['aggie', 1],
    ['bert', 1],
  ]);
  // One day more, 1 November, read as a day next to the month.
  expect(await agents('2026-10-01', '2026-11-01')).toEqual([
    ['aggie', 1],
    ['bert', 1],
  ]);
  expect(await agents('2026-10-15', '2026-12-01')).toEqual([
    ['(unassigned)', 0],
    ['aggie', 4],
    ['bert', 1],
  ]);
});

it('places a duration in the same bin in the database as in the report code', async () => {
  const values = [0, 0.5, 1, 1.5, 999, 1000, 60_000, 3_600_000, 86_400_000 * 30];
  const { rows } = await db.raw<{ rows: { v: number; bucket: number }[] }>(
    `SELECT v, report_duration_bucket(v) AS bucket FROM unnest(?::float8[]) AS v ORDER BY v`,
    [values],
  );
  expect(rows.map((row) => row.bucket)).toEqual(values.map(bucketOf));
});

/**
 * Two conversations of one brand record their clocks at the same moment, their kinds in opposite
 * orders (a finished clock comes before the running ones): each transition subtracts and adds the
 * facts of every clock, so both touch the brand's first-response and resolution rollup rows.
 */
it('lets transitions of two conversations of one brand write their clocks at once without a deadlock', async () => {
  const brand = await insertBrand(db, { timeZone: TIME_ZONE });
  const threads = createThreadStore(db);
  const attribution = { brandId: brand.id, queue: 'customer_care', assigneeId: null };
  const at = '2026-11-03T14:00:00.000Z';
  const [one, two] = [await insertThread(brand.id), await insertThread(brand.id)];
  const first = runningClock('first-1', 'first_response', at);
  const resolution = runningClock('resolution-1', 'resolution', at);
  for (const threadId of [one, two])
    await threads.recordClocks({ threadId, sequence: 2, clocks: [first, resolution], attribution });

  let wroteSecond!: () => void;
  const secondWrote = new Promise<void>((resolve) => (wroteSecond = resolve));
  let wroteFirst!: () => void;
  const firstWrote = new Promise<void>((resolve) => (wroteFirst = resolve));
  const transition = (threadId: string, clocks: RunningSlaClock[], own: () => void, other: Promise<void>) =>
    db.transaction(async (trx) => {
      await threads.recordClocks({ threadId, sequence: 3, clocks: [clocks[0]], attribution }, trx);
      own();
      // Waits for the other transition to have written its first clock, or for it to be held back.
      await Promise.race([other, new Promise((resolve) => setTimeout(resolve, 500))]);
      await threads.recordClocks({ threadId, sequence: 3, clocks: [clocks[1]], attribution }, trx);
    });
  const outcomes = await Promise.allSettled([
    transition(one, [first, resolution], wroteFirst, secondWrote),
    firstWrote.then(() => transition(two, [resolution, first], wroteSecond, firstWrote)),
  ]);

  expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'recorded'))).toEqual([
    'recorded',
    'recorded',
  ]);
  const written = await db('sla_clocks')
    .whereIn('thread_id', [one, two])
    .select('thread_id', 'clock_id', 'last_sequence');
  expect(written.map((row) => row.last_sequence)).toEqual([3, 3, 3, 3]);
  const kept = await rollupsOf(brand.id);
  await rebuildRollups(db, brand.id);
  expect(await rollupsOf(brand.id)).toEqual(kept);
});
