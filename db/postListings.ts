/**
 * The posts projection as people read it: filtered pages, the review queue, the calendar. Every
 * read is bounded (a page, a limit, a date range) and cancelled in Postgres after READ_TIMEOUT_MS.
 */
import type { Knex } from 'knex';
import type { Platform, PostStage } from '../domain/types';
import { CALENDAR_STAGES, TERMINAL_STAGES } from '../domain/types';
import type { StageDeadline, VariantState } from '../domain/postState';
import {
  MAX_PAGE_SIZE,
  READ_TIMEOUT_MS,
  SUMMARY_COLUMNS,
  cancelAfter,
  clampLimit,
  toSummary,
  type PostRow,
  type PostSummary,
} from './postRows';
import { json, type Executor } from './rows';

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

export function createPostListings(db: Knex) {
  return {
    async list(filter: PostListFilter = {}, trx: Executor = db): Promise<PostPage> {
      // A caller may read one row past a full page to learn whether another page follows.
      const limit = clampLimit(filter.limit, MAX_PAGE_SIZE + 1);
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
        .whereIn('posts.stage', input.stages ?? [...CALENDAR_STAGES])
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
  };
}
