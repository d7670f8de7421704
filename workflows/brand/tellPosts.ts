/**
 * Tells every post of the brand that has not started publishing about a pause or resume, page by
 * page, through signals sent from the workflow: each one is in its history, so a worker restart
 * neither loses nor repeats the work done.
 */
import { getExternalWorkflowHandle, isCancellation } from '@temporalio/workflow';
import { brandPause, type BrandPauseSignal } from '../messages';
import { postWorkflowId } from '../../domain/ids';
import type { BrandOperation } from './messages';
import { listPostsToTell } from './activityProxies';

/** Posts listed, and signalled at once, per page. */
export const POSTS_PER_PAGE = 100;

/** What one operation has reached so far, across its passes over the brand's posts. */
export interface Reach {
  found: Set<string>;
  signalled: Set<string>;
}

/** One pass over the posts: tells those not yet told, keeping the operation's counters current. */
export async function tellPosts({
  brandId,
  operation,
  reach,
}: {
  brandId: string;
  operation: BrandOperation;
  reach: Reach;
}): Promise<void> {
  const signal: BrandPauseSignal = {
    paused: operation.paused,
    by: operation.by,
    ...(operation.reason !== undefined ? { reason: operation.reason } : {}),
  };
  let afterPostId: string | undefined;
  for (;;) {
    const { postIds } = await listPostsToTell({
      brandId,
      ...(afterPostId !== undefined ? { afterPostId } : {}),
      limit: POSTS_PER_PAGE,
    });
    for (const postId of postIds) reach.found.add(postId);
    const untold = postIds.filter((postId) => !reach.signalled.has(postId));
    await Promise.all(
      untold.map(async (postId) => {
        try {
          await getExternalWorkflowHandle(postWorkflowId(postId)).signal(brandPause, signal);
          reach.signalled.add(postId);
        } catch (error) {
          if (isCancellation(error)) throw error;
          // Its workflow has finished, or has not started yet: a later pass may still reach it.
        }
      }),
    );
    operation.postsFound = reach.found.size;
    operation.postsSignalled = reach.signalled.size;
    operation.postsNotReached = [...reach.found].filter((postId) => !reach.signalled.has(postId)).sort();
    if (postIds.length < POSTS_PER_PAGE) return;
    afterPostId = postIds[postIds.length - 1];
  }
}
