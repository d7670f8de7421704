/**
 * The reports over HTTP: figures from the report projections as JSON and CSV, who may read and
 * configure them, hostile query parameters refused with 400 naming the field, stored reports,
 * the posting cadence and the brand's report schedule on Temporal.
 */
import type { Knex } from 'knex';
import { createPostStore } from '../../db/posts';
import { createReportStore } from '../../db/reports';
import type { Role } from '../../domain/types';
import { insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { call, projectPost, type ApiResponse } from './http';
import { brand, startLiveApi, type LiveApi } from './liveApi';

let live: LiveApi;
let fixture: BrandFixture;
let other: BrandFixture;
let db: Knex;

const HOUR = 3_600_000;
const RANGE = 'from=2026-11-02&to=2026-11-08';

async function insertThreadWithClocks(
  brandId: string,
  accountId: string,
  clocks: {
    kind: string;
    status: string;
    endedBy: string | null;
    startedAt: string;
    calendar?: number;
    business?: number;
    assignee?: string;
  }[],
): Promise<void> {
  const threadId = uniqueId('thread');
  await db('threads').insert({
    id: threadId,
    account_id: accountId,
    brand_id: brandId,
    platform: 'x',
    external_thread_id: threadId,
    workflow_id: `thread:${threadId}`,
    status: 'open',
    priority: 'normal',
    category: 'question',
    queue: 'customer_care',
    last_sequence: 1,
    state: '{}',
    updated_at: new Date().toISOString(),
  });
  await db('sla_clocks').insert(
    clocks.map((clock, index) => ({
      thread_id: threadId,
      clock_id: `c${index}`,
      kind: clock.kind,
      cycle: 1,
      priority: 'normal',
      status: clock.status,
      started_at: clock.startedAt,
      ended_at: clock.endedBy ? clock.startedAt : null,
      last_sequence: 1,
      detail: '{}',
      brand_id: brandId,
      queue: 'customer_care',
      assignee_id: clock.assignee ?? 'aggie',
      ended_by: clock.endedBy,
      elapsed_calendar_minutes: clock.calendar ?? null,
      elapsed_business_minutes: clock.business ?? null,
    })),
  );
}

async function seedPost(
  target: BrandFixture,
  input: { plannedAt: string; publishedAt: string; stays: [string, number][]; likes: number; reach: number },
): Promise<string> {
  const [x] = target.accounts;
  const variants = [
    {
      accountId: x.id,
      platform: x.platform,
      status: 'published' as const,
      publishedAt: input.publishedAt,
      attempts: 1,
    },
  ];
  const post = await projectPost(db, {
    brandId: target.brand.id,
    authorId: target.users.author.user.id,
    stage: 'tracking',
    publishAt: input.plannedAt,
    variants,
  });
  await createPostStore(db).writeVariants({ postId: post.postId, revision: post.revision, variants });
  let at = Date.parse(input.publishedAt) - input.stays.reduce((sum, [, hours]) => sum + hours * HOUR, 0);
  const stages = [...input.stays.map(([stage]) => stage), 'published'];
  await db('post_stage_durations').insert(
    input.stays.map(([stage, hours], index) => {
      const enteredAt = new Date(at).toISOString();
      at += hours * HOUR;
      return {
        post_id: post.postId,
        sequence: index + 2,
        brand_id: target.brand.id,
        stage,
        to_stage: stages[index + 1],
        action: 'step',
        entered_at: enteredAt,
        left_at: new Date(at).toISOString(),
        duration_ms: hours * HOUR,
      };
    }),
  );
  await db('variant_performance').insert({
    post_id: post.postId,
    account_id: x.id,
    brand_id: target.brand.id,
    platform: x.platform,
    published_at: input.publishedAt,
    offset_ms: 7 * 24 * HOUR,
    impressions: 1000,
    reach: input.reach,
    likes: input.likes,
  });
  return post.postId;
}

beforeAll(async () => {
  live = await startLiveApi();
  db = live.harness.db;
  fixture = await brand(live, ['x', 'linkedin']);
  other = await insertBrandFixture(db, { platforms: ['x'] });
  const [x] = fixture.accounts;
  // Monday 2026-11-02 in Berlin (UTC+1): two conversations answered, one still waiting, one spam.
  await insertThreadWithClocks(fixture.brand.id, x.id, [
    {
      kind: 'first_response',
      status: 'met',
      endedBy: 'human_reply',
      startedAt: '2026-11-02T09:00:00Z',
      calendar: 10,
      business: 10,
    },
    {
      kind: 'next_response',
      status: 'breached',
      endedBy: 'human_reply',
      startedAt: '2026-11-02T10:00:00Z',
      calendar: 90,
      business: 90,
    },
  ]);
  await insertThreadWithClocks(fixture.brand.id, x.id, [
    {
      kind: 'first_response',
      status: 'breached',
      endedBy: 'human_reply',
      startedAt: '2026-11-03T09:00:00Z',
      calendar: 30,
      business: 20,
      assignee: 'bob',
    },
  ]);
  await insertThreadWithClocks(fixture.brand.id, x.id, [
    { kind: 'first_response', status: 'running', endedBy: null, startedAt: '2026-11-04T09:00:00Z' },
  ]);
  await insertThreadWithClocks(fixture.brand.id, x.id, [
    {
      kind: 'first_response',
      status: 'closed_without_reply',
      endedBy: 'closed_without_reply',
      startedAt: '2026-11-04T10:00:00Z',
    },
  ]);
  // Outside the range: never counted.
  await insertThreadWithClocks(fixture.brand.id, x.id, [
    {
      kind: 'first_response',
      status: 'met',
      endedBy: 'human_reply',
      startedAt: '2026-11-20T09:00:00Z',
      calendar: 999,
      business: 999,
    },
  ]);
  await seedPost(fixture, {
    plannedAt: '2026-11-03T17:00:00Z',
    publishedAt: '2026-11-03T17:05:00Z',
    stays: [
      ['drafting', 2],
      ['copy_edit', 1],
      ['legal_review', 8],
      ['final_approval', 1],
    ],
    likes: 40,
    reach: 400,
  });
  await seedPost(fixture, {
    plannedAt: '2026-11-05T17:00:00Z',
    publishedAt: '2026-11-05T18:00:00Z',
    stays: [
      ['drafting', 1],
      ['copy_edit', 3],
      ['legal_review', 4],
      ['final_approval', 1],
    ],
    likes: 10,
    reach: 0,
  });
  await seedPost(other, {
    plannedAt: '2026-11-03T17:00:00Z',
    publishedAt: '2026-11-03T17:00:00Z',
    stays: [['copy_edit', 100]],
    likes: 5000,
    reach: 5000,
  });
});

afterAll(async () => {
  await live?.teardown();
});

const get = (path: string, key = fixture.users.manager.apiKey, headers: Record<string, string> = {}) =>
  call(live.api, 'GET', path, { key, headers });

function csvLines(response: ApiResponse): string[][] {
  return response.text
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(','));
}

