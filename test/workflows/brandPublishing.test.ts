/**
 * The brand publishing workflow on the offline server: a pause or resume reaches every post not
 * yet published, shows its progress, and requests for one brand are carried out one after the other.
 */
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { createBrandStore } from '../../db/brands';
import {
  BRAND_PUBLISHING_WORKFLOW_TYPE,
  brandWorkflowId,
  getBrandPublishing,
  setPublishing,
  type BrandPublishingState,
  type SetPublishingRequest,
} from '../../workflows/brand/messages';
import { LATE_POSTS_WINDOW_MS } from '../../workflows/brandPublishing';
import { projectPost } from '../api/http';
import {
  brandWithTeam,
  recordHistoryIfAsked,
  startPost,
  startPostHarness,
  stateWhen,
  type PostFixture,
  type PostHarness,
} from './postHarness';

let harness: PostHarness;
beforeAll(async () => {
  harness = await startPostHarness();
});
afterAll(async () => {
  await harness?.teardown();
});

function setBrandPublishing(brandId: string, request: SetPublishingRequest) {
  return harness.env.client.workflow.executeUpdateWithStart(setPublishing, {
    args: [request],
    startWorkflowOperation: new WithStartWorkflowOperation(BRAND_PUBLISHING_WORKFLOW_TYPE, {
      workflowId: brandWorkflowId(brandId),
      taskQueue: harness.taskQueue,
      args: [{ brandId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });
}

function brandState(brandId: string): Promise<BrandPublishingState> {
  return harness.env.client.workflow.getHandle(brandWorkflowId(brandId)).query(getBrandPublishing);
}

async function brandStateWhen(
  brandId: string,
  ready: (state: BrandPublishingState) => boolean,
): Promise<BrandPublishingState> {
  const giveUpAt = Date.now() + 15_000;
  for (;;) {
    const state = await brandState(brandId);
    if (ready(state) || Date.now() > giveUpAt) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a post and waits until its projection, which the brand's workflow lists, is written. */
async function projectedPost(fixture: PostFixture): Promise<{ postId: string; handle: WorkflowHandle }> {
  const { handle, input } = await startPost(harness, fixture);
  const giveUpAt = Date.now() + 15_000;
  while (!(await harness.db('posts').where({ id: input.postId }).first())) {
    if (Date.now() > giveUpAt) throw new Error(`post ${input.postId} was never projected`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { postId: input.postId, handle };
}

const allDone = (state: BrandPublishingState) => state.operations.every((operation) => operation.status === 'done');

describe('brand publishing', () => {
  it('records the flag, pauses every post not yet published and shows its progress', async () => {
    const fixture = await brandWithTeam(harness);
    const posts = await Promise.all([projectedPost(fixture), projectedPost(fixture), projectedPost(fixture)]);
    // Listed as not yet published, but its workflow is gone: it cannot be reached.
    const ghost = await projectPost(harness.db, {
      brandId: fixture.brand.id,
      authorId: fixture.team.author.userId,
      stage: 'scheduled',
      publishAt: '2027-09-03T08:00:00.000Z',
    });

    const answer = await setBrandPublishing(fixture.brand.id, {
      paused: true,
      by: fixture.team.manager.userId,
      reason: 'crisis review',
    });
    expect(answer).toMatchObject({
      paused: true,
      by: fixture.team.manager.userId,
      reason: 'crisis review',
      status: 'checking_late_posts',
      postsFound: 4,
      postsSignalled: 3,
      postsNotReached: [ghost.postId],
    });
    expect(await createBrandStore(harness.db).findById(fixture.brand.id)).toMatchObject({
      publishingPaused: true,
      pausedReason: 'crisis review',
    });
    for (const { handle } of posts) {
      expect((await stateWhen(handle, (state) => state.paused)).paused).toBe(true);
    }

    const running = await brandState(fixture.brand.id);
    expect(running).toMatchObject({ brandId: fixture.brand.id, paused: true, pausedReason: 'crisis review' });
    expect(running.operations).toEqual([expect.objectContaining({ operationId: answer.operationId })]);

    await harness.env.sleep(LATE_POSTS_WINDOW_MS + 1_000);
    const finished = await brandStateWhen(fixture.brand.id, allDone);
    expect(finished.operations[0]).toMatchObject({
      status: 'done',
      postsFound: 4,
      postsSignalled: 3,
      postsNotReached: [ghost.postId],
      finishedAt: expect.any(String),
    });
  });

  it('carries out requests for one brand one after the other, ending in the last one asked', async () => {
    const fixture = await brandWithTeam(harness);
    const posts = await Promise.all([projectedPost(fixture), projectedPost(fixture)]);
    const by = fixture.team.manager.userId;

    await Promise.all([
      setBrandPublishing(fixture.brand.id, { paused: true, by, reason: 'first' }),
      setBrandPublishing(fixture.brand.id, { paused: false, by }),
      setBrandPublishing(fixture.brand.id, { paused: true, by, reason: 'third' }),
    ]);
    await harness.env.sleep(LATE_POSTS_WINDOW_MS + 1_000);
    const { operations } = await brandStateWhen(fixture.brand.id, allDone);

    expect(operations.map((operation) => operation.status)).toEqual(['done', 'done', 'done']);
    for (const [earlier, later] of [
      [operations[0], operations[1]],
      [operations[1], operations[2]],
    ]) {
      expect(Date.parse(later.startedAt!)).toBeGreaterThanOrEqual(Date.parse(earlier.finishedAt!));
    }
    const last = operations[2];
    expect(await createBrandStore(harness.db).findById(fixture.brand.id)).toMatchObject({
      publishingPaused: last.paused,
      pausedReason: last.reason ?? null,
    });
    for (const { handle } of posts) {
      expect((await stateWhen(handle, (state) => state.paused === last.paused)).paused).toBe(last.paused);
    }
    await recordHistoryIfAsked(
      harness.env.client.workflow.getHandle(brandWorkflowId(fixture.brand.id)),
      'brand-publishing',
    );
  });

  it('also pauses a post whose creation read the flag just before it changed', async () => {
    const fixture = await brandWithTeam(harness);
    const first = await projectedPost(fixture);
    const answer = await setBrandPublishing(fixture.brand.id, { paused: true, by: fixture.team.manager.userId });
    expect(answer).toMatchObject({ status: 'checking_late_posts', postsSignalled: 1 });

    // Created by a request that read the brand as not paused, and started after the posts were told.
    const late = await projectedPost(fixture);
    expect((await stateWhen(late.handle, () => true)).paused).toBe(false);

    await harness.env.sleep(LATE_POSTS_WINDOW_MS + 1_000);
    const { operations } = await brandStateWhen(fixture.brand.id, allDone);
    expect(operations[0]).toMatchObject({ status: 'done', postsFound: 2, postsSignalled: 2, postsNotReached: [] });
    expect((await stateWhen(late.handle, (state) => state.paused)).paused).toBe(true);
    expect((await stateWhen(first.handle, (state) => state.paused)).paused).toBe(true);
  });

  it('refuses a request that does not say who is asking, before anything happens', async () => {
    const fixture = await brandWithTeam(harness);
    const refused = await setBrandPublishing(fixture.brand.id, { paused: true, by: '' }).then(
      () => undefined,
      (error: { cause?: { type?: string; message?: string } }) => error.cause,
    );
    expect(refused).toMatchObject({ type: 'InvalidInput', message: 'the request must say who is asking' });
    expect((await createBrandStore(harness.db).findById(fixture.brand.id))?.publishingPaused).toBe(false);
  });
});
