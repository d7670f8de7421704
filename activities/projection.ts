import { createAuditLog, postEntity } from '../db/audit';
import { createPostStore } from '../db/posts';
import type { PostActivities, RecordTransitionInput } from './contract';
import { silentLogger, type PostActivityDeps } from './deps';

/**
 * Writes one transition of a post: its audit entry, the posts projection, the revision's content,
 * the variants' publishing status and the review decisions, all in one transaction. Every write is
 * keyed by a business key, so a retried activity changes nothing the first attempt already wrote,
 * and a transition recorded late never overwrites the projection of a later one.
 */
export function createRecordTransition(deps: PostActivityDeps): PostActivities['recordTransition'] {
  const audit = createAuditLog(deps.db);
  const posts = createPostStore(deps.db);
  const logger = deps.logger ?? silentLogger;

  return async function recordTransition(input: RecordTransitionInput): Promise<void> {
    const { state } = input;
    await deps.db.transaction(async (trx) => {
      const appended = await audit.append(
        {
          entity: postEntity(state.postId),
          sequence: input.sequence,
          action: input.action,
          actorId: input.actorId,
          fromStage: input.fromStage,
          toStage: state.stage,
          at: input.at,
          detail: input.detail ?? {},
        },
        trx,
      );
      const projected = await posts.applyProjection({ state, sequence: input.sequence }, trx);
      if (state.content && state.revision > 0) {
        await posts.recordRevision(
          {
            postId: state.postId,
            revision: state.revision,
            content: state.content,
            submittedBy: input.actorId,
            submittedAt: input.at,
          },
          trx,
        );
      }
      if (projected) {
        await posts.writeVariants({ postId: state.postId, revision: state.revision, variants: state.variants }, trx);
      }
      await posts.recordReviews({ postId: state.postId, decisions: state.decisions }, trx);
      if (!appended || !projected) {
        logger.info('post transition already recorded or superseded', {
          postId: state.postId,
          sequence: input.sequence,
          appended,
          projected,
        });
      }
    });
  };
}
