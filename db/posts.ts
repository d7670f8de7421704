/**
 * The posts aggregate: the projection, revisions, variants and reviews each post workflow writes,
 * and the lookups by id. What people list (pages, the review queue, the calendar) is in
 * postListings.ts and shares the row shapes of postRows.ts.
 */
import type { Knex } from 'knex';
import type { Platform, PostStage, RevisionContent } from '../domain/types';
import { TERMINAL_STAGES } from '../domain/types';
import type { PostState, ReviewDecisionRecord, VariantPublishStatus, VariantState } from '../domain/postState';
import { postWorkflowId } from '../domain/ids';
import { createPostListings } from './postListings';
import { toRecord, type PostRecord, type PostRow } from './postRows';
import { insertNew, iso, isoOrNull, json, upsertUnlessNewer, type Executor } from './rows';

export { type CalendarEntry, type PostListFilter, type PostPage, type ReviewQueueItem } from './postListings';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, READ_TIMEOUT_MS, type PostRecord, type PostSummary } from './postRows';

/** What the reconciler needs to find an open post's workflow. */
export interface OpenPostRef {
  id: string;
  workflowId: string;
  lastSequence: number;
  createdAt: string;
}

export interface PostRevision {
  postId: string;
  revision: number;
  content: RevisionContent;
  submittedBy: string;
  submittedAt: string;
}

export interface PostVariantRecord {
  postId: string;
  accountId: string;
  platform: Platform;
  revision: number;
  status: VariantPublishStatus;
  externalId: string | null;
  url: string | null;
  publishedAt: string | null;
  failureType: string | null;
  failureReason: string | null;
}

export interface ReviewRecord {
  id: number;
  postId: string;
  stage: string;
  revision: number;
  decision: string;
  reviewerId: string;
  comment: string | null;
  decidedAt: string;
}

/**
 * The sequence of the row the API writes when it creates a post: below any the workflow writes,
 * so the workflow's first projection always replaces it.
 */
export const PLACEHOLDER_SEQUENCE = -1;

