/**
 * Carries one action to every post of the campaign that has not started publishing: page by page
 * from the projection, then once more for posts that joined while the first pass ran, until a
 * pass finds nobody new.
 */
import type { CampaignPostAction } from '../../activities/campaignContract';
import type { CampaignActionRecord } from './messages';
import { listCampaignPosts, reachCampaignPosts } from './activityProxies';

export const POSTS_PER_PAGE = 50;
/** Unreached posts kept with their reason on the action; the count covers the rest. */
export const NOT_REACHED_KEPT = 100;
const MAX_PASSES = 5;

export async function reachPosts({
  campaignId,
  action,
  record,
}: {
  campaignId: string;
  action: CampaignPostAction;
  record: CampaignActionRecord;
}): Promise<void> {
  const seen = new Set<string>();
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    let found = 0;
    let afterPostId: string | undefined;
    for (;;) {
      const { postIds } = await listCampaignPosts({
        campaignId,
        ...(afterPostId !== undefined ? { afterPostId } : {}),
        limit: POSTS_PER_PAGE,
      });
      const fresh = postIds.filter((postId) => !seen.has(postId));
      for (const postId of fresh) seen.add(postId);
      found += fresh.length;
      if (fresh.length > 0) {
        const outcome = await reachCampaignPosts({ campaignId, postIds: fresh, action });
        record.postsReached += outcome.reached.length;
        record.postsNotReachedCount += outcome.notReached.length;
        const room = NOT_REACHED_KEPT - record.postsNotReached.length;
        if (room > 0) record.postsNotReached.push(...outcome.notReached.slice(0, room));
      }
      if (postIds.length < POSTS_PER_PAGE) break;
      afterPostId = postIds[postIds.length - 1];
    }
    if (found === 0) return;
  }
}
