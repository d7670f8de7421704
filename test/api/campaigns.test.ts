/**
 * Campaigns over HTTP against the real workflows: creating one with its plan (idempotently),
 * posts joining it, acting on all its posts at once, listing, the report as JSON and CSV, bad
 * input, and who may do what.
 */
import { ROLES, type Role } from '../../domain/types';
import type { BrandFixture } from '../helpers/db';
import { call, type ApiResponse, type Json } from './http';
import { brand, localTimeAhead, postWhen, startLiveApi, type LiveApi } from './liveApi';

jest.setTimeout(120_000);

let live: LiveApi;
let fixture: BrandFixture;
const DAY_MS = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live);
});

afterAll(async () => {
  await live?.teardown();
});

const keyOf = (role: Role, team: BrandFixture = fixture) => team.users[role].apiKey;

async function plannedPost(title: string, aheadMs = 3 * DAY_MS, team: BrandFixture = fixture) {
  return {
    title,
    riskTier: 'low',
    publishAt: await localTimeAhead(live, team, aheadMs),
    draft: { variants: team.accounts.map((account) => ({ accountId: account.id, text: `${title} is here` })) },
  };
}

async function campaignBody(plan: unknown[], overrides: Record<string, unknown> = {}) {
  return {
    brandId: fixture.brand.id,
    name: 'Winter launch',
    goal: 'Sell the winter blend',
    startsAt: (await localTimeAhead(live, fixture, 0)).slice(0, 10),
    endsAt: await localTimeAhead(live, fixture, 30 * DAY_MS),
    plan,
    ...overrides,
  };
}

function createCampaign(body: unknown, options: { key?: string; idempotencyKey?: string } = {}) {
  return call(live.api, 'POST', '/v1/campaigns', {
    key: options.key ?? keyOf('manager'),
    body,
    ...(options.idempotencyKey ? { headers: { 'idempotency-key': options.idempotencyKey } } : {}),
  });
}