export function createPostStore(db: Knex) {
  return {
    ...createPostListings(db),

    /**
     * Writes the workflow's state to the posts projection, unless a later transition has already
     * been projected (an older, retried write never overwrites a newer state). True when written.
     */
    async applyProjection(
      input: { state: PostState; sequence: number; workflowId?: string; requestHash?: string },
      trx: Executor = db,
    ): Promise<boolean> {
      const { state } = input;
      const row = {
        id: state.postId,
        brand_id: state.brandId,
        campaign_id: state.campaignId ?? null,
        author_id: state.authorId,
        title: state.title,
        risk_tier: state.riskTier,
        flags: json(state.flags),
        urgent: state.urgent,
        stage: state.stage,
        revision: state.revision,
        publish_at: state.publishAt,
        time_zone: state.timeZone,
        workflow_id: input.workflowId ?? postWorkflowId(state.postId),
        last_sequence: input.sequence,
        state: json(state),
        updated_at: state.updatedAt,
        ...(input.requestHash !== undefined ? { request_hash: input.requestHash } : {}),
      };
      const written = await upsertUnlessNewer(trx, 'posts', row, {
        conflict: ['id'],
        merge: [
          'campaign_id',
          'title',
          'risk_tier',
          'flags',
          'urgent',
          'stage',
          'revision',
          'publish_at',
          'time_zone',
          'workflow_id',
          'last_sequence',
          'state',
          'updated_at',
        ],
        sequence: input.sequence,
      }).returning('id');
      return written.length > 0;
    },

    /**
     * Removes a post's row while it still holds the placeholder written at `sequence` (the API's row
     * for a post whose workflow did not start). A row the workflow has projected is kept. True when removed.
     */
    async deletePlaceholder(input: { postId: string; sequence: number }, trx: Executor = db): Promise<boolean> {
      const deleted = await trx('posts').where({ id: input.postId, last_sequence: input.sequence }).delete();
      return deleted > 0;
    },

    /** Keeps the content of each revision as first submitted. True when this call stored it. */
    async recordRevision(input: PostRevision, trx: Executor = db): Promise<boolean> {
      const inserted = await trx('post_revisions')
        .insert({
          post_id: input.postId,
          revision: input.revision,
          content: json(input.content),
          submitted_by: input.submittedBy,
          submitted_at: input.submittedAt,
        })
        .onConflict(['post_id', 'revision'])
        .ignore()
        .returning('revision');
      return inserted.length > 0;
    },

    /** Replaces the publishing status of the post's variants with the workflow's view of them. */
    async writeVariants(
      input: { postId: string; revision: number; variants: VariantState[] },
      trx: Executor = db,
    ): Promise<void> {
      const accountIds = input.variants.map((variant) => variant.accountId);
      const stale = trx('post_variants').where({ post_id: input.postId });
      if (accountIds.length > 0) stale.whereNotIn('account_id', accountIds);
      await stale.delete();
      if (input.variants.length === 0) return;
      await trx('post_variants')
        .insert(
          input.variants.map((variant) => ({
            post_id: input.postId,
            account_id: variant.accountId,
            platform: variant.platform,
            revision: input.revision,
            status: variant.status,
            external_id: variant.externalId ?? null,
            url: variant.url ?? null,
            published_at: variant.publishedAt ?? null,
            failure_type: variant.failureType ?? null,
            failure_reason: variant.failureReason ?? null,
          })),
        )
        .onConflict(['post_id', 'account_id'])
        .merge();
    },

    /** Records review decisions; a decision already on record is left as it is. Returns how many were new. */
    async recordReviews(
      input: { postId: string; decisions: ReviewDecisionRecord[] },
      trx: Executor = db,
    ): Promise<number> {
      return insertNew(
        trx,
        'reviews',
        input.decisions.map((decision) => ({
          post_id: input.postId,
          stage: decision.stage,
          revision: decision.revision,
          decision: decision.decision,
          reviewer_id: decision.by,
          comment: decision.comment ?? null,
          decided_at: decision.at,
        })),
        ['post_id', 'stage', 'revision', 'reviewer_id', 'decision'],
      );
    },

    async findById(id: string, trx: Executor = db): Promise<PostRecord | undefined> {
      const row = await trx<PostRow>('posts').where({ id }).first();
      return row ? toRecord(row) : undefined;
    },

    /** The post, locked until `trx` ends, so that two reconcilers never close it twice. */
    async findByIdForUpdate(id: string, trx: Knex.Transaction): Promise<PostRecord | undefined> {
      const row = await trx<PostRow>('posts').where({ id }).forUpdate().first();
      return row ? toRecord(row) : undefined;
    },

    /** Posts not yet in a terminal stage, in id order, a page at a time (keyset on id). */
    async listOpen(
      input: { afterId?: string; limit: number; brandIds?: string[] },
      trx: Executor = db,
    ): Promise<OpenPostRef[]> {
      const query = trx<PostRow>('posts')
        .select('id', 'workflow_id', 'last_sequence', 'created_at')
        .whereNotIn('stage', TERMINAL_STAGES as PostStage[])
        .orderBy('id')
        .limit(input.limit);
      if (input.afterId !== undefined) query.where('id', '>', input.afterId);
      if (input.brandIds) query.whereIn('brand_id', input.brandIds);
      const rows = await query;
      return rows.map((row) => ({
        id: row.id,
        workflowId: row.workflow_id,
        lastSequence: row.last_sequence,
        createdAt: iso(row.created_at),
      }));
    },

    async listRevisions(input: { postId: string }, trx: Executor = db): Promise<PostRevision[]> {
      const rows = await trx('post_revisions').where({ post_id: input.postId }).orderBy('revision');
      return rows.map(
        (row: {
          post_id: string;
          revision: number;
          content: RevisionContent;
          submitted_by: string;
          submitted_at: Date;
        }) => ({
          postId: row.post_id,
          revision: row.revision,
          content: row.content,
          submittedBy: row.submitted_by,
          submittedAt: iso(row.submitted_at),
        }),
      );
    },

    async listVariants(input: { postId: string }, trx: Executor = db): Promise<PostVariantRecord[]> {
      const rows = await trx('post_variants').where({ post_id: input.postId }).orderBy('account_id');
      return rows.map(
        (row: {
          post_id: string;
          account_id: string;
          platform: Platform;
          revision: number;
          status: VariantPublishStatus;
          external_id: string | null;
          url: string | null;
          published_at: Date | null;
          failure_type: string | null;
          failure_reason: string | null;
        }) => ({
          postId: row.post_id,
          accountId: row.account_id,
          platform: row.platform,
          revision: row.revision,
          status: row.status,
          externalId: row.external_id,
          url: row.url,
          publishedAt: isoOrNull(row.published_at),
          failureType: row.failure_type,
          failureReason: row.failure_reason,
        }),
      );
    },

    async listReviews(input: { postId: string }, trx: Executor = db): Promise<ReviewRecord[]> {
      const rows = await trx('reviews').where({ post_id: input.postId }).orderBy(['decided_at', 'id']);
      return rows.map(
        (row: {
          id: number;
          post_id: string;
          stage: string;
          revision: number;
          decision: string;
          reviewer_id: string;
          comment: string | null;
          decided_at: Date;
        }) => ({
          id: row.id,
          postId: row.post_id,
          stage: row.stage,
          revision: row.revision,
          decision: row.decision,
          reviewerId: row.reviewer_id,
          comment: row.comment,
          decidedAt: iso(row.decided_at),
        }),
      );
    },
  };
}

export type PostStore = ReturnType<typeof createPostStore>;
