/**
 * A client that retries POST /v1/posts (a timeout, a dropped connection) with the same
 * Idempotency-Key gets the post it already created, never a second one; the same key with another
 * body, or for a post that was lost, is refused.
 */
import type { BrandFixture } from '../helpers/db';
import { postIdForKey } from '../../api/services/posts/creation';
import { postWorkflowId } from '../../domain/ids';
import { call, type Json } from './http';
import { brand, localTimeAhead, startLiveApi, type LiveApi } from './liveApi';

let live: LiveApi;
let fixture: BrandFixture;
/** One publish time for every request, so that repeats are the same request to the minute. */
let publishAt: string;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live, ['x', 'linkedin']);
  publishAt = await localTimeAhead(live, fixture, 3 * 24 * 60 * 60 * 1000);
});

afterAll(async () => {
  await live?.teardown();
});

async function createWithKey(
  idempotencyKey: string | undefined,
  role: keyof BrandFixture['users'] = 'author',
  title = 'Retried launch post',
) {
  return call(live.api, 'POST', '/v1/posts', {
    key: fixture.users[role].apiKey,
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    body: {
      brandId: fixture.brand.id,
      title,
      riskTier: 'low',
      publishAt,
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

it('refuses the same key with a different body with 422, and still answers the original request', async () => {
  const first = await createWithKey('launch-edit-1');
  expect(first.status).toBe(201);
  const edited = await createWithKey('launch-edit-1', 'author', 'Retried launch post, reworded');
  expect(edited.status).toBe(422);
  expect(edited.body.error).toBe('idempotency_key_reused');
  expect(edited.body.postId).toBe(first.body.postId);
  const repeat = await createWithKey('launch-edit-1');
  expect(repeat.status).toBe(201);
  expect(repeat.body.postId).toBe(first.body.postId);
});

it('answers 410 for a key whose post was lost, rather than handing back the dead post', async () => {
  const first = await createWithKey('launch-lost-1');
  expect(first.status).toBe(201);
  await live.harness.env.client.workflow.getHandle(postWorkflowId(first.body.postId)).terminate('cleanup');

  const repeat = await createWithKey('launch-lost-1');
  expect(repeat.status).toBe(410);
  expect(repeat.body.postId).toBe(first.body.postId);
  expect(repeat.body.reason).toBe('the workflow was terminated by an admin: cleanup');
  expect(repeat.body.message).toContain('new key');
  const renewed = await createWithKey('launch-lost-2');
  expect(renewed.status).toBe(201);
  expect(renewed.body.postId).not.toBe(first.body.postId);
});

it('starts the workflow when the request that wrote the post died before starting it', async () => {
  // What a process killed between the two steps of a create leaves: the post's placeholder row
  // under the key, with the request's hash, and no workflow in Temporal.
  const first = await createWithKey('launch-died-template');
  expect(first.status).toBe(201);
  const orphanId = postIdForKey({ userId: fixture.users.author.user.id, key: 'launch-died-1' });
  const [row] = await live.harness.db('posts').where({ id: first.body.postId });
  await live.harness.db('posts').insert({
    ...row,
    id: orphanId,
    workflow_id: postWorkflowId(orphanId),
    last_sequence: -1,
    stage: 'drafting',
    flags: JSON.stringify(row.flags),
    state: JSON.stringify({ ...row.state, postId: orphanId, stage: 'drafting', openStages: [] }),
  });

  const repeat = await createWithKey('launch-died-1');
  expect(repeat.status).toBe(201);
  expect(repeat.body.postId).toBe(orphanId);
  expect(repeat.body.stage).toBe('copy_edit');
  const described = await live.harness.env.client.workflow.getHandle(postWorkflowId(orphanId)).describe();
  expect(described.status.name).toBe('RUNNING');
});

describe('the stage a create reports', () => {
  async function createWithText(text: string) {
    return call(live.api, 'POST', '/v1/posts', {
      key: fixture.users.author.apiKey,
      body: {
        brandId: fixture.brand.id,
        title: 'Stage reported on create',
        riskTier: 'low',
        publishAt,
        draft: { variants: fixture.accounts.map((account) => ({ accountId: account.id, text })) },
      },
    });
  }

  it('is drafting when the draft fails the quality checks, as the workflow decided', async () => {
    const created = await createWithText(`Far too long for X: ${'winter blend '.repeat(30)}`);
    expect(created.status).toBe(201);
    expect(created.body.stage).toBe('drafting');
    const detail = await call(live.api, 'GET', `/v1/posts/${created.body.postId}`, {
      key: fixture.users.author.apiKey,
    });
    expect(detail.body.post.stage).toBe('drafting');
    expect(detail.body.post.qualityIssues.length).toBeGreaterThan(0);
  });

  it('is the first review stage when the draft passes', async () => {
    const created = await createWithText('Our winter blend is here');
    expect(created.status).toBe(201);
    expect(created.body.stage).toBe('copy_edit');
  });
});