function column(response: ApiResponse, name: string): string[] {
  const [header, ...rows] = csvLines(response);
  const index = header.indexOf(name);
  expect(index).toBeGreaterThanOrEqual(0);
  return rows.map((row) => row[index]);
}

describe('responses', () => {
  it('reports first response, all replies, response rate and attainment of the range', async () => {
    const response = await get(`/v1/reports/responses?${RANGE}&brand=${fixture.brand.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      brandId: fixture.brand.id,
      timeZone: 'Europe/Berlin',
      from: '2026-11-02',
      to: '2026-11-08',
      groupBy: 'brand',
    });
    const [row] = response.body.rows;
    expect(row).toMatchObject({ group: fixture.brand.id, conversations: 3, responded: 2, responseRate: 0.6667 });
    expect(row.firstResponse.calendarMinutes).toEqual({ count: 2, median: 20, p90: 28, mean: 20 });
    expect(row.firstResponse.businessMinutes).toMatchObject({ median: 15 });
    expect(row.allReplies.calendarMinutes).toMatchObject({ count: 3, median: 30 });
    expect(row.sla.first_response).toEqual({ met: 1, breached: 1, attainment: 0.5 });
    expect(row.sla.next_response).toEqual({ met: 0, breached: 1, attainment: 0 });
  });

  it('groups by agent and by day in the brand zone', async () => {
    const byAgent = await get(`/v1/reports/responses?${RANGE}&groupBy=agent`);
    expect(byAgent.body.rows.map((row: { group: string }) => row.group)).toEqual(['aggie', 'bob']);
    const byDay = await get(`/v1/reports/responses?${RANGE}&groupBy=day`);
    expect(byDay.body.rows.map((row: { group: string }) => row.group)).toEqual([
      '2026-11-02',
      '2026-11-03',
      '2026-11-04',
    ]);
  });

  it('answers CSV with Accept: text/csv, one line per group with dotted columns', async () => {
    const response = await get(`/v1/reports/responses?${RANGE}&groupBy=agent`, fixture.users.lead.apiKey, {
      accept: 'text/csv',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toContain(`responses-${fixture.brand.id}-2026-11-02`);
    expect(column(response, 'group')).toEqual(['aggie', 'bob']);
    expect(column(response, 'firstResponse.calendarMinutes.median')).toEqual(['10', '30']);
    expect(column(response, 'sla.first_response.attainment')).toEqual(['1', '0']);
  });
});

describe('content', () => {
  it('names the bottleneck and measures idea to published, as JSON and CSV', async () => {
    const response = await get(`/v1/reports/content?${RANGE}`);
    expect(response.status).toBe(200);
    const [row] = response.body.rows;
    expect(row.bottleneck).toEqual({ stage: 'legal_review', medianMs: 6 * HOUR });
    expect(row.stages.find((cycle: { stage: string }) => cycle.stage === 'copy_edit')).toEqual({
      stage: 'copy_edit',
      count: 2,
      medianMs: 2 * HOUR,
      meanMs: 2 * HOUR,
    });
    expect(row.ideaToPublishedMs).toMatchObject({ count: 2, median: 10.5 * HOUR });
    expect(row.approvalRounds).toEqual({ posts: 2, total: 0, mean: 0, max: 0 });

    const csv = await get(`/v1/reports/content?${RANGE}`, undefined, { accept: 'text/csv' });
    expect(column(csv, 'bottleneck.stage')).toEqual(['legal_review']);
    expect(column(csv, 'stages.legal_review.medianMs')).toEqual([String(6 * HOUR)]);
  });
});

describe('publishing', () => {
  it('compares posts per account per week with the cadence the brand planned', async () => {
    const cadence = await call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/posting-cadence`, {
      key: fixture.users.manager.apiKey,
      body: { postsPerWeek: 2 },
    });
    expect(cadence.status).toBe(200);
    expect((await get(`/v1/brands/${fixture.brand.id}/posting-cadence`)).body).toEqual({
      brandId: fixture.brand.id,
      postsPerWeek: 2,
    });
    const response = await get(`/v1/reports/publishing?${RANGE}&groupBy=account&toleranceMinutes=10`);
    expect(response.status).toBe(200);
    expect(response.body.toleranceMinutes).toBe(10);
    const [x, linkedin] = fixture.accounts;
    const rows = Object.fromEntries(response.body.rows.map((row: { group: string }) => [row.group, row]));
    expect(rows[x.id]).toMatchObject({
      published: 2,
      onTime: 1,
      onTimeShare: 0.5,
      postsPerAccountPerWeek: 2,
      plannedPostsPerWeek: 2,
      cadenceShare: 1,
    });
    // LinkedIn published nothing in the week: the whole week (168 h) is its gap.
    expect(rows[linkedin.id]).toMatchObject({ published: 0, cadenceShare: 0, longestGap: { hours: 168 } });
  });
});