async function campaignWhen(id: string, ready: (campaign: Json) => boolean): Promise<Json> {
  const giveUpAt = Date.now() + 30_000;
  for (;;) {
    const response = await call(live.api, 'GET', `/v1/campaigns/${id}`, { key: keyOf('viewer') });
    if (response.status === 200 && ready(response.body)) return response.body;
    if (Date.now() > giveUpAt) throw new Error(`campaign ${id} did not get there: ${response.text.slice(0, 800)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function campaignPostIds(id: string): Promise<string[]> {
  const listed = await call(live.api, 'GET', `/v1/posts?campaignId=${id}&limit=200`, { key: keyOf('viewer') });
  return (listed.body.items as Json[]).map((post) => post.postId ?? post.id);
}

async function createdCampaign(planSize: number): Promise<Json> {
  const plan = await Promise.all(Array.from({ length: planSize }, (_, i) => plannedPost(`Post ${i + 1}`)));
  const created = await createCampaign(await campaignBody(plan));
  if (created.status !== 201) throw new Error(`creating a campaign failed: ${created.status} ${created.text}`);
  return campaignWhen(created.body.id, (campaign) => campaign.plan.pending === 0);
}

describe('creating a campaign', () => {
  it('creates its planned posts and shows their progress from the projection', async () => {
    const plan = [await plannedPost('Teaser'), await plannedPost('Launch', 5 * DAY_MS)];
    const created = await createCampaign(await campaignBody(plan));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/campaigns/${created.body.id}`);
    expect(created.body).toMatchObject({
      workflowId: `campaign:${created.body.id}`,
      status: 'active',
      name: 'Winter launch',
      ownerId: fixture.users.manager.user.id,
      plan: { total: 2 },
    });
    const done = await campaignWhen(created.body.id, (campaign) => campaign.plan.created === 2);
    expect(done.plan).toEqual({ total: 2, created: 2, failed: 0, pending: 0, failures: [] });
    expect(done.source).toBe('workflow');
    expect(done.staleReason).toBeUndefined();
    expect(done.posts.total).toBe(2);
    expect(done.posts.nextDue).toEqual(expect.any(String));
    const postIds = await campaignPostIds(created.body.id);
    expect(postIds).toHaveLength(2);
    const post = await postWhen(live, keyOf('viewer'), postIds[0], (state) => state.openStages.length > 0);
    expect(post.post).toMatchObject({ campaignId: created.body.id, authorId: fixture.users.manager.user.id });

    // Admins find the campaign and its posts in Temporal UI by the Campaign search attribute.
    const found: string[] = [];
    for await (const execution of live.harness.env.client.workflow.list({ query: `Campaign = '${created.body.id}'` })) {
      found.push(execution.workflowId);
    }
    expect(found.sort()).toEqual([`campaign:${created.body.id}`, ...postIds.map((id) => `post:${id}`)].sort());
  });

  it('says so when an active campaign’s workflow is gone', async () => {
    const id = `gone-${Date.now()}`;
    await live.harness.db('campaigns').insert({
      id,
      brand_id: fixture.brand.id,
      name: 'Lost launch',
      utm_campaign: id,
      starts_at: new Date().toISOString(),
      ends_at: new Date(Date.now() + 30 * DAY_MS).toISOString(),
    });
    const read = await call(live.api, 'GET', `/v1/campaigns/${id}`, { key: keyOf('viewer') });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'active', source: 'database', actions: [] });
    expect(read.body.staleReason).toMatch(/workflow is gone/);
  });

  it('creates a campaign once per Idempotency-Key and refuses the key for another request', async () => {
    const body = await campaignBody([await plannedPost('Only once')]);
    const first = await createCampaign(body, { idempotencyKey: 'winter-once' });
    const again = await createCampaign(body, { idempotencyKey: 'winter-once' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    await campaignWhen(first.body.id, (campaign) => campaign.plan.created === 1);
    expect(await campaignPostIds(first.body.id)).toHaveLength(1);

    const other = await createCampaign({ ...body, name: 'Something else' }, { idempotencyKey: 'winter-once' });
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('idempotency_key_reused');
  });

  it('refuses a plan naming another brand’s account or a passed publish time, before storing anything', async () => {
    const foreign = await brand(live);
    const wrongAccount = await createCampaign(
      await campaignBody([await plannedPost('Fine'), await plannedPost('Foreign', 3 * DAY_MS, foreign)]),
    );
    expect(wrongAccount.status).toBe(400);
    expect(wrongAccount.body.issues[0].path).toEqual(['plan', 1, 'draft', 'variants', 0, 'accountId']);

    const passed = await createCampaign(await campaignBody([await plannedPost('Late', -2 * DAY_MS)]));
    expect(passed.status).toBe(400);
    expect(passed.body.issues[0].path).toEqual(['plan', 0, 'publishAt']);
  });

  it('refuses hostile campaign input naming the field', async () => {
    const cases: Array<[Record<string, unknown>, Array<string | number>]> = [
      [{ endsAt: (await localTimeAhead(live, fixture, -DAY_MS)).slice(0, 10), startsAt: '2020-01-01' }, ['endsAt']],
      [{ startsAt: '2026-13-45' }, ['startsAt']],
      [{ name: '   ' }, ['name']],
      [{ brandId: 'no such brand!' }, ['brandId']],
      [{ ownerId: 'nobody-at-all' }, ['ownerId']],
      [{ plan: Array.from({ length: 1001 }, () => ({ title: 'x', riskTier: 'low', publishAt: 'x' })) }, ['plan']],
      [{ plan: [{ title: 'x', riskTier: 'low', publishAt: '2030-01-01T09:00' }] }, ['plan', 0, 'targets']],
    ];
    for (const [overrides, path] of cases) {
      const response = await createCampaign(await campaignBody([], overrides));
      expect([response.status, response.body.issues?.[0]?.path]).toEqual([400, path]);
    }
  });
});

