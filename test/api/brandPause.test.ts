/**
 * A brand's pause over HTTP against the real workflows: the answer carries the operation and its
 * progress, and GET /v1/brands/:id/publishing follows it to the end.
 */
import { LATE_POSTS_WINDOW_MS } from '../../workflows/brandPublishing';
import type { BrandFixture } from '../helpers/db';
import { call } from './http';
import { brand, postAwaiting, postWhen, startLiveApi, type LiveApi } from './liveApi';

let live: LiveApi;

beforeAll(async () => {
  live = await startLiveApi();
});

afterAll(async () => {
  await live?.teardown();
});

async function publishingWhen(fixture: BrandFixture, ready: (body: Record<string, unknown>) => boolean) {
  const giveUpAt = Date.now() + 15_000;
  for (;;) {
    const response = await call(live.api, 'GET', `/v1/brands/${fixture.brand.id}/publishing`, {
      key: fixture.users.viewer.apiKey,
    });
    if ((response.status === 200 && ready(response.body)) || Date.now() > giveUpAt) return response;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it('pauses and resumes a brand with nothing waiting to publish', async () => {
  const quiet = await brand(live, ['x']);
  const before = await call(live.api, 'GET', `/v1/brands/${quiet.brand.id}/publishing`, {
    key: quiet.users.viewer.apiKey,
  });
  expect(before.body).toEqual({
    brandId: quiet.brand.id,
    paused: false,
    pausedReason: null,
    source: 'database',
    staleReason: 'the brand was never paused or resumed',
    operations: [],
  });

  const paused = await call(live.api, 'POST', `/v1/brands/${quiet.brand.id}/pause`, {
    key: quiet.users.manager.apiKey,
    body: { reason: 'crisis review' },
  });
  expect(paused.status).toBe(200);
  expect(paused.body).toEqual({
    brandId: quiet.brand.id,
    paused: true,
    pausedReason: 'crisis review',
    postsSignalled: 0,
    postsNotReached: [],
    operation: expect.objectContaining({
      operationId: expect.any(String),
      paused: true,
      by: quiet.users.manager.user.id,
      reason: 'crisis review',
      status: 'checking_late_posts',
      postsFound: 0,
    }),
  });

  const resumed = await call(live.api, 'POST', `/v1/brands/${quiet.brand.id}/resume`, {
    key: quiet.users.manager.apiKey,
    body: {},
  });
  expect(resumed.status).toBe(200);
  expect(resumed.body).toMatchObject({ paused: false, pausedReason: null, postsSignalled: 0 });
  // The resume waited for the pause: requests for one brand are carried out in order.
  expect(resumed.body.operation.status).toBe('checking_late_posts');

  await live.harness.env.sleep(LATE_POSTS_WINDOW_MS + 1_000);
  const after = await publishingWhen(quiet, (body) =>
    (body.operations as Array<{ status: string }>).every((operation) => operation.status === 'done'),
  );
  expect(after.body).toMatchObject({ paused: false, pausedReason: null, source: 'workflow' });
  expect(after.body.operations.map((operation: { paused: boolean }) => operation.paused)).toEqual([true, false]);
});

it("answers a pause once the brand's posts have been told, with their count, and shows the progress", async () => {
  const busy = await brand(live, ['x']);
  const { postId } = await postAwaiting(live, busy, 'copy_edit');

  const paused = await call(live.api, 'POST', `/v1/brands/${busy.brand.id}/pause`, {
    key: busy.users.admin.apiKey,
    body: { reason: 'launch moved' },
  });
  expect(paused.status).toBe(200);
  expect(paused.body).toMatchObject({
    paused: true,
    postsSignalled: 1,
    postsNotReached: [],
    operation: { postsFound: 1, postsSignalled: 1 },
  });
  expect((await postWhen(live, busy.users.viewer.apiKey, postId, (post) => post.paused === true)).post.paused).toBe(
    true,
  );

  const progress = await publishingWhen(busy, () => true);
  expect(progress.body).toMatchObject({
    paused: true,
    pausedReason: 'launch moved',
    source: 'workflow',
    operations: [{ operationId: paused.body.operation.operationId, postsSignalled: 1 }],
  });
});

it('refuses a pause from a role that may not pause, before asking Temporal', async () => {
  const team = await brand(live, ['x']);
  const response = await call(live.api, 'POST', `/v1/brands/${team.brand.id}/pause`, {
    key: team.users.author.apiKey,
    body: {},
  });
  expect(response.status).toBe(403);
  const progress = await call(live.api, 'GET', `/v1/brands/${team.brand.id}/publishing`, {
    key: team.users.author.apiKey,
  });
  expect(progress.body).toMatchObject({ paused: false, source: 'database', operations: [] });
});