describe('performance and best times', () => {
  it('sums the latest snapshots per platform, rating engagement where reach is known', async () => {
    const response = await get(`/v1/reports/performance?${RANGE}&groupBy=platform`);
    expect(response.status).toBe(200);
    expect(response.body.rows).toEqual([
      expect.objectContaining({ group: 'x', variants: 2, impressions: 2000, likes: 50, engagementRate: 0.1 }),
    ]);
    const csv = await get(`/v1/reports/performance?${RANGE}&groupBy=week`, undefined, { accept: 'text/csv' });
    expect(column(csv, 'group')).toEqual(['2026-11-02']);
    expect(column(csv, 'likes')).toEqual(['50']);
  });

  it("ranks an account's hours in the brand zone with the data behind each", async () => {
    const [x] = fixture.accounts;
    const response = await get(`/v1/reports/best-times?account=${x.id}&${RANGE}&minimumVariants=1`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ accountId: x.id, timeZone: 'Europe/Berlin', variants: 2 });
    // 17:05Z is 18:05 in Berlin; 18:00Z is 19:00.
    expect(response.body.hours).toEqual([
      { slot: 18, variants: 1, meanEngagement: 40, engagementRate: 0.1 },
      { slot: 19, variants: 1, meanEngagement: 10, engagementRate: null },
    ]);
    expect(response.body.weekdays.map((slot: { slot: string }) => slot.slot)).toEqual(['tuesday', 'thursday']);
  });
});

