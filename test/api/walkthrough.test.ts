/**
 * The walk-through a new user follows in the README, over HTTP only: create a post, take it
 * through its reviews, see it scheduled on the calendar, published at its time on every
 * platform, then measured — with every step on the audit trail.
 */
import type { BrandFixture } from '../helpers/db';
import { call, type Json } from './http';
import { brand, localTimeAhead, postWhen, stageOpen, startLiveApi, type LiveApi } from './liveApi';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

let live: LiveApi;
let fixture: BrandFixture;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live, ['x', 'linkedin', 'instagram']);
});

afterAll(async () => {
  await live?.teardown();
});

it('takes a standard post from creation through four reviews to published and measured', async () => {
  const key = (role: keyof BrandFixture['users']) => fixture.users[role].apiKey;
  const publishAt = await localTimeAhead(live, fixture, 2 * DAY_MS);

  const created = await call(live.api, 'POST', '/v1/posts', {
    key: key('author'),
    body: {
      brandId: fixture.brand.id,
      title: 'Autumn blend launch',
      riskTier: 'standard',
      publishAt,
      draft: {
        variants: fixture.accounts.map((account) => ({
          accountId: account.id,
          text: 'Our autumn blend is back: roasted slower, tastes warmer. https://example.com/autumn',
          media: account.platform === 'instagram' ? [{ url: 'https://example.com/autumn.jpg', kind: 'image' }] : [],
        })),
      },
    },
  });
  expect(created.status).toBe(201);
  const { postId } = created.body;
  expect(created.headers.get('location')).toBe(`/v1/posts/${postId}`);
  expect(created.body).toMatchObject({ workflowId: `post:${postId}`, timeZone: 'Europe/Berlin', brandPaused: false });

  // Listed at once, before any reviewer has looked at it.
  const listed = await call(live.api, 'GET', `/v1/posts?brandId=${fixture.brand.id}`, { key: key('viewer') });
  expect(listed.body.items.map((post: Json) => post.id)).toEqual([postId]);

  const stages = [
    ['ideation', 'manager'],
    ['design', 'designer'],
    ['copy_edit', 'copy_editor'],
    ['final_approval', 'final_approver'],
  ] as const;
  for (const [stage, role] of stages) {
    await postWhen(live, key(role), postId, stageOpen(stage));
    const queue = await call(live.api, 'GET', '/v1/review-queue', { key: key(role) });
    expect(queue.body.items.map((item: Json) => [item.post.id, item.deadlines[0].stage])).toEqual([[postId, stage]]);

    const decided = await call(live.api, 'POST', `/v1/posts/${postId}/reviews`, {
      key: key(role),
      body: { stage, revision: 1, decision: 'approve', comment: `${stage} looks good` },
    });
    expect(decided.status).toBe(200);
  }

  const scheduled = await postWhen(live, key('viewer'), postId, (post) => post.stage === 'scheduled');
  expect(scheduled.source).toBe('workflow');
  expect(scheduled.post.decisions.map((decision: Json) => [decision.stage, decision.by])).toEqual(
    stages.map(([stage, role]) => [stage, fixture.users[role].user.id]),
  );

  const day = publishAt.slice(0, 10);
  const calendar = await call(live.api, 'GET', `/v1/calendar?from=${day}&to=${day}`, { key: key('viewer') });
  expect(calendar.body.days).toEqual([
    { day, posts: [expect.objectContaining({ id: postId, stage: 'scheduled', localTime: publishAt.slice(11, 16) })] },
  ]);

  // Nothing publishes before its time; then every platform gets its variant.
  expect(scheduled.post.variants.map((variant: Json) => variant.status)).toEqual(['pending', 'pending', 'pending']);
  await live.harness.env.sleep(2 * DAY_MS + HOUR_MS / 2);
  const published = await postWhen(
    live,
    key('viewer'),
    postId,
    (post) => post.variants.length === 3 && post.variants.every((variant: Json) => variant.status === 'published'),
  );
  for (const variant of published.post.variants) expect(variant.url).toEqual(expect.stringMatching(/^https?:\/\//));

  // Let the workflow run out its tracking period (1h, 24h and 7d snapshots).
  await live.harness.env.client.workflow.getHandle(`post:${postId}`).result();
  const measured = await postWhen(live, key('viewer'), postId, (post) => post.stage === 'completed');
  expect(measured.source).toBe('projection');
  expect(measured.post.snapshots).toHaveLength(9);
  const offsets = [...new Set(measured.post.snapshots.map((snapshot: Json) => snapshot.offsetMs))].sort(
    (a, b) => Number(a) - Number(b),
  );
  expect(offsets).toEqual([HOUR_MS, DAY_MS, 7 * DAY_MS]);
  for (const snapshot of measured.post.snapshots) expect(snapshot.impressions).toBeGreaterThan(0);

  const audit = await call(live.api, 'GET', `/v1/posts/${postId}/audit`, { key: key('viewer') });
  const actions = audit.body.entries.map((entry: Json) => entry.action);
  expect(actions[0]).toBe('created');
  expect(actions).toEqual(expect.arrayContaining(['approved', 'published', 'completed']));
  expect(actions.filter((action: string) => action === 'approved')).toHaveLength(4);
  expect(audit.body.entries.map((entry: Json) => entry.sequence)).toEqual(
    audit.body.entries.map((_: Json, index: number) => index + 1),
  );

  const done = await call(live.api, 'POST', `/v1/posts/${postId}/cancel`, {
    key: key('manager'),
    body: { reason: 'too late' },
  });
  expect(done.status).toBe(409);
});

it('holds a post created while its brand is paused until the brand resumes', async () => {
  const pausedBrand = await brand(live, ['x']);
  const key = (role: keyof BrandFixture['users']) => pausedBrand.users[role].apiKey;
  const paused = await call(live.api, 'POST', `/v1/brands/${pausedBrand.brand.id}/pause`, {
    key: key('manager'),
    body: { reason: 'crisis' },
  });
  expect(paused.status).toBe(200);

  const created = await call(live.api, 'POST', '/v1/posts', {
    key: key('author'),
    body: {
      brandId: pausedBrand.brand.id,
      title: 'Held back',
      riskTier: 'low',
      publishAt: await localTimeAhead(live, pausedBrand, HOUR_MS),
      draft: { variants: [{ accountId: pausedBrand.accounts[0].id, text: 'Fresh beans' }] },
    },
  });
  expect(created.status).toBe(201);
  expect(created.body.brandPaused).toBe(true);
  const { postId } = created.body;
  expect((await postWhen(live, key('viewer'), postId, (post) => post.paused === true)).post.paused).toBe(true);

  for (const [stage, role] of [
    ['copy_edit', 'copy_editor'],
    ['final_approval', 'final_approver'],
  ] as const) {
    const open = await postWhen(live, key(role), postId, stageOpen(stage));
    if (open.post.stage === 'scheduled') break;
    const decided = await call(live.api, 'POST', `/v1/posts/${postId}/reviews`, {
      key: key(role),
      body: { stage, revision: open.post.revision, decision: 'approve' },
    });
    expect(decided.status).toBe(200);
  }
  await postWhen(live, key('viewer'), postId, (post) => post.stage === 'scheduled');

  await live.harness.env.sleep(2 * HOUR_MS);
  const held = await postWhen(live, key('viewer'), postId, (post) => post.stage === 'scheduled');
  expect(held.post).toMatchObject({ paused: true, stage: 'scheduled' });
  expect(held.post.variants.every((variant: Json) => variant.status === 'pending')).toBe(true);

  const resumed = await call(live.api, 'POST', `/v1/brands/${pausedBrand.brand.id}/resume`, {
    key: key('manager'),
    body: {},
  });
  expect(resumed.body).toMatchObject({ paused: false, postsSignalled: 1 });
  const published = await postWhen(
    live,
    key('viewer'),
    postId,
    (post) => post.variants.length === 1 && post.variants[0].status === 'published',
  );
  expect(published.post.paused).toBe(false);
});
