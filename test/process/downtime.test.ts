/**
 * `npm start` down across a post's publish time: killed while the post is scheduled, kept down
 * past the time, started again. The post publishes right after the start, or, when its brand
 * holds late publications, waits for a person.
 */
import { toLocalDateTime } from '../../domain/publishTime';
import { until } from '../helpers/processes';
import { embeddedRun, type EmbeddedRun } from './embeddedRun';

let run: EmbeddedRun;
let keys: Record<string, string>;

beforeAll(async () => {
  run = await embeddedRun();
  await run.start();
  keys = run.keys();
});

afterAll(async () => {
  await run?.cleanUp();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const localTime = (instant: number): string =>
  toLocalDateTime({ instant: new Date(instant).toISOString(), timeZone: 'Europe/Berlin' });

/**
 * A low-risk post approved by copy edit and final approval, then moved to `aheadMs` from now: the
 * reviews take what they take, the publish time is still ahead when the process is killed.
 */
async function scheduledPost(title: string, aheadMs: number): Promise<{ postId: string; publishAt: string }> {
  const created = await run.request('POST', '/v1/posts', {
    key: keys.alice,
    body: {
      brandId: 'demo',
      title,
      riskTier: 'low',
      flags: [],
      publishAt: localTime(Date.now() + 24 * 60 * 60 * 1000),
      draft: { variants: [{ accountId: 'demo-x', text: `${title} https://example.com/winter` }] },
    },
  });
  expect(created.status).toBe(201);
  const { postId } = created.body;
  for (const [stage, reviewer] of [
    ['copy_edit', 'carla'],
    ['final_approval', 'fiona'],
  ]) {
    await postWhen(postId, (post) => post.openStages.includes(stage));
    const decided = await run.request('POST', `/v1/posts/${postId}/reviews`, {
      key: keys[reviewer],
      body: { stage, revision: 1, decision: 'approve' },
    });
    expect(decided.status).toBe(200);
  }
  await postWhen(postId, (current) => current.stage === 'scheduled');
  const publishAt = Date.now() + aheadMs;
  const moved = await run.request('POST', `/v1/posts/${postId}/reschedule`, {
    key: keys.mia,
    body: { publishAt: new Date(publishAt).toISOString() },
  });
  expect({ status: moved.status, body: moved.body }).toMatchObject({ status: 200 });
  return { postId, publishAt: new Date(publishAt).toISOString() };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function postWhen(postId: string, ready: (post: any) => boolean, timeoutMs = 30_000): Promise<any> {
  return until(async () => {
    const answer = await run.request('GET', `/v1/posts/${postId}`, { key: keys.alice });
    return answer.status === 200 && ready(answer.body.post) ? answer.body.post : undefined;
  }, timeoutMs);
}

/** Kills `npm start`, waits until `downUntil` has passed, and starts it again; resolves with the moment it was ready. */
async function downUntil(instant: number): Promise<number> {
  await run.kill();
  await sleep(Math.max(0, instant - Date.now()));
  await run.start();
  return Date.now();
}

it('publishes a post whose publish time passed while it was down right after the start, by default', async () => {
  const { postId, publishAt } = await scheduledPost('Published after the downtime', 5_000);
  const readyAt = await downUntil(Date.parse(publishAt) + 5_000);

  const post = await postWhen(postId, (current) => current.variants[0].status === 'published');
  expect(post.stage === 'published' || post.stage === 'tracking').toBe(true);
  // Published by the timer that came due while down, not by anything after the start.
  expect(Date.parse(post.variants[0].publishedAt)).toBeGreaterThan(Date.parse(publishAt));
  expect(Date.parse(post.variants[0].publishedAt)).toBeLessThan(readyAt + 30_000);
  const audit = await run.request('GET', `/v1/posts/${postId}/audit`, { key: keys.mia });
  expect(audit.body.entries.map((entry: { action: string }) => entry.action)).toContain('publish_time_reached');
}, 120_000);

it('holds a post more than the tolerance late for a person when the brand says so, and publishes it on publish-now', async () => {
  const set = await run.request('PUT', '/v1/brands/demo/late-publishing', {
    key: keys.mia,
    body: { passedPublishTime: 'hold_for_review', toleranceMinutes: 1 },
  });
  expect(set.status).toBe(200);
  expect(set.body).toEqual({ brandId: 'demo', passedPublishTime: 'hold_for_review', toleranceMinutes: 1 });

  const { postId, publishAt } = await scheduledPost('Held after the downtime', 5_000);
  await downUntil(Date.parse(publishAt) + 75_000);

  const held = await postWhen(postId, (current) =>
    current.holds.some((hold: { source: string }) => hold.source === 'passed_publish_time'),
  );
  expect(held.stage).toBe('scheduled');
  expect(held.paused).toBe(true);
  expect(held.variants[0].status).toBe('pending');
  expect(held.holds[0].reason).toMatch(/the brand holds publications more than 1 min late/);

  const published = await run.request('POST', `/v1/posts/${postId}/publish-now`, { key: keys.mia, body: {} });
  expect(published.status).toBe(200);
  const post = await postWhen(postId, (current) => current.variants[0].status === 'published');
  expect(post.holds).toEqual([]);
}, 180_000);
