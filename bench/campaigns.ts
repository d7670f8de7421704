/**
 * Campaign benchmark, through the real API, worker, Postgres and the offline Temporal server,
 * each in its own process as in production: one request plans a campaign of 500 posts, its
 * workflow creates them, and reviewers take every one of them to scheduled.
 */
import { fork } from 'node:child_process';
import { createTestEnvironment } from '@socialops/temporal-devserver/testing';
import { seedDemo } from '../db/seed';
import { POST_SEARCH_ATTRIBUTES } from '../workflows/post/searchAttributes';
import { benchDatabase } from './support';

const CAMPAIGN_POSTS = Number(process.env.BENCH_CAMPAIGN_POSTS ?? 500);
/** Reviewers working through the campaign's posts at the same time. */
const REVIEWERS_IN_FLIGHT = 50;
const TARGETS = ['demo-x', 'demo-linkedin'];
const REVIEWS: Array<{ user: string; stage: string }> = [
  { user: 'carla', stage: 'copy_edit' },
  { user: 'fiona', stage: 'final_approval' },
];

type Keys = Record<string, string>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(base: string, key: string, method: string, path: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, pollMs = 100): Promise<T> {
  const deadline = Date.now() + Number(process.env.BENCH_CAMPAIGN_WAIT_MS ?? 600_000);
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen in time: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export async function benchCampaigns(): Promise<void> {
  console.log('## campaigns');
  const { db, url, drop } = await benchDatabase();
  const env = await createTestEnvironment({ searchAttributes: { ...POST_SEARCH_ATTRIBUTES } });
  const seed = await seedDemo(db);
  const keys: Keys = Object.fromEntries(seed.users.map(({ user, apiKey }) => [user.id, apiKey]));
  const args = [url, env.address, 'socialops'];
  const worker = fork(require.resolve('./postsWorker'), args, { execArgv: process.execArgv, stdio: 'inherit' });
  const api = fork(require.resolve('./postsApi'), args, { execArgv: process.execArgv, stdio: 'inherit' });
  const [, { port }] = await Promise.all([
    new Promise((resolve) => worker.once('message', resolve)),
    new Promise<{ port: number }>((resolve) => api.once('message', resolve as (message: unknown) => void)),
  ]);
  const base = `http://127.0.0.1:${port}`;

  try {
    const plan = Array.from({ length: CAMPAIGN_POSTS }, (_, i) => ({
      title: `Winter blend ${i + 1}`,
      riskTier: 'low',
      publishAt: `2030-01-${String(1 + (i % 28)).padStart(2, '0')}T09:00`,
      draft: {
        variants: TARGETS.map((accountId) => ({
          accountId,
          text: `Winter blend, day ${i + 1} https://example.com/winter`,
        })),
      },
    }));
    const t0 = performance.now();
    const created = await call(base, keys.mia, 'POST', '/v1/campaigns', {
      brandId: 'demo',
      name: 'Winter blend',
      startsAt: '2029-12-01',
      endsAt: '2030-02-01',
      plan,
    });
    const accepted = performance.now() - t0;
    const campaign = await until(
      'creating the posts',
      () => call(base, keys.mia, 'GET', `/v1/campaigns/${created.id}`),
      (body) => body.plan.pending === 0,
    );
    const createdIn = (performance.now() - t0) / 1000;
    if (campaign.plan.failed > 0) throw new Error(`planned posts failed: ${JSON.stringify(campaign.plan.failures)}`);

    const postIds: string[] = [];
    for (let cursor: string | null = null; ;) {
      const page: Json = await call(
        base,
        keys.mia,
        'GET',
        `/v1/posts?campaignId=${created.id}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      postIds.push(...page.items.map((post: Json) => post.postId ?? post.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: REVIEWERS_IN_FLIGHT }, async () => {
        while (next < postIds.length) {
          const postId = postIds[next++];
          for (const { user, stage } of REVIEWS) {
            await until(
              `${stage} of ${postId}`,
              () => call(base, keys[user], 'GET', `/v1/posts/${postId}`),
              (body) => body.post.openStages.includes(stage),
            );
            await call(base, keys[user], 'POST', `/v1/posts/${postId}/reviews`, {
              stage,
              revision: 1,
              decision: 'approve',
            });
          }
        }
      }),
    );
    await until(
      'every post scheduled',
      () => call(base, keys.mia, 'GET', `/v1/campaigns/${created.id}`),
      (body) => body.posts.perStage.scheduled === CAMPAIGN_POSTS,
    );
    const scheduledIn = (performance.now() - t0) / 1000;
    console.log(
      `campaign of ${CAMPAIGN_POSTS} posts: request answered in ${accepted.toFixed(0)} ms; ` +
        `posts created in ${createdIn.toFixed(2)} s = ${(CAMPAIGN_POSTS / createdIn).toFixed(1)} posts/s`,
    );
    console.log(
      `driven to scheduled (two reviews each, ${REVIEWERS_IN_FLIGHT} reviewers in flight) in ${scheduledIn.toFixed(2)} s = ` +
        `${(CAMPAIGN_POSTS / scheduledIn).toFixed(1)} posts/s`,
    );
  } finally {
    for (const child of [worker, api]) child.send('stop');
    await Promise.all([worker, api].map((child) => new Promise((resolve) => child.once('exit', resolve))));
    await env.teardown();
    await drop();
  }
}