describe('who may read and configure reports', () => {
  const matrix: { label: string; path: () => string; allowed: Role[] }[] = [
    {
      label: 'responses',
      path: () => `/v1/reports/responses?${RANGE}`,
      allowed: ['admin', 'manager', 'lead', 'viewer'],
    },
    { label: 'content', path: () => `/v1/reports/content?${RANGE}`, allowed: ['admin', 'manager', 'viewer'] },
    { label: 'publishing', path: () => `/v1/reports/publishing?${RANGE}`, allowed: ['admin', 'manager', 'viewer'] },
    { label: 'performance', path: () => `/v1/reports/performance?${RANGE}`, allowed: ['admin', 'manager', 'viewer'] },
    {
      label: 'best-times',
      path: () => `/v1/reports/best-times?account=${fixture.accounts[0].id}&${RANGE}`,
      allowed: ['admin', 'manager', 'viewer'],
    },
    { label: 'stored', path: () => `/v1/reports/stored`, allowed: ['admin', 'manager', 'viewer'] },
  ];

  it.each(matrix.map((entry) => [entry.label, entry] as const))(
    'the %s report is for its roles only',
    async (_label, entry) => {
      const roles = Object.keys(fixture.users) as Role[];
      const statuses = await Promise.all(
        roles.map(async (role) => [role, (await get(entry.path(), fixture.users[role].apiKey)).status] as const),
      );
      expect(Object.fromEntries(statuses)).toEqual(
        Object.fromEntries(roles.map((role) => [role, entry.allowed.includes(role) ? 200 : 403])),
      );
    },
  );

  it('lets only managers and admins set the cadence and the schedule', async () => {
    for (const role of ['lead', 'viewer', 'agent', 'author'] as Role[]) {
      const key = fixture.users[role].apiKey;
      const cadence = await call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/posting-cadence`, {
        key,
        body: { postsPerWeek: 3 },
      });
      const schedule = await call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/report-schedule`, {
        key,
        body: { frequency: 'weekly' },
      });
      expect({ role, cadence: cadence.status, schedule: schedule.status }).toEqual({
        role,
        cadence: 403,
        schedule: 403,
      });
    }
  });

  it("hides another brand's reports and accounts as not found", async () => {
    const key = other.users.manager.apiKey;
    expect((await get(`/v1/reports/responses?${RANGE}&brand=${fixture.brand.id}`, key)).status).toBe(404);
    expect((await get(`/v1/reports/best-times?account=${fixture.accounts[0].id}&${RANGE}`, key)).status).toBe(404);
    expect((await get(`/v1/brands/${fixture.brand.id}/posting-cadence`, key)).status).toBe(404);
    // Their own report never includes the other brand's figures.
    const own = await get(`/v1/reports/content?${RANGE}`, key);
    expect(own.body.rows.map((row: { group: string }) => row.group)).toEqual([other.brand.id]);
  });
});