describe('acting on a campaign as one', () => {
  it('pauses, resumes, shifts and cancels every unpublished post and then takes nothing more', async () => {
    const campaign = await createdCampaign(3);
    const postIds = await campaignPostIds(campaign.id);
    const path = `/v1/campaigns/${campaign.id}`;

    const paused = await call(live.api, 'POST', `${path}/pause`, {
      key: keyOf('manager'),
      body: { reason: 'legal check' },
    });
    expect(paused.status).toBe(200);
    expect(paused.body.action).toMatchObject({ kind: 'pause', status: 'done', postsReached: 3, postsNotReached: [] });
    const shown = await campaignWhen(campaign.id, (c) => c.paused);
    expect(shown.pausedReason).toBe('legal check');
    expect(shown.actions).toEqual([
      expect.objectContaining({ kind: 'pause', status: 'done', by: fixture.users.manager.user.id, postsReached: 3 }),
    ]);

    // A post joining the paused campaign on its own starts held.
    const joined = await call(live.api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: { brandId: fixture.brand.id, campaignId: campaign.id, ...(await plannedPost('Joiner')) },
    });
    expect(joined.status).toBe(201);
    const joinedPost = await postWhen(live, keyOf('author'), joined.body.postId, (post) => post.holds.length > 0);
    expect(joinedPost.post.holds).toEqual([expect.objectContaining({ source: 'campaign', reason: 'legal check' })]);

    const resumed = await call(live.api, 'POST', `${path}/resume`, { key: keyOf('admin'), body: {} });
    expect(resumed.body.action).toMatchObject({ kind: 'resume', status: 'done', postsReached: 4 });
    await postWhen(live, keyOf('author'), joined.body.postId, (post) => post.holds.length === 0);

    const before = await postWhen(live, keyOf('author'), postIds[0], () => true);
    const shifted = await call(live.api, 'POST', `${path}/shift`, { key: keyOf('manager'), body: { offset: 'PT2H' } });
    expect(shifted.body.action).toMatchObject({ kind: 'shift', status: 'done', postsReached: 4 });
    const after = await postWhen(live, keyOf('author'), postIds[0], (post) => post.publishAt !== before.post.publishAt);
    expect(Date.parse(after.post.publishAt) - Date.parse(before.post.publishAt)).toBe(2 * 60 * 60 * 1000);

    const cancelled = await call(live.api, 'POST', `${path}/cancel`, {
      key: keyOf('manager'),
      body: { reason: 'product recall' },
    });
    expect(cancelled.body.action).toMatchObject({ kind: 'cancel', status: 'done', postsReached: 4 });
    const ended = await campaignWhen(campaign.id, (c) => c.status === 'cancelled' && c.endedAt !== null);
    expect(ended).toMatchObject({ cancelReason: 'product recall', posts: { total: 4, perStage: { cancelled: 4 } } });

    const again = await call(live.api, 'POST', `${path}/pause`, { key: keyOf('manager'), body: {} });
    expect(again.status).toBe(409);
    const late = await call(live.api, 'POST', `${path}/posts`, {
      key: keyOf('author'),
      body: { posts: [await plannedPost('Too late')] },
    });
    expect(late.status).toBe(409);

    const report = await call(live.api, 'GET', `/v1/reports/campaigns/${campaign.id}`, { key: keyOf('viewer') });
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ status: 'cancelled', posts: { total: 4, cancelled: 4, published: 0 } });
    expect(report.body.reportedAt).toEqual(expect.any(String));

    const csv = await call(live.api, 'GET', `/v1/reports/campaigns/${campaign.id}`, {
      key: keyOf('viewer'),
      headers: { accept: 'text/csv' },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('section,platform,accountId,metric,value');
    expect(lines).toContain('posts,,,cancelled,4');
    expect(lines).toContain('stage,,,cancelled,4');
  });

  it('adds posts in bulk once per Idempotency-Key', async () => {
    const campaign = await createdCampaign(1);
    const body = { posts: [await plannedPost('Extra 1'), await plannedPost('Extra 2')] };
    const send = () =>
      call(live.api, 'POST', `/v1/campaigns/${campaign.id}/posts`, {
        key: keyOf('author'),
        body,
        headers: { 'idempotency-key': 'extras' },
      });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(202);
    expect(first.body.posts.map((post: Json) => post.position)).toEqual([1, 2]);
    expect(again.body.posts).toEqual(first.body.posts);
    const done = await campaignWhen(campaign.id, (c) => c.plan.created === 3);
    expect(done.plan.total).toBe(3);
    expect((await campaignPostIds(campaign.id)).sort()).toEqual(
      expect.arrayContaining(first.body.posts.map((post: Json) => post.postId)),
    );
  });

  it('refuses a shift that is not a duration, naming the field', async () => {
    const campaign = await createdCampaign(0);
    for (const offset of ['tomorrow', 'P0D', 'P900D']) {
      const response = await call(live.api, 'POST', `/v1/campaigns/${campaign.id}/shift`, {
        key: keyOf('manager'),
        body: { offset },
      });
      expect([response.status, response.body.issues?.[0]?.path]).toEqual([400, ['offset']]);
    }
  });
});

