/** What waits on the caller: open review stages their roles may decide, soonest deadline first. */
import { mountOperation, type OperationTarget } from '../operations';
import { ReviewQueueQuery, ReviewQueueResponse } from '../schemas';
import type { ApiServices } from '../services';

export function mountReviewQueueRoutes(
  target: OperationTarget,
  { reviewQueue }: Pick<ApiServices, 'reviewQueue'>,
): void {
  mountOperation(target, {
    method: 'get',
    path: '/v1/review-queue',
    operationId: 'getReviewQueue',
    tag: 'reviews',
    summary: "Posts waiting on the caller's decision",
    description:
      "Open stages whose deciding roles include one of the caller's (backup roles count once a stage is " +
      "escalated), leaving out the caller's own posts and stages they have already approved. Ordered by the " +
      'next deadline: escalation, or the forced decision once escalated. Roles that decide no stage get an empty queue.',
    access: 'authenticated',
    query: ReviewQueueQuery,
    success: { status: 200, description: 'The queue', schema: ReviewQueueResponse },
    handle: ({ query, user }) => reviewQueue.queue(user, query),
  });
}
