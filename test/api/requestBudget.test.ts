/**
 * A request whose work cannot finish in time gets a clear 503 when its budget runs out instead of
 * holding the client; the process goes on serving others, and when the abandoned work ends later
 * nothing is answered a second time.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import pino from 'pino';
import { createTestKnex, insertBrandFixture, type BrandFixture } from '../helpers/db';
import { call, projectPost, startApi, type RunningApi } from './http';

const BUDGET_MS = 400;

let db: Knex;
let api: RunningApi;
let fixture: BrandFixture;
const logged: Array<Record<string, unknown>> = [];

/** The workflow's answer to the update, held back until the test lets it through. */
let releaseUpdate: () => void = () => {};
let updateFinished: Promise<void> = Promise.resolve();

/** A Temporal whose update hangs: the only way to make a request outlive its budget on purpose. */
const hangingTemporal = {
  options: { namespace: 'default' },
  connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
  workflow: {
    getHandle: () => ({
      executeUpdate: () => {
        const answer = new Promise<{ stage: string }>((resolve) => {
          releaseUpdate = () => resolve({ stage: 'cancelled' });
        });
        updateFinished = answer.then(() => undefined);
        return answer;
      },
    }),
  },
} as unknown as Client;

beforeAll(async () => {
  db = createTestKnex();
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) },
  );
  api = await startApi({ db, temporal: hangingTemporal, taskQueue: 'api-budget', requestBudgetMs: BUDGET_MS, logger });
  fixture = await insertBrandFixture(db, { platforms: ['x'] });
});

afterAll(async () => {
  releaseUpdate();
  await api.close();
  await db.destroy();
});

it('answers 503 request_timeout when the budget runs out, keeps serving, and never answers twice', async () => {
  const post = await projectPost(db, {
    brandId: fixture.brand.id,
    authorId: fixture.users.author.user.id,
    stage: 'legal_review',
    publishAt: '2027-05-01T08:00:00.000Z',
  });
  const response = await call(api, 'POST', `/v1/posts/${post.postId}/cancel`, {
    key: fixture.users.manager.apiKey,
    body: { reason: 'no longer needed' },
    headers: { 'x-request-id': 'slow-cancel' },
  });
  expect(response.status).toBe(503);
  expect(response.body).toMatchObject({
    error: 'request_timeout',
    budgetMs: BUDGET_MS,
    requestId: 'slow-cancel',
    message: expect.stringContaining('did not finish within 0.4 s'),
  });
  expect(response.headers.get('retry-after')).toBe('5');

  const health = await call(api, 'GET', '/healthz');
  expect(health.status).toBe(200);
  const read = await call(api, 'GET', '/v1/posts', { key: fixture.users.viewer.apiKey });
  expect(read.status).toBe(200);

  releaseUpdate();
  await updateFinished;
  // One more request through the same app: by then the abandoned handler has run to its end.
  expect((await call(api, 'GET', '/healthz')).status).toBe(200);
  expect(logged.filter((entry) => entry.requestId === 'slow-cancel' && entry.level === 50)).toEqual([]);
});
