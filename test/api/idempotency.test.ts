/**
 * A client that retries POST /v1/posts (a timeout, a dropped connection) with the same
 * Idempotency-Key gets the post it already created, never a second one.
 */
import type { BrandFixture } from '../helpers/db';
import { call, type Json } from './http';
import { brand, localTimeAhead, startLiveApi, type LiveApi } from './liveApi';

let live: LiveApi;
let fixture: BrandFixture;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live, ['x', 'linkedin']);
});

afterAll(async () => {
  await live?.teardown();
});

async function createWithKey(idempotencyKey: string | undefined, role: keyof BrandFixture['users'] = 'author') {
  return call(live.api, 'POST', '/v1/posts', {
    key: fixture.users[role].apiKey,
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    body: {
      brandId: fixture.brand.id,
      title: 'Retried launch post',
      riskTier: 'low',
      publishAt: await localTimeAhead(live, fixture, 3 * 24 * 60 * 60 * 1000),
      draft: {
        variants: fixture.accounts.map((account) => ({
          accountId: account.id,
          text: 'Launching today https://example.com/launch',
        })),
      },
    },
  });
}

async function postsTitled(): Promise<Json[]> {
  const listed = await call(live.api, 'GET', `/v1/posts?brandId=${fixture.brand.id}`, {
    key: fixture.users.viewer.apiKey,
  });
  return listed.body.items as Json[];
}

it('creates the post once for a key, however often and however concurrently the request is repeated', async () => {
  const first = await createWithKey('launch-retry-1');
  expect(first.status).toBe(201);
  const repeats = await Promise.all([createWithKey('launch-retry-1'), createWithKey('launch-retry-1')]);
  for (const repeat of repeats) {
    expect(repeat.status).toBe(201);
    expect(repeat.body.postId).toBe(first.body.postId);
    expect(repeat.body.workflowId).toBe(first.body.workflowId);
  }
  expect((await postsTitled()).filter((post) => post.id === first.body.postId)).toHaveLength(1);
});

it('keeps different keys, and the same key from different people, apart', async () => {
  const byAuthor = await createWithKey('shared-key');
  const byManager = await createWithKey('shared-key', 'manager');
  const another = await createWithKey('another-key');
  const ids = new Set([byAuthor.body.postId, byManager.body.postId, another.body.postId]);
  expect(ids.size).toBe(3);
});

it('refuses a malformed key with 400 naming the header', async () => {
  const response = await createWithKey('not a valid key!');
  expect(response.status).toBe(400);
  expect(JSON.stringify(response.body.issues)).toContain('idempotency-key');
});
