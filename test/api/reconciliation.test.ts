/**
 * Posts whose workflow is gone from Temporal (terminated by an admin, never started, lost with an
 * offline server's memory) are closed as `lost` with the reason: GET says so, every action answers
 * 410, the review queue, calendar and stage filters drop them, and what the platform published is
 * recorded as published.
 */
import type { Knex } from 'knex';
import pino from 'pino';
import { createSandboxStore } from '../../db/sandbox';
import { createPostStore, PLACEHOLDER_SEQUENCE } from '../../db/posts';
import { migrateLatest } from '../../db/migrate';
import { createKnex } from '../../db/knex';
import { createScratchDatabase, withDatabase, type ScratchDatabase } from '../helpers/scratchDatabases';
import { reconcilePostsAtStartup } from '../../api/reconciliation';
import { publicationKey } from '../../domain/publicationKey';
import { POST_WORKFLOW_TYPE } from '../../workflows/messages';
import { postWorkflowId } from '../../domain/ids';
import { insertBrandFixture, setSandboxFailure, testDatabaseUrl, uniqueId, type BrandFixture } from '../helpers/db';
import { call, projectPost, type Json } from './http';
import { brand, createPost, postAwaiting, postWhen, stageOpen, startLiveApi, type LiveApi } from './liveApi';

let live: LiveApi;
let fixture: BrandFixture;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live, ['x', 'linkedin']);
});

afterAll(async () => {
  await live?.teardown();
});

const get = (path: string, key: string) => call(live.api, 'GET', path, { key });

async function reviewQueueIds(key: string): Promise<string[]> {
  const queue = await get('/v1/review-queue', key);
  expect(queue.status).toBe(200);
  return (queue.body.items as Json[]).map((item) => item.post.id as string);
}

async function listedIds(query: string): Promise<string[]> {
  const listed = await get(`/v1/posts?brandId=${fixture.brand.id}&${query}`, fixture.users.viewer.apiKey);
  expect(listed.status).toBe(200);
  return (listed.body.items as Json[]).map((item) => item.id as string);
}

/** Every action on the post, each as a user allowed to attempt it, with a body it would accept. */
function everyAction(postId: string, revision: number) {
  const { users } = fixture;
  return [
    {
      path: `/v1/posts/${postId}/reviews`,
      key: users.copy_editor.apiKey,
      body: { stage: 'copy_edit', revision, decision: 'approve' },
    },
    {
      path: `/v1/posts/${postId}/revisions`,
      key: users.author.apiKey,
      body: { variants: fixture.accounts.map((account) => ({ accountId: account.id, text: 'A new take' })) },
    },
    { path: `/v1/posts/${postId}/reschedule`, key: users.author.apiKey, body: { publishAt: '2027-06-01T10:00' } },
    { path: `/v1/posts/${postId}/cancel`, key: users.author.apiKey, body: { reason: 'no longer needed' } },
    { path: `/v1/posts/${postId}/publish-now`, key: users.manager.apiKey, body: {} },
    { path: `/v1/posts/${postId}/retry`, key: users.author.apiKey, body: {} },
  ];
}

