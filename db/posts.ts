import type { Knex } from 'knex';
import type { Platform, PostStage, RevisionContent, RiskTier, SensitivityFlag } from '../domain/types';
import { TERMINAL_STAGES } from '../domain/types';
import type {
  PostState,
  ReviewDecisionRecord,
  StageDeadline,
  VariantPublishStatus,
  VariantState,
} from '../workflows/messages';
import { postWorkflowId } from '../workflows/messages';
import { iso, isoOrNull, json, type Executor } from './rows';

/** A post as listed: the projection's columns without the full workflow state. */
export interface PostSummary {
  id: string;
  brandId: string;
  campaignId: string | null;
  authorId: string;
  title: string;
  riskTier: RiskTier;
  flags: SensitivityFlag[];
  urgent: boolean;
  stage: PostStage;
  revision: number;
  publishAt: string;
  timeZone: string;
  workflowId: string;
  lastSequence: number;
  createdAt: string;
  updatedAt: string;
}

/** A post with the workflow state last projected for it. */
export interface PostRecord extends PostSummary {
  state: PostState;
  /** Hash of the create request the post came from (null for posts created before it was kept). */
  requestHash: string | null;
}

/** What the reconciler needs to find an open post's workflow. */
export interface OpenPostRef {
  id: string;
  workflowId: string;
  lastSequence: number;
  createdAt: string;
}

export interface PostListFilter {
  /** Restricts to these brands (the caller's brands); absent means every brand. */
  brandIds?: string[];
  brandId?: string;
  stage?: PostStage | PostStage[];
  campaignId?: string;
  /** Posts with a variant for this platform. */
  platform?: Platform;
  authorId?: string;
  /** Publish time window, inclusive start, exclusive end (ISO instants). */
  publishFrom?: string;
  publishTo?: string;
  limit?: number;
  offset?: number;
  /** Keyset paging: only posts after this one in (publishAt, id) order; `total` still counts them all. */
  after?: { publishAt: string; id: string };
}

export interface PostPage {
  items: PostSummary[];
  total: number;
  limit: number;
  offset: number;
}

export interface ReviewQueueItem {
  post: PostSummary;
  /** The open stages the caller may decide, with their deadlines. */
  deadlines: StageDeadline[];
}

