/**
 * Post lifecycle benchmarks, through the real API, worker, Postgres and the offline Temporal
 * server: history size of a standard post, review round trip through the API, and posts driven
 * to published per second with 50 in flight.
 */
import { fork } from 'node:child_process';
import { temporal } from '@temporalio/proto';
import { seedDemo } from '../db/seed';
import { createTestEnvironment } from '@socialops/temporal-devserver/testing';
import { postWorkflowId } from '../domain/ids';
import { POST_SEARCH_ATTRIBUTES } from '../workflows/post/searchAttributes';
import { benchDatabase, percentile } from './support';

const CONCURRENT_POSTS = 50;
const REVIEW_SAMPLE_POSTS = Number(process.env.BENCH_REVIEW_POSTS ?? 50);
/** Posts reviewed before measuring, so that start-up work (JIT, caches, connections) is not counted. */
const WARM_UP_POSTS = 5;
const PUBLISH_AT = '2030-01-15T09:00';
const TARGETS = ['demo-x', 'demo-linkedin', 'demo-bluesky'];
const REVIEWS: Array<{ user: string; stage: string }> = [
  { user: 'mia', stage: 'ideation' },
  { user: 'dan', stage: 'design' },
  { user: 'carla', stage: 'copy_edit' },
  { user: 'fiona', stage: 'final_approval' },
];

type Keys = Record<string, string>;

/** A parsed JSON answer; the benchmark reads a field or two of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function call(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status} ${text}`);
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function createStandardPost(base: string, keys: Keys, title: string): Promise<string> {
  const created = await call(base, keys.alice, 'POST', '/v1/posts', {
    brandId: 'demo',
    title,
    riskTier: 'standard',
    flags: [],
    publishAt: PUBLISH_AT,
    draft: {
      variants: TARGETS.map((accountId) => ({
        accountId,
        text: `${title}: our winter blend https://example.com/winter #coffee`,
      })),
    },
  });
  return created.body.postId as string;
}

/**
 * Waits until the post's first review stage is open, as a reviewer would (they are told by the
 * "review due" notification its opening sends), so a review's time does not include the creation.
 */
async function waitUntilOpenForReview(base: string, key: string, postId: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { body } = await call(base, key, 'GET', `/v1/posts/${postId}`);
    if (body.source === 'workflow' && body.post.openStages.length > 0) return;
    if (Date.now() > deadline) throw new Error(`post ${postId} never opened for review`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Approves every review stage; returns each review request's round-trip time in ms. */
async function reviewThrough(base: string, keys: Keys, postId: string): Promise<number[]> {
  const times: number[] = [];
  for (const { user, stage } of REVIEWS) {
    const t0 = performance.now();
    await call(base, keys[user], 'POST', `/v1/posts/${postId}/reviews`, { stage, revision: 1, decision: 'approve' });
    times.push(performance.now() - t0);
  }
  return times;
}

async function waitForStage(base: string, key: string, postId: string, stages: string[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { body } = await call(base, key, 'GET', `/v1/posts/${postId}`);
    const stage = body.post.stage as string;
    if (stages.includes(stage)) return;
    if (Date.now() > deadline) throw new Error(`post ${postId} is still in ${stage}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** "WORKFLOW_TASK_COMPLETED 17, MARKER_RECORDED 12, ...", most frequent first. */
function eventTypeCounts(events: Array<{ eventType?: temporal.api.enums.v1.EventType | null }>): string {
  const counts = new Map<string, number>();
  for (const { eventType } of events) {
    const name = temporal.api.enums.v1.EventType[eventType ?? 0].replace(/^EVENT_TYPE_/, '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
}

export async function benchPosts(): Promise<void> {
  console.log('## post lifecycle');
  const { db, url, drop } = await benchDatabase();
  const env = await createTestEnvironment({ searchAttributes: { ...POST_SEARCH_ATTRIBUTES } });
  const seed = await seedDemo(db);
  const keys: Keys = Object.fromEntries(seed.users.map(({ user, apiKey }) => [user.id, apiKey]));
  // As in production, the worker and the API are processes of their own; this one is their caller.
  const args = [url, env.address, 'socialops'];
  const worker = fork(require.resolve('./postsWorker'), args, { execArgv: process.execArgv, stdio: 'inherit' });
  const api = fork(require.resolve('./postsApi'), args, { execArgv: process.execArgv, stdio: 'inherit' });
  const [, { port }] = await Promise.all([
    new Promise((resolve) => worker.once('message', resolve)),
    new Promise<{ port: number }>((resolve) => api.once('message', resolve as (message: unknown) => void)),
  ]);
  const base = `http://127.0.0.1:${port}`;

  try {
    await (async () => {
      // Review round trip: each POST /reviews runs a validated update to completion.
      const roundTrips: number[] = [];
      for (let i = 0; i < WARM_UP_POSTS + REVIEW_SAMPLE_POSTS; i++) {
        const postId = await createStandardPost(base, keys, `latency ${i}`);
        await waitUntilOpenForReview(base, keys.mia, postId);
        const times = await reviewThrough(base, keys, postId);
        if (i >= WARM_UP_POSTS) roundTrips.push(...times);
      }
      const p50 = percentile(roundTrips, 50);
      const p99 = percentile(roundTrips, 99);
      console.log(
        `review round trip through the API (${roundTrips.length} reviews after ${WARM_UP_POSTS * REVIEWS.length} to warm up): p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target p99 < 50 ms)`,
      );

      // Throughput: 50 posts at once, each created, reviewed four times, published now.
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENT_POSTS }, async (_, i) => {
          const postId = await createStandardPost(base, keys, `throughput ${i}`);
          await reviewThrough(base, keys, postId);
          await call(base, keys.mia, 'POST', `/v1/posts/${postId}/publish-now`, {});
          await waitForStage(base, keys.mia, postId, ['published', 'tracking', 'completed']);
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      console.log(
        `posts driven from creation to published: ${CONCURRENT_POSTS} concurrent in ${seconds.toFixed(2)} s = ${(CONCURRENT_POSTS / seconds).toFixed(1)} posts/s`,
      );

      // History size: a standard post with four reviews, three platforms, three snapshots.
      const postId = await createStandardPost(base, keys, 'history');
      await reviewThrough(base, keys, postId);
      const handle = env.client.workflow.getHandle(postWorkflowId(postId));
      await handle.result(); // lets the server skip through the wait, publishing and 7 days of tracking
      const history = await handle.fetchHistory();
      console.log(
        `history events of a standard 4-review post on 3 platforms with 3 snapshots: ${history.events?.length} (target ≤ 60)`,
      );
      console.log(`  by type: ${eventTypeCounts(history.events ?? [])}`);
    })();
  } finally {
    for (const child of [worker, api]) child.send('stop');
    await Promise.all([worker, api].map((child) => new Promise((resolve) => child.once('exit', resolve))));
    await env.teardown();
    await drop();
  }
}

if (require.main === module) {
  benchPosts().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
