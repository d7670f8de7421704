/** What waits on the caller: open review stages their roles may decide, soonest deadline first. */
import type { PostStore } from '../../db/posts';
import { brandScope, type AuthenticatedUser } from './caller';

export function createReviewQueueService({ posts }: { posts: Pick<PostStore, 'reviewQueue'> }) {
  return {
    async queue(user: AuthenticatedUser, query: { limit: number }) {
      const queue = await posts.reviewQueue({
        roles: user.roles,
        userId: user.id,
        brandIds: brandScope(user),
        limit: query.limit,
      });
      return {
        roles: user.roles,
        items: queue.map(({ post: { lastSequence: _lastSequence, ...post }, deadlines }) => ({
          post,
          deadlines,
          dueAt: deadlines.map((deadline) => (deadline.escalated ? deadline.forceAt : deadline.escalateAt)).sort()[0],
        })),
      };
    },
  };
}

export type ReviewQueueService = ReturnType<typeof createReviewQueueService>;
