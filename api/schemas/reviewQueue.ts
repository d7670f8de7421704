/** What waits on the caller's decision. */
import { MAX_PAGE_SIZE } from '../../db/posts';
import { IsoInstant, RoleSchema, z } from './common';
import { PostSummarySchema, StageDeadlineSchema } from './postState';

export const ReviewQueueQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
});

export const ReviewQueueResponse = z
  .object({
    roles: z.array(RoleSchema).openapi({ description: "The caller's roles the queue was built for" }),
    items: z.array(
      z.object({
        post: PostSummarySchema,
        deadlines: z.array(StageDeadlineSchema).openapi({ description: 'Open stages the caller may decide' }),
        dueAt: IsoInstant.openapi({ description: 'The soonest escalation (or, once escalated, forced decision)' }),
      }),
    ),
  })
  .openapi('ReviewQueue');
