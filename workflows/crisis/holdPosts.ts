/**
 * Tells every post of the brand that has not started publishing to hold for the crisis, or that
 * the crisis no longer holds it, page by page, through signals sent from the workflow: each is in
 * its history, so a worker restart neither loses nor repeats the work done.
 */
import { getExternalWorkflowHandle, isCancellation } from '@temporalio/workflow';
import { postWorkflowId } from '../../domain/ids';
import { holdPublishing, type HoldPublishingSignal } from '../messages';
import { listPostsToTell } from './activityProxies';
import type { PostHoldProgress } from './messages';

/** Posts listed, and signalled at once, per page. */
export const POSTS_PER_PAGE = 100;

/** One pass over the posts: tells those this pass has not told yet, keeping the progress current. */
export async function tellPostsAboutCrisis({
  brandId,
  progress,
  told,
  signal,
}: {
  brandId: string;
  progress: PostHoldProgress;
  /** Posts already told by an earlier pass for the same change. */
  told: Set<string>;
  signal: Omit<HoldPublishingSignal, 'source'>;
}): Promise<void> {
  const found = new Set<string>(told);
  let afterPostId: string | undefined;
  for (;;) {
    const { postIds } = await listPostsToTell({
      brandId,
      ...(afterPostId !== undefined ? { afterPostId } : {}),
      limit: POSTS_PER_PAGE,
    });
    for (const postId of postIds) found.add(postId);
    await Promise.all(
      postIds
        .filter((postId) => !told.has(postId))
        .map(async (postId) => {
          try {
            await getExternalWorkflowHandle(postWorkflowId(postId)).signal(holdPublishing, {
              source: 'crisis',
              ...signal,
            });
            told.add(postId);
          } catch (error) {
            if (isCancellation(error)) throw error;
            // Its workflow has finished, or has not started yet: the late pass may still reach it.
          }
        }),
    );
    progress.postsFound = found.size;
    progress.postsSignalled = told.size;
    progress.postsNotReached = [...found].filter((postId) => !told.has(postId)).sort();
    if (postIds.length < POSTS_PER_PAGE) return;
    afterPostId = postIds[postIds.length - 1];
  }
}
