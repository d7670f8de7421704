/**
 * Closes a post whose workflow is gone: the projection, the variants and the audit log say so in
 * one transaction, under a sequence the workflow never writes, so recording it again changes nothing.
 */
import type { Knex } from 'knex';
import { LOST_SEQUENCE, lostPostState, type LedgerPublication } from '../domain/lostPost';
import { TERMINAL_STAGES } from '../domain/types';
import { createAuditLog, postEntity } from './audit';
import { createPostStore, type PostRecord } from './posts';

/** Who the audit log names for a loss: nobody acted, the system found the workflow gone. */
export const RECONCILER_ACTOR = 'system';

export interface RecordLostInput {
  postId: string;
  reason: string;
  /** What the platforms' ledgers show as published for the post's current revision. */
  publications: LedgerPublication[];
  at: string;
  /** Kept in the audit entry: how the loss was found (the workflow's close status, or none). */
  evidence?: Record<string, unknown>;
}

export interface RecordLostResult {
  /** False when the post was already terminal (lost before, or finished in the meantime). */
  recorded: boolean;
  post: PostRecord;
}

export function createLostPostRecorder(db: Knex) {
  const posts = createPostStore(db);
  const audit = createAuditLog(db);

  return {
    /** Undefined when there is no such post. */
    async recordLost(input: RecordLostInput): Promise<RecordLostResult | undefined> {
      return db.transaction(async (trx) => {
        const post = await posts.findByIdForUpdate(input.postId, trx);
        if (!post) return undefined;
        if (TERMINAL_STAGES.includes(post.stage)) return { recorded: false, post };
        const state = lostPostState({
          state: post.state,
          reason: input.reason,
          publications: input.publications,
          at: input.at,
        });
        await posts.applyProjection({ state, sequence: LOST_SEQUENCE, workflowId: post.workflowId }, trx);
        await posts.writeVariants({ postId: post.id, revision: state.revision, variants: state.variants }, trx);
        await audit.append(
          {
            entity: postEntity(post.id),
            sequence: LOST_SEQUENCE,
            action: 'lost',
            actorId: RECONCILER_ACTOR,
            fromStage: post.stage,
            toStage: 'lost',
            at: input.at,
            detail: {
              reason: input.reason,
              published: state.variants
                .filter((variant) => variant.status === 'published')
                .map(({ accountId, platform, externalId, url }) => ({ accountId, platform, externalId, url })),
              ...(input.evidence ?? {}),
            },
          },
          trx,
        );
        const lost = await posts.findById(post.id, trx);
        return { recorded: true, post: lost! };
      });
    },
  };
}

export type LostPostRecorder = ReturnType<typeof createLostPostRecorder>;
