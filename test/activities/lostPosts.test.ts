/**
 * The writes that close a post as lost, against real Postgres: projection, variants and audit log
 * in one go, once, and never overwritten by a write of the workflow that arrives late.
 */
import type { Knex } from 'knex';
import { createAuditLog, postEntity } from '../../db/audit';
import { createLostPostRecorder } from '../../db/lostPosts';
import { createPostStore } from '../../db/posts';
import { LOST_SEQUENCE } from '../../domain/lostPost';
import { createTestKnex, insertBrand, uniqueId } from '../helpers/db';
import { postState } from './postStateFixture';

let db: Knex;

beforeAll(() => {
  db = createTestKnex();
});
afterAll(async () => {
  await db.destroy();
});

const content = {
  variants: [
    { accountId: 'acc-x', platform: 'x' as const, text: 'Autumn blend is back', media: [] },
    { accountId: 'acc-li', platform: 'linkedin' as const, text: 'Our autumn blend returns', media: [] },
  ],
};

async function publishingPost() {
  const brand = await insertBrand(db);
  const state = postState({
    postId: uniqueId('post'),
    brandId: brand.id,
    stage: 'publishing',
    openStages: ['publishing'],
    revision: 1,
    content,
    variants: content.variants.map((variant) => ({
      accountId: variant.accountId,
      platform: variant.platform,
      status: 'publishing' as const,
      attempts: 1,
    })),
  });
  const posts = createPostStore(db);
  await posts.applyProjection({ state, sequence: 7 });
  await posts.writeVariants({ postId: state.postId, revision: 1, variants: state.variants });
  return state;
}

const published = {
  accountId: 'acc-x',
  externalId: 'sbx-post-1',
  url: 'https://sandbox.socialops.invalid/x/1',
  publishedAt: '2026-10-01T08:00:02.000Z',
};

it('writes the lost stage, the ledger’s publications and one audit entry together', async () => {
  const state = await publishingPost();
  const result = await createLostPostRecorder(db).recordLost({
    postId: state.postId,
    reason: 'the workflow no longer exists in Temporal',
    publications: [published],
    at: '2026-10-01T09:00:00.000Z',
  });

  expect(result?.recorded).toBe(true);
  expect(result?.post).toMatchObject({ stage: 'lost', lastSequence: LOST_SEQUENCE });
  expect(result?.post.state.exitReason).toBe(
    'the workflow no longer exists in Temporal; published before it was lost: x (acc-x)',
  );
  const variants = await createPostStore(db).listVariants({ postId: state.postId });
  expect(variants.map((v) => [v.accountId, v.status, v.externalId, v.failureType])).toEqual([
    ['acc-li', 'failed', null, 'WorkflowLost'],
    ['acc-x', 'published', 'sbx-post-1', null],
  ]);
  const audit = await createAuditLog(db).listByEntity({ entity: postEntity(state.postId) });
  expect(audit).toEqual([
    expect.objectContaining({
      sequence: LOST_SEQUENCE,
      action: 'lost',
      fromStage: 'publishing',
      toStage: 'lost',
      detail: expect.objectContaining({
        reason: 'the workflow no longer exists in Temporal',
        published: [{ accountId: 'acc-x', platform: 'x', externalId: 'sbx-post-1', url: published.url }],
      }),
    }),
  ]);
});

it('writes nothing the second time, even when two reconcilers race', async () => {
  const state = await publishingPost();
  const recorder = createLostPostRecorder(db);
  const input = {
    postId: state.postId,
    reason: 'the workflow timed out in Temporal',
    publications: [],
    at: '2026-10-01T09:00:00.000Z',
  };
  const results = await Promise.all([recorder.recordLost(input), recorder.recordLost(input)]);
  expect(results.map((result) => result?.recorded).sort()).toEqual([false, true]);
  const again = await recorder.recordLost({ ...input, reason: 'something else' });
  expect(again?.recorded).toBe(false);
  expect(again?.post.state.exitReason).toBe('the workflow timed out in Temporal');
  expect(await createAuditLog(db).listByEntity({ entity: postEntity(state.postId) })).toHaveLength(1);
});

it('keeps the loss when a late write of the workflow arrives, and leaves finished posts alone', async () => {
  const state = await publishingPost();
  await createLostPostRecorder(db).recordLost({
    postId: state.postId,
    reason: 'the workflow was terminated by an admin',
    publications: [],
    at: '2026-10-01T09:00:00.000Z',
  });
  const posts = createPostStore(db);
  expect(await posts.applyProjection({ state: { ...state, stage: 'published' }, sequence: 8 })).toBe(false);
  expect((await posts.findById(state.postId))?.stage).toBe('lost');

  const finished = await publishingPost();
  await posts.applyProjection({ state: { ...finished, stage: 'completed', openStages: [] }, sequence: 9 });
  const untouched = await createLostPostRecorder(db).recordLost({
    postId: finished.postId,
    reason: 'the workflow no longer exists in Temporal',
    publications: [],
    at: '2026-10-01T09:00:00.000Z',
  });
  expect(untouched).toMatchObject({ recorded: false, post: { stage: 'completed' } });
  expect(
    await createLostPostRecorder(db).recordLost({
      ...{ postId: 'no-such-post' },
      reason: 'x',
      publications: [],
      at: '2026-10-01T09:00:00.000Z',
    }),
  ).toBeUndefined();
});

it('lists open posts page by page for the reconciler', async () => {
  const brand = await insertBrand(db);
  const posts = createPostStore(db);
  const ids = [uniqueId('post'), uniqueId('post'), uniqueId('post')];
  for (const [index, id] of ids.entries()) {
    await posts.applyProjection({
      state: postState({ postId: id, brandId: brand.id, stage: index === 2 ? 'cancelled' : 'scheduled' }),
      sequence: 1,
    });
  }
  const first = await posts.listOpen({ limit: 1, brandIds: [brand.id] });
  const second = await posts.listOpen({ limit: 5, brandIds: [brand.id], afterId: first[0].id });
  expect([...first, ...second].map((ref) => ref.id)).toEqual([ids[0], ids[1]].sort());
});