describe('a post whose workflow an admin terminated', () => {
  let postId: string;
  let revision: number;

  beforeAll(async () => {
    ({ postId, revision } = await postAwaiting(live, fixture, 'copy_edit'));
    expect(await reviewQueueIds(fixture.users.copy_editor.apiKey)).toContain(postId);
    expect(await listedIds('stage=copy_edit')).toContain(postId);
    await live.harness.env.client.workflow.getHandle(postWorkflowId(postId)).terminate('stuck after a bad deploy');
  });

  it('reads as lost, with the reason, instead of the stage it was stopped in', async () => {
    const response = await get(`/v1/posts/${postId}`, fixture.users.author.apiKey);
    expect(response.status).toBe(200);
    expect(response.body.source).toBe('projection');
    expect(response.body.staleReason).toBe(
      'the post was lost: the workflow was terminated by an admin: stuck after a bad deploy',
    );
    expect(response.body.post.stage).toBe('lost');
    expect(response.body.post.openStages).toEqual([]);
    expect(response.body.post.exitReason).toBe('the workflow was terminated by an admin: stuck after a bad deploy');
  });

  it('leaves the review queue and the stage filter, and is listed as lost', async () => {
    expect(await reviewQueueIds(fixture.users.copy_editor.apiKey)).not.toContain(postId);
    expect(await listedIds('stage=copy_edit')).not.toContain(postId);
    expect(await listedIds('stage=lost')).toContain(postId);
  });

  it('answers every action with 410 and the reason, never 404', async () => {
    for (const action of everyAction(postId, revision)) {
      const response = await call(live.api, 'POST', action.path, { key: action.key, body: action.body });
      expect({ path: action.path, status: response.status }).toEqual({ path: action.path, status: 410 });
      expect(response.body.error).toBe('gone');
      expect(response.body.reason).toBe('the workflow was terminated by an admin: stuck after a bad deploy');
    }
  });

  it('records the loss once in the audit log, after the workflow’s own entries', async () => {
    const audit = await get(`/v1/posts/${postId}/audit`, fixture.users.manager.apiKey);
    const entries = audit.body.entries as Json[];
    const losses = entries.filter((entry) => entry.action === 'lost');
    expect(losses).toHaveLength(1);
    expect(entries[entries.length - 1]).toMatchObject({
      action: 'lost',
      actorId: 'system',
      fromStage: 'copy_edit',
      toStage: 'lost',
      detail: { reason: 'the workflow was terminated by an admin: stuck after a bad deploy', published: [] },
    });
  });
});

it('closes a scheduled post whose workflow never existed when someone acts on it, and drops it from the calendar', async () => {
  const post = await projectPost(live.harness.db, {
    brandId: fixture.brand.id,
    authorId: fixture.users.author.user.id,
    stage: 'scheduled',
    publishAt: '2027-03-10T09:00:00.000Z',
  });
  const calendar = () =>
    get(`/v1/calendar?brandId=${fixture.brand.id}&from=2027-03-01&to=2027-03-31`, fixture.users.manager.apiKey);
  const before = await calendar();
  expect((before.body.days as Json[]).flatMap((day) => day.posts.map((p: Json) => p.id))).toContain(post.postId);

  const cancel = await call(live.api, 'POST', `/v1/posts/${post.postId}/cancel`, {
    key: fixture.users.author.apiKey,
    body: { reason: 'moving it' },
  });
  expect(cancel.status).toBe(410);
  expect(cancel.body.message).toContain('the workflow no longer exists in Temporal');

  const after = await calendar();
  expect((after.body.days as Json[]).flatMap((day) => day.posts.map((p: Json) => p.id))).not.toContain(post.postId);
  const detail = await get(`/v1/posts/${post.postId}`, fixture.users.author.apiKey);
  expect(detail.body.post.stage).toBe('lost');
});

it('records what the platform published for a post lost while publishing', async () => {
  const [x, linkedin] = fixture.accounts;
  const post = await projectPost(live.harness.db, {
    brandId: fixture.brand.id,
    authorId: fixture.users.author.user.id,
    stage: 'publishing',
    publishAt: '2027-04-01T09:00:00.000Z',
    revision: 2,
    variants: [x, linkedin].map((account) => ({
      accountId: account.id,
      platform: account.platform,
      status: 'publishing' as const,
      attempts: 1,
    })),
  });
  const { publication } = await createSandboxStore(live.harness.db).publishOnce({
    idempotencyKey: publicationKey({ postId: post.postId, revision: 2, accountId: x.id }),
    accountId: x.id,
    platform: x.platform,
    postId: post.postId,
    text: 'Spring menu',
    media: [],
    externalId: `sbx-post-${uniqueId('ext')}`,
    url: 'https://sandbox.socialops.invalid/x/spring',
    publishedAt: '2027-04-01T09:00:01.000Z',
  });

  const detail = await get(`/v1/posts/${post.postId}`, fixture.users.author.apiKey);
  expect(detail.body.post.stage).toBe('lost');
  const variants = Object.fromEntries((detail.body.post.variants as Json[]).map((v) => [v.accountId, v]));
  expect(variants[x.id]).toMatchObject({
    status: 'published',
    externalId: publication.externalId,
    url: publication.url,
    publishedAt: publication.publishedAt,
  });
  expect(variants[linkedin.id]).toMatchObject({ status: 'failed', failureType: 'WorkflowLost' });
  expect(detail.body.post.exitReason).toBe(
    `the workflow no longer exists in Temporal; published before it was lost: x (${x.id})`,
  );
  const rows = await createPostStore(live.harness.db).listVariants({ postId: post.postId });
  expect(rows.find((row) => row.accountId === x.id)).toMatchObject({
    status: 'published',
    externalId: publication.externalId,
  });
});