describe('hostile query parameters', () => {
  const cases: [string, string][] = [
    ['from=2026-11-09&to=2026-11-08', 'to'],
    ['from=2025-01-01&to=2026-12-31', 'to'],
    ['from=0000-01-01&to=2026-01-01', 'from'],
    ['from=2026-02-30&to=2026-03-01', 'from'],
    ['from=99999-01-01&to=2026-01-01', 'from'],
    ['from=2026-11-02T00:00:00Z&to=2026-11-08', 'from'],
    ['from=2026-11-02', 'to'],
    [`${RANGE}&groupBy=queue%27%20OR%201=1`, 'groupBy'],
    [`${RANGE}&brand=%00`, 'brand'],
    [`${RANGE}&brand=a&brand=b`, 'brand'],
  ];

  it.each(cases)('refuses %s with 400 naming %s', async (query, field) => {
    const response = await get(`/v1/reports/responses?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.issues.map((issue: { path: string[] }) => issue.path.join('.'))).toContain(field);
  });

  it('refuses a tolerance and a minimum that are not small whole numbers', async () => {
    for (const [path, field] of [
      [`/v1/reports/publishing?${RANGE}&toleranceMinutes=abc`, 'toleranceMinutes'],
      [`/v1/reports/publishing?${RANGE}&toleranceMinutes=-5`, 'toleranceMinutes'],
      [`/v1/reports/publishing?${RANGE}&toleranceMinutes=1e400`, 'toleranceMinutes'],
      [`/v1/reports/best-times?${RANGE}&account=${fixture.accounts[0].id}&minimumVariants=0`, 'minimumVariants'],
      [`/v1/reports/best-times?${RANGE}`, 'account'],
    ]) {
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.body.issues.map((issue: { path: string[] }) => issue.path.join('.'))).toContain(field);
    }
  });

  it('refuses a schedule or cadence that makes no sense, naming the field', async () => {
    for (const [path, body, field] of [
      ['report-schedule', { frequency: 'daily' }, 'frequency'],
      ['report-schedule', { frequency: 'monthly', dayOfMonth: 31 }, 'dayOfMonth'],
      ['report-schedule', { frequency: 'weekly', time: '24:00' }, 'time'],
      ['report-schedule', { frequency: 'weekly', reports: ['responses', 'responses'] }, 'reports'],
      ['posting-cadence', { postsPerWeek: 1.5 }, 'postsPerWeek'],
    ] as const) {
      const response = await call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/${path}`, {
        key: fixture.users.manager.apiKey,
        body,
      });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.body.issues.map((issue: { path: string[] }) => issue.path.join('.'))).toContain(field);
    }
  });
});

describe('stored reports', () => {
  it('lists the brand’s stored reports and reads one; others see none of them', async () => {
    const stored = await createReportStore(db).storeReport({
      id: `${fixture.brand.id}.weekly.2026-11-02`,
      brandId: fixture.brand.id,
      frequency: 'weekly',
      from: '2026-11-02',
      to: '2026-11-08',
      timeZone: 'Europe/Berlin',
      reports: {},
      createdAt: '2026-11-09T08:00:00.000Z',
    });
    const list = await get('/v1/reports/stored');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      {
        id: stored.id,
        brandId: fixture.brand.id,
        frequency: 'weekly',
        from: '2026-11-02',
        to: '2026-11-08',
        timeZone: 'Europe/Berlin',
        createdAt: '2026-11-09T08:00:00.000Z',
      },
    ]);
    expect((await get(`/v1/reports/stored/${stored.id}`)).body).toMatchObject({ id: stored.id, reports: {} });
    expect((await get(`/v1/reports/stored/${stored.id}`, other.users.manager.apiKey)).status).toBe(404);
    expect((await get('/v1/reports/stored', other.users.manager.apiKey)).body.items).toEqual([]);
  });
});

describe('report schedule', () => {
  it('is set, read, changed and deleted on Temporal, running in the brand zone', async () => {
    const path = `/v1/brands/${fixture.brand.id}/report-schedule`;
    const key = fixture.users.manager.apiKey;
    expect((await get(path)).status).toBe(404);

    const weekly = await call(live.api, 'PUT', path, {
      key,
      body: { frequency: 'weekly', dayOfWeek: 'monday', time: '09:00', reports: ['responses', 'publishing'] },
    });
    expect(weekly.status).toBe(200);
    expect(weekly.body).toMatchObject({
      brandId: fixture.brand.id,
      scheduleId: `report:${fixture.brand.id}`,
      timeZone: 'Europe/Berlin',
      frequency: 'weekly',
      dayOfWeek: 'monday',
      time: '09:00',
      reports: ['responses', 'publishing'],
      paused: false,
    });
    const berlin = (iso: string) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        weekday: 'long',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(new Date(iso));
    expect(weekly.body.nextRuns.length).toBeGreaterThan(0);
    expect(weekly.body.nextRuns.map(berlin)).toEqual(weekly.body.nextRuns.map(() => 'Monday 09:00'));

    const monthly = await call(live.api, 'PUT', path, {
      key,
      body: { frequency: 'monthly', dayOfMonth: 1, time: '07:30' },
    });
    expect(monthly.status).toBe(200);
    expect(monthly.body).toMatchObject({ frequency: 'monthly', dayOfMonth: 1, time: '07:30' });
    expect((await get(path, fixture.users.viewer.apiKey)).body).toMatchObject({ frequency: 'monthly' });

    expect((await call(live.api, 'DELETE', path, { key })).status).toBe(204);
    expect((await get(path)).status).toBe(404);
    expect((await call(live.api, 'DELETE', path, { key })).status).toBe(404);
  });
});