export interface CalendarEntry extends PostSummary {
  /** The brand's zone, in which the calendar groups posts by day. */
  brandTimeZone: string;
  variants: Array<Pick<VariantState, 'accountId' | 'platform' | 'status' | 'publishedAt' | 'url'>>;
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

/**
 * Reads made for people (lists, queue, calendar) give up after this long and cancel their query in
 * Postgres, so that a slow or pathological read never outlives the request that asked for it.
 */
export const READ_TIMEOUT_MS = 10_000;
const cancelAfter = { cancel: true } as const;

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Stages that belong on a publishing calendar. */
export const CALENDAR_STAGES: PostStage[] = ['scheduled', 'publishing', 'published', 'tracking', 'completed'];

const SUMMARY_COLUMNS = [
  'posts.id',
  'posts.brand_id',
  'posts.campaign_id',
  'posts.author_id',
  'posts.title',
  'posts.risk_tier',
  'posts.flags',
  'posts.urgent',
  'posts.stage',
  'posts.revision',
  'posts.publish_at',
  'posts.time_zone',
  'posts.workflow_id',
  'posts.last_sequence',
  'posts.created_at',
  'posts.updated_at',
];

interface PostRow {
  id: string;
  brand_id: string;
  campaign_id: string | null;
  author_id: string;
  title: string;
  risk_tier: RiskTier;
  flags: SensitivityFlag[];
  urgent: boolean;
  stage: PostStage;
  revision: number;
  publish_at: Date;
  time_zone: string;
  workflow_id: string;
  last_sequence: number;
  created_at: Date;
  updated_at: Date;
  state?: PostState;
  request_hash?: string | null;
}

function toSummary(row: PostRow): PostSummary {
  return {
    id: row.id,
    brandId: row.brand_id,
    campaignId: row.campaign_id,
    authorId: row.author_id,
    title: row.title,
    riskTier: row.risk_tier,
    flags: row.flags,
    urgent: row.urgent,
    stage: row.stage,
    revision: row.revision,
    publishAt: iso(row.publish_at),
    timeZone: row.time_zone,
    workflowId: row.workflow_id,
    lastSequence: row.last_sequence,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function toRecord(row: PostRow): PostRecord {
  return { ...toSummary(row), state: row.state as PostState, requestHash: row.request_hash ?? null };
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  return Math.min(Math.max(Math.trunc(limit), 1), MAX_PAGE_SIZE);
}

function applyFilter(query: Knex.QueryBuilder, filter: PostListFilter): Knex.QueryBuilder {
  if (filter.brandIds) query.whereIn('posts.brand_id', filter.brandIds);
  if (filter.brandId) query.where('posts.brand_id', filter.brandId);
  if (filter.stage !== undefined) {
    query.whereIn('posts.stage', Array.isArray(filter.stage) ? filter.stage : [filter.stage]);
  }
  if (filter.campaignId) query.where('posts.campaign_id', filter.campaignId);
  if (filter.authorId) query.where('posts.author_id', filter.authorId);
  if (filter.publishFrom) query.where('posts.publish_at', '>=', filter.publishFrom);
  if (filter.publishTo) query.where('posts.publish_at', '<', filter.publishTo);
  if (filter.platform) {
    // Variants appear in the submitted content before they exist in the publishing state.
    const platformVariant = json([{ platform: filter.platform }]);
    query.where((q) => {
      q.whereRaw(`posts.state->'content'->'variants' @> ?::jsonb`, [platformVariant]).orWhereRaw(
        `posts.state->'variants' @> ?::jsonb`,
        [platformVariant],
      );
    });
  }
  return query;
}

export function createPostStore(db: Knex) {
  return {
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
      const written = await trx('posts')
        .insert(row)
        .onConflict('id')
        .merge([
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
        ])
        .where('posts.last_sequence', '<', input.sequence)
        .returning('id');
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
      if (input.decisions.length === 0) return 0;
      const inserted = await trx('reviews')
        .insert(
          input.decisions.map((decision) => ({
            post_id: input.postId,
            stage: decision.stage,
            revision: decision.revision,
            decision: decision.decision,
            reviewer_id: decision.by,
            comment: decision.comment ?? null,
            decided_at: decision.at,
          })),
        )
        .onConflict(['post_id', 'stage', 'revision', 'reviewer_id', 'decision'])
        .ignore()
        .returning('id');
      return inserted.length;
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

    async list(filter: PostListFilter = {}, trx: Executor = db): Promise<PostPage> {
      const limit = clampLimit(filter.limit);
      const offset = Math.max(Math.trunc(filter.offset ?? 0), 0);
      const page = applyFilter(trx('posts').select(SUMMARY_COLUMNS), filter);
      if (filter.after) {
        page.whereRaw('(posts.publish_at, posts.id) > (?::timestamptz, ?)', [filter.after.publishAt, filter.after.id]);
      }
      const [rows, counted] = await Promise.all([
        page
          .orderBy([{ column: 'posts.publish_at' }, { column: 'posts.id' }])
          .limit(limit)
          .offset(offset)
          .timeout(READ_TIMEOUT_MS, cancelAfter) as Promise<PostRow[]>,
        applyFilter(trx('posts').count<{ total: number }[]>({ total: '*' }), filter).timeout(
          READ_TIMEOUT_MS,
          cancelAfter,
        ) as Promise<Array<{ total: number }>>,
      ]);
      return { items: rows.map(toSummary), total: Number(counted[0]?.total ?? 0), limit, offset };
    },

    /**
     * Posts waiting on a decision from any of the roles, with the deadlines of the stages those
     * roles may decide, most urgent first. With `userId`, the user's own posts and the stages they
     * have already approved at the current revision are left out. Postgres picks the deadlines,
     * orders and limits, so a request reads no more rows than it answers with.
     */
    async reviewQueue(
      input: { roles: string[]; userId?: string; brandIds?: string[]; limit?: number },
      trx: Executor = db,
    ): Promise<ReviewQueueItem[]> {
      if (input.roles.length === 0) return [];
      const notApprovedByUser = input.userId
        ? `AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(posts.state->'decisions') AS decision
                            WHERE decision->'stage' = deadline->'stage'
                              AND decision->'revision' = posts.state->'revision'
                              AND decision->>'by' = ?
                              AND decision->>'decision' = 'approve')`
        : '';
      // Each post's deadlines the roles may decide, in plan order, and the soonest of their due
      // times: escalation, or the forced decision once escalated.
      const decidable = trx.raw(
        `LATERAL (SELECT jsonb_agg(deadline ORDER BY position) AS deadlines,
                         min(CASE WHEN (deadline->>'escalated')::boolean THEN deadline->>'forceAt'
                                  ELSE deadline->>'escalateAt' END COLLATE "C") AS due_at
                    FROM jsonb_array_elements(posts.state->'deadlines') WITH ORDINALITY AS entry(deadline, position)
                   WHERE jsonb_exists_any(deadline->'decidingRoles', ?::text[]) ${notApprovedByUser}) AS decidable`,
        input.userId ? [input.roles, input.userId] : [input.roles],
      );
      const query = trx('posts')
        .select([...SUMMARY_COLUMNS, 'decidable.deadlines'])
        .crossJoin(decidable)
        .whereNotIn('posts.stage', TERMINAL_STAGES as PostStage[])
        .whereNotNull('decidable.deadlines')
        .orderByRaw('decidable.due_at COLLATE "C", posts.id COLLATE "C"')
        .limit(clampLimit(input.limit ?? MAX_PAGE_SIZE));
      if (input.brandIds) query.whereIn('posts.brand_id', input.brandIds);
      if (input.userId) query.whereNot('posts.author_id', input.userId);
      const rows = (await query.timeout(READ_TIMEOUT_MS, cancelAfter)) as Array<
        PostRow & { deadlines: StageDeadline[] }
      >;
      return rows.map((row) => ({ post: toSummary(row), deadlines: row.deadlines }));
    },

    /** Scheduled and published posts whose publish time falls in [from, to), in time order. */
    async calendar(
      input: { from: string; to: string; brandIds?: string[]; stages?: PostStage[] },
      trx: Executor = db,
    ): Promise<CalendarEntry[]> {
      const query = trx('posts')
        .join('brands', 'brands.id', 'posts.brand_id')
        .select([
          ...SUMMARY_COLUMNS,
          'brands.time_zone as brand_time_zone',
          trx.raw(`posts.state->'variants' AS variants`),
        ])
        .whereIn('posts.stage', input.stages ?? CALENDAR_STAGES)
        .where('posts.publish_at', '>=', input.from)
        .where('posts.publish_at', '<', input.to)
        .orderBy([{ column: 'posts.publish_at' }, { column: 'posts.id' }]);
      if (input.brandIds) query.whereIn('posts.brand_id', input.brandIds);
      const rows = (await query.timeout(READ_TIMEOUT_MS, cancelAfter)) as Array<
        PostRow & { brand_time_zone: string; variants: VariantState[] | null }
      >;
      return rows.map((row) => ({
        ...toSummary(row),
        brandTimeZone: row.brand_time_zone,
        variants: (row.variants ?? []).map((variant) => ({
          accountId: variant.accountId,
          platform: variant.platform,
          status: variant.status,
          publishedAt: variant.publishedAt,
          url: variant.url,
        })),
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