it('closes a post when an action is the first to meet its terminated workflow', async () => {
  const { postId, revision } = await postAwaiting(live, fixture, 'copy_edit');
  await live.harness.env.client.workflow.getHandle(postWorkflowId(postId)).terminate('duplicate run');

  const review = await call(live.api, 'POST', `/v1/posts/${postId}/reviews`, {
    key: fixture.users.copy_editor.apiKey,
    body: { stage: 'copy_edit', revision, decision: 'approve' },
  });
  expect(review.status).toBe(410);
  expect(review.body.reason).toBe('the workflow was terminated by an admin: duplicate run');
  expect(await reviewQueueIds(fixture.users.copy_editor.apiKey)).not.toContain(postId);
});

it('shows what the platform published for a post whose workflow was killed mid-publication', async () => {
  const own = await brand(live, ['x', 'linkedin']);
  const [x, linkedin] = own.accounts;
  // LinkedIn keeps the publication waiting a day, long after the workflow is gone.
  await setSandboxFailure(live.harness.db, [linkedin.id], { mode: 'rate_limit', retryAfterSeconds: 86_400, times: 5 });
  const { postId, revision } = await postAwaiting(live, own, 'copy_edit');
  for (const [stage, role] of [
    ['copy_edit', 'copy_editor'],
    ['final_approval', 'final_approver'],
  ] as const) {
    await postWhen(live, own.users[role].apiKey, postId, stageOpen(stage));
    const decided = await call(live.api, 'POST', `/v1/posts/${postId}/reviews`, {
      key: own.users[role].apiKey,
      body: { stage, revision, decision: 'approve' },
    });
    expect(decided.status).toBe(200);
  }
  await postWhen(live, own.users.manager.apiKey, postId, (post) => post.stage === 'scheduled');
  const now = await call(live.api, 'POST', `/v1/posts/${postId}/publish-now`, {
    key: own.users.manager.apiKey,
    body: {},
  });
  expect(now.status).toBe(200);
  const xPublication = () =>
    createSandboxStore(live.harness.db).findByIdempotencyKey(publicationKey({ postId, revision, accountId: x.id }));
  for (let waited = 0; !(await xPublication()); waited += 50) {
    if (waited > 20_000) throw new Error('x never published');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await live.harness.env.client.workflow.getHandle(postWorkflowId(postId)).terminate('killed mid-publish');
  // As a crash leaves it: the platform took X's variant, the projection never heard of it. A write
  // the worker still had in flight when the run was terminated must not undo that, so the row
  // claims a sequence beyond any the workflow reached.
  const projected = (await createPostStore(live.harness.db).findById(postId))!;
  const crashed = {
    ...projected.state,
    stage: 'publishing' as const,
    variants: projected.state.variants.map(({ accountId, platform }) => ({
      accountId,
      platform,
      status: 'publishing' as const,
      attempts: 1,
    })),
  };
  await live.harness
    .db('posts')
    .where({ id: postId })
    .update({ stage: 'publishing', state: JSON.stringify(crashed), last_sequence: 1_000_000 });

  const detail = await get(`/v1/posts/${postId}`, own.users.author.apiKey);
  expect(detail.body.post.stage).toBe('lost');
  expect(detail.body.post.exitReason).toBe(
    `the workflow was terminated by an admin: killed mid-publish; published before it was lost: x (${x.id})`,
  );
  const variants = Object.fromEntries((detail.body.post.variants as Json[]).map((v) => [v.accountId, v]));
  expect(variants[x.id]).toMatchObject({ status: 'published', externalId: (await xPublication())!.externalId });
  expect(variants[linkedin.id]).toMatchObject({ status: 'failed', failureType: 'WorkflowLost' });
});

describe('the admin reconciliation', () => {
  it('closes every open post whose workflow is gone, leaves running ones, and finds nothing more the second time', async () => {
    const own = await brand(live, ['x']);
    const gone = await Promise.all(
      (['scheduled', 'legal_review'] as const).map((stage) =>
        projectPost(live.harness.db, {
          brandId: own.brand.id,
          authorId: own.users.author.user.id,
          stage,
          publishAt: '2027-05-01T09:00:00.000Z',
        }),
      ),
    );
    const created = await createPost(live, own);
    expect(created.status).toBe(201);

    const first = await call(live.api, 'POST', '/v1/admin/reconcile', { key: own.users.admin.apiKey, body: {} });
    expect(first.status).toBe(200);
    expect(first.body.checked).toBe(3);
    expect(first.body.running).toBe(1);
    expect((first.body.lost as Json[]).map((lost) => lost.postId).sort()).toEqual(gone.map((p) => p.postId).sort());
    expect(first.body.lost[0]).toMatchObject({ reason: 'the workflow no longer exists in Temporal', publishedTo: [] });

    const second = await call(live.api, 'POST', '/v1/admin/reconcile', { key: own.users.admin.apiKey, body: {} });
    expect(second.body).toMatchObject({ checked: 1, running: 1, starting: 0, failed: 0, lost: [] });
    const still = await get(`/v1/posts/${created.body.postId}`, own.users.author.apiKey);
    expect(still.body.source).toBe('workflow');
  });

  it('is for admins only', async () => {
    const response = await call(live.api, 'POST', '/v1/admin/reconcile', {
      key: fixture.users.manager.apiKey,
      body: {},
    });
    expect(response.status).toBe(403);
  });
});

describe('the start-up pass', () => {
  let scratch: ScratchDatabase;
  let db: Knex;

  beforeAll(async () => {
    // Its own database: the pass looks at every open post, and other files' posts live elsewhere.
    scratch = await createScratchDatabase({
      adminUrl: withDatabase(testDatabaseUrl(), 'postgres'),
      prefix: 'socialops_startup_reconcile',
    });
    db = createKnex(scratch.url, { poolMax: 2 });
    await migrateLatest(db);
  });

  afterAll(async () => {
    await db?.destroy();
    await scratch?.drop();
  });

  it('closes every open post whose workflow did not survive, and only those', async () => {
    const own = await insertBrandFixture(db, { platforms: ['x'] });
    const project = (stage: 'scheduled' | 'copy_edit' | 'publishing' | 'completed') =>
      projectPost(db, {
        brandId: own.brand.id,
        authorId: own.users.author.user.id,
        stage,
        publishAt: '2027-05-01T09:00:00.000Z',
      });
    const forgotten = await Promise.all([project('scheduled'), project('copy_edit'), project('publishing')]);
    const finished = await project('completed');
    const running = await project('scheduled');
    // A workflow nobody polls for stays running: the pass must leave its post alone.
    await live.harness.env.client.workflow.start(POST_WORKFLOW_TYPE, {
      workflowId: postWorkflowId(running.postId),
      taskQueue: uniqueId('nobody-polls'),
      args: [{}],
    });
    const starting = { ...(await project('scheduled')), updatedAt: new Date().toISOString() };
    await db('posts').where({ id: starting.postId }).update({ last_sequence: PLACEHOLDER_SEQUENCE });

    await reconcilePostsAtStartup({ db, temporal: live.harness.env.client, logger: pino({ level: 'silent' }) });

    const posts = createPostStore(db);
    for (const post of forgotten) {
      const stored = await posts.findById(post.postId);
      expect(stored).toMatchObject({ stage: 'lost' });
      expect(stored!.state.exitReason).toBe('the workflow no longer exists in Temporal');
    }
    expect((await posts.findById(finished.postId))!.stage).toBe('completed');
    expect((await posts.findById(running.postId))!.stage).toBe('scheduled');
    expect((await posts.findById(starting.postId))!.stage).toBe('scheduled');
  });
});

it('keeps answering a live post from its workflow', async () => {
  const { postId } = await postAwaiting(live, fixture, 'copy_edit');
  const detail = await postWhen(live, fixture.users.author.apiKey, postId, (post) => post.stage === 'copy_edit');
  expect(detail.source).toBe('workflow');
});
