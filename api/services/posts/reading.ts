/** Reading posts: a page of the projection, one post's live state, its audit trail. */
import { QueryRejectedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Logger } from 'pino';
import { postEntity, type AuditLog } from '../../../db/audit';
import type { PostListFilter, PostRecord, PostStore } from '../../../db/posts';
import { TERMINAL_STAGES, type Platform, type PostStage } from '../../../domain/types';
import { isPostgresUnreachable, isTemporalUnreachable } from '../unavailable';
import { decodeListCursor, encodeListCursor } from '../../listCursor';
import type { PostReconciler } from '../../reconciliation';
import { brandScope, type AuthenticatedUser } from '../caller';
import { invalidField } from '../errors';
import { visiblePost } from './visible';

/** A read should not wait long on a workflow that cannot answer; the projection is a fine answer. */
const LIVE_STATE_DEADLINE_MS = 5_000;

export interface PostReadingDeps {
  posts: Pick<PostStore, 'findById' | 'list'>;
  audit: Pick<AuditLog, 'listByEntity'>;
  reconciler: Pick<PostReconciler, 'liveState'>;
  logger: Logger;
}

export interface PostListQuery {
  stage?: PostStage;
  brandId?: string;
  campaignId?: string;
  platform?: Platform;
  publishFrom?: string;
  publishTo?: string;
  limit: number;
  offset?: number;
  cursor?: string;
}

export function createPostReading({ posts, audit, reconciler, logger }: PostReadingDeps) {
  return {
    async list(user: AuthenticatedUser, query: PostListQuery) {
      const after = query.cursor !== undefined ? decodeListCursor(query.cursor) : undefined;
      if (query.cursor !== undefined && !after) {
        throw invalidField(['cursor'], 'not a cursor this API issued; pass nextCursor from the previous page');
      }
      const filter: PostListFilter = {
        brandIds: brandScope(user),
        ...(query.brandId ? { brandId: query.brandId } : {}),
        ...(query.stage ? { stage: query.stage } : {}),
        ...(query.campaignId ? { campaignId: query.campaignId } : {}),
        ...(query.platform ? { platform: query.platform } : {}),
        ...(query.publishFrom ? { publishFrom: query.publishFrom } : {}),
        ...(query.publishTo ? { publishTo: query.publishTo } : {}),
        // One more than asked tells whether another page follows.
        limit: query.limit + 1,
        ...(after ? { after } : { offset: query.offset ?? 0 }),
      };
      const page = await posts.list(filter);
      const items = page.items.slice(0, query.limit);
      const last = items[items.length - 1];
      const more = page.items.length > query.limit;
      return {
        items: items.map(({ lastSequence: _lastSequence, ...summary }) => summary),
        total: page.total,
        limit: query.limit,
        ...(after ? {} : { offset: page.offset }),
        nextCursor: more && last ? encodeListCursor({ publishAt: last.publishAt, id: last.id }) : null,
      };
    },

    /** The workflow's live state; the projection when the workflow has finished or cannot answer now. */
    async get(user: AuthenticatedUser, postId: string) {
      const post = await visiblePost(posts, user, postId);
      if (TERMINAL_STAGES.includes(post.stage)) return finishedPostAnswer(post);
      try {
        const live = await reconciler.liveState(post, { deadlineMs: LIVE_STATE_DEADLINE_MS });
        return live.kind === 'live' ? { source: 'workflow', post: live.state } : finishedPostAnswer(live.post);
      } catch (error) {
        const staleReason =
          error instanceof WorkflowNotFoundError
            ? 'the workflow is still being started'
            : error instanceof QueryRejectedError
              ? 'the workflow has finished'
              : isTemporalUnreachable(error) || isPostgresUnreachable(error)
                ? 'Temporal did not answer'
                : 'the workflow could not answer';
        logger.warn({ err: error, postId: post.id }, 'serving projected post state');
        return { source: 'projection', staleReason, post: post.state };
      }
    },

    async audit(user: AuthenticatedUser, postId: string, query: { afterSequence?: number; limit: number }) {
      await visiblePost(posts, user, postId);
      const entries = await audit.listByEntity({
        entity: postEntity(postId),
        ...(query.afterSequence !== undefined ? { afterSequence: query.afterSequence } : {}),
        limit: query.limit,
      });
      return { postId, entries: entries.map(({ entity: _entity, ...entry }) => entry) };
    },
  };
}

function finishedPostAnswer(post: PostRecord): Record<string, unknown> {
  const staleReason =
    post.stage === 'lost'
      ? `the post was lost: ${post.state.exitReason ?? 'its workflow is gone'}`
      : `the workflow has finished (${post.stage})`;
  return { source: 'projection', staleReason, post: post.state };
}