describe('listing campaigns', () => {
  it('filters by brand and status and pages with a cursor', async () => {
    const own = await brand(live);
    const ids: string[] = [];
    for (const name of ['A', 'B', 'C']) {
      const created = await call(live.api, 'POST', '/v1/campaigns', {
        key: keyOf('manager', own),
        body: {
          brandId: own.brand.id,
          name,
          startsAt: '2026-01-01',
          endsAt: await localTimeAhead(live, own, 30 * DAY_MS),
        },
      });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const first = await call(live.api, 'GET', `/v1/campaigns?brandId=${own.brand.id}&status=active&limit=2`, {
      key: keyOf('viewer', own),
    });
    expect(first.status).toBe(200);
    expect(first.body.items.map((c: Json) => c.name)).toEqual(['C', 'B']);
    const second = await call(
      live.api,
      'GET',
      `/v1/campaigns?brandId=${own.brand.id}&limit=2&cursor=${first.body.nextCursor}`,
      { key: keyOf('viewer', own) },
    );
    expect(second.body.items.map((c: Json) => c.name)).toEqual(['A']);
    expect(second.body.nextCursor).toBeNull();

    const none = await call(live.api, 'GET', `/v1/campaigns?status=cancelled&brandId=${own.brand.id}`, {
      key: keyOf('viewer', own),
    });
    expect(none.body.items).toEqual([]);
    // Another brand's people see none of them.
    const others = await call(live.api, 'GET', `/v1/campaigns?brandId=${own.brand.id}`, { key: keyOf('viewer') });
    expect(others.body.items).toEqual([]);
    const hidden = await call(live.api, 'GET', `/v1/campaigns/${ids[0]}`, { key: keyOf('viewer') });
    expect(hidden.status).toBe(404);
    const badCursor = await call(live.api, 'GET', '/v1/campaigns?cursor=abc', { key: keyOf('viewer') });
    expect([badCursor.status, badCursor.body.issues?.[0]?.path]).toEqual([400, ['cursor']]);
  });
});

describe('who may do what with campaigns', () => {
  const allowedToManage: readonly Role[] = ['manager', 'admin'];
  const allowedToAdd: readonly Role[] = ['author', 'manager', 'admin'];

  it.each(ROLES)('as %s', async (role) => {
    const outcome = (response: ApiResponse) => response.status;
    const create = await createCampaign(await campaignBody([]), { key: keyOf(role) });
    expect(outcome(create)).toBe(allowedToManage.includes(role) ? 201 : 403);

    const campaign = await createdCampaign(0);
    const read = await call(live.api, 'GET', `/v1/campaigns/${campaign.id}`, { key: keyOf(role) });
    expect(read.status).toBe(200);
    const report = await call(live.api, 'GET', `/v1/reports/campaigns/${campaign.id}`, { key: keyOf(role) });
    expect(report.status).toBe(200);
    const add = await call(live.api, 'POST', `/v1/campaigns/${campaign.id}/posts`, {
      key: keyOf(role),
      body: { posts: [await plannedPost('Joining')] },
    });
    expect(add.status).toBe(allowedToAdd.includes(role) ? 202 : 403);
    for (const [action, body] of [
      ['pause', {}],
      ['resume', {}],
      ['shift', { offset: 'P1D' }],
      ['cancel', { reason: 'not needed' }],
    ] as const) {
      const response = await call(live.api, 'POST', `/v1/campaigns/${campaign.id}/${action}`, {
        key: keyOf(role),
        body,
      });
      expect([action, response.status]).toEqual([action, allowedToManage.includes(role) ? 200 : 403]);
    }
  });
});
