/**
 * The facts of one brand over one range, from the report projections and their indexes (clocks by
 * brand and start, stage stays by brand and exit, variant results by brand or account and publish
 * time, posts by brand and planned time); never the audit log. The reports read the heaviest of
 * them summed per day (reportRollups.ts); row by row here, they give the same figures.
 */
import type { Knex } from 'knex';
import type {
  AccountRef,
  ClockFact,
  ForcedDecisionFact,
  PlannedVariant,
  PostJourney,
  StageStay,
  VariantResult,
} from '../domain/reports';
import type { SlaClockKind } from '../domain/sla';
import { READ_TIMEOUT_MS, cancelAfter } from './postRows';
import { iso, isoOrNull, json, type Executor } from './rows';

/** A brand's range as instants: [start, end). */
export interface BrandRange {
  brandId: string;
  start: string;
  end: string;
}

const num = (value: unknown): number => Number(value);
/** Instants come as epoch milliseconds (numeric): cheaper than Postgres timestamps parsed into Dates. */
const instantOf = (ms: unknown): string => new Date(Number(ms)).toISOString();
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export interface StoredReport {
  id: string;
  brandId: string;
  frequency: string;
  from: string;
  to: string;
  timeZone: string;
  reports: Record<string, unknown>;
  createdAt: string;
}

interface StoredReportRow {
  id: string;
  brand_id: string;
  frequency: string;
  period_from: string;
  period_to: string;
  time_zone: string;
  reports: Record<string, unknown>;
  created_at: Date;
}

function toStoredReport(row: StoredReportRow): StoredReport {
  return {
    id: row.id,
    brandId: row.brand_id,
    frequency: row.frequency,
    from: row.period_from,
    to: row.period_to,
    timeZone: row.time_zone,
    reports: row.reports,
    createdAt: iso(row.created_at),
  };
}

export function createReportStore(db: Knex) {
  return {
    async responseClocks(range: BrandRange, trx: Executor = db): Promise<ClockFact[]> {
      const rows = await trx('sla_clocks')
        .select(
          'kind',
          'status',
          'ended_by',
          trx.raw('extract(epoch from started_at)::float8 * 1000 AS started_ms'),
          'elapsed_calendar_minutes',
          'elapsed_business_minutes',
          'brand_id',
          'queue',
          'assignee_id',
          'priority',
        )
        .where('brand_id', range.brandId)
        .where('started_at', '>=', range.start)
        .where('started_at', '<', range.end)
        .timeout(READ_TIMEOUT_MS, cancelAfter);
      return rows.map((row: Record<string, unknown>) => ({
        kind: row.kind as SlaClockKind,
        status: row.status as string,
        endedBy: row.ended_by as string | null,
        startedAt: instantOf(row.started_ms),
        elapsedCalendarMinutes: numOrNull(row.elapsed_calendar_minutes),
        elapsedBusinessMinutes: numOrNull(row.elapsed_business_minutes),
        brandId: row.brand_id as string,
        queue: row.queue as string | null,
        assigneeId: row.assignee_id as string | null,
        priority: row.priority as string,
      }));
    },

    async stageStays(range: BrandRange, trx: Executor = db): Promise<StageStay[]> {
      const rows = await trx('post_stage_durations')
        .select(
          'post_id',
          'brand_id',
          'campaign_id',
          'stage',
          trx.raw('extract(epoch from entered_at)::float8 * 1000 AS entered_ms'),
          trx.raw('extract(epoch from left_at)::float8 * 1000 AS left_ms'),
          'duration_ms',
        )
        .where('brand_id', range.brandId)
        .where('left_at', '>=', range.start)
        .where('left_at', '<', range.end)
        .timeout(READ_TIMEOUT_MS, cancelAfter);
      return rows.map((row: Record<string, unknown>) => ({
        postId: row.post_id as string,
        brandId: row.brand_id as string,
        campaignId: row.campaign_id as string | null,
        stage: row.stage as string,
        enteredAt: instantOf(row.entered_ms),
        leftAt: instantOf(row.left_ms),
        durationMs: num(row.duration_ms),
      }));
    },

    /** Posts first published in the range, with their creation and the change requests they received. */
    async publishedJourneys(range: BrandRange, trx: Executor = db): Promise<PostJourney[]> {
      const { rows } = (await trx
        .raw(
          `SELECT published.post_id, published.brand_id, published.campaign_id, published.left_at AS published_at,
                  (SELECT min(entered_at) FROM post_stage_durations s WHERE s.post_id = published.post_id) AS created_at,
                  (SELECT count(*) FROM reviews r
                    WHERE r.post_id = published.post_id AND r.decision = 'request_changes') AS change_requests
             FROM (SELECT DISTINCT ON (post_id) post_id, brand_id, campaign_id, left_at
                     FROM post_stage_durations
                    WHERE brand_id = :brandId AND to_stage = 'published' AND left_at >= :start AND left_at < :end
                    ORDER BY post_id, left_at) AS published
            WHERE NOT EXISTS (SELECT 1 FROM post_stage_durations earlier
                               WHERE earlier.post_id = published.post_id AND earlier.to_stage = 'published'
                                 AND earlier.left_at < :start)`,
          { brandId: range.brandId, start: range.start, end: range.end },
        )
        .timeout(READ_TIMEOUT_MS, cancelAfter)) as { rows: Record<string, unknown>[] };
      return rows.map((row) => ({
        postId: row.post_id as string,
        brandId: row.brand_id as string,
        campaignId: row.campaign_id as string | null,
        createdAt: iso((row.created_at ?? row.published_at) as Date),
        publishedAt: iso(row.published_at as Date),
        changeRequests: num(row.change_requests),
      }));
    },

    /** Decisions a deadline forced (recorded by the system, not a reviewer) in the range. */
    async forcedDecisions(range: BrandRange, trx: Executor = db): Promise<ForcedDecisionFact[]> {
      const rows = await trx('reviews as r')
        .join('posts as p', 'p.id', 'r.post_id')
        .select('r.post_id', 'p.brand_id', 'p.campaign_id', 'r.stage', 'r.decision', 'r.decided_at')
        .where('r.reviewer_id', 'system')
        .where('p.brand_id', range.brandId)
        .where('r.decided_at', '>=', range.start)
        .where('r.decided_at', '<', range.end)
        .timeout(READ_TIMEOUT_MS, cancelAfter);
      return rows.map((row: Record<string, unknown>) => ({
        postId: row.post_id as string,
        brandId: row.brand_id as string,
        campaignId: row.campaign_id as string | null,
        stage: row.stage as string,
        decision: row.decision as string,
        at: iso(row.decided_at as Date),
      }));
    },

    async brandAccounts(brandId: string, trx: Executor = db): Promise<AccountRef[]> {
      const rows = await trx('accounts').select('id', 'platform', 'brand_id').where('brand_id', brandId).orderBy('id');
      return rows.map((row: { id: string; platform: string; brand_id: string }) => ({
        accountId: row.id,
        platform: row.platform,
        brandId: row.brand_id,
      }));
    },

    /** Variants of posts planned in the range that were published or failed. */
    async plannedVariants(range: BrandRange, trx: Executor = db): Promise<PlannedVariant[]> {
      const rows = await trx('posts as p')
        .join('post_variants as v', 'v.post_id', 'p.id')
        .select('p.id', 'p.brand_id', 'p.publish_at', 'v.account_id', 'v.platform', 'v.published_at', 'v.status')
        .where('p.brand_id', range.brandId)
        .where('p.publish_at', '>=', range.start)
        .where('p.publish_at', '<', range.end)
        .whereIn('v.status', ['published', 'failed'])
        .timeout(READ_TIMEOUT_MS, cancelAfter);
      return rows.map((row: Record<string, unknown>) => ({
        postId: row.id as string,
        brandId: row.brand_id as string,
        accountId: row.account_id as string,
        platform: row.platform as string,
        plannedAt: iso(row.publish_at as Date),
        publishedAt: isoOrNull(row.published_at as Date | null),
        status: row.status as string,
      }));
    },

    async variantResults(
      filter: { brandId?: string; accountId?: string; start: string; end: string },
      trx: Executor = db,
    ): Promise<VariantResult[]> {
      const query = trx('variant_performance')
        .select(
          'post_id',
          'brand_id',
          'account_id',
          'platform',
          'campaign_id',
          trx.raw('extract(epoch from published_at)::float8 * 1000 AS published_ms'),
          'impressions',
          'reach',
          'likes',
          'comments',
          'shares',
          'saves',
          'clicks',
        )
        .where('published_at', '>=', filter.start)
        .where('published_at', '<', filter.end)
        .timeout(READ_TIMEOUT_MS, cancelAfter);
      if (filter.brandId !== undefined) query.where('brand_id', filter.brandId);
      if (filter.accountId !== undefined) query.where('account_id', filter.accountId);
      return (await query).map((row: Record<string, unknown>) => ({
        postId: row.post_id as string,
        brandId: row.brand_id as string,
        accountId: row.account_id as string,
        platform: row.platform as string,
        campaignId: row.campaign_id as string | null,
        publishedAt: instantOf(row.published_ms),
        impressions: num(row.impressions),
        reach: num(row.reach),
        likes: num(row.likes),
        comments: num(row.comments),
        shares: num(row.shares),
        saves: num(row.saves),
        clicks: num(row.clicks),
      }));
    },

    /** Stores the period's report once; a second run for the same period keeps the first. */
    async storeReport(
      input: Omit<StoredReport, 'createdAt'> & { createdAt: string },
      trx: Executor = db,
    ): Promise<StoredReport> {
      await trx('stored_reports')
        .insert({
          id: input.id,
          brand_id: input.brandId,
          frequency: input.frequency,
          period_from: input.from,
          period_to: input.to,
          time_zone: input.timeZone,
          reports: json(input.reports),
          created_at: input.createdAt,
        })
        .onConflict(['brand_id', 'frequency', 'period_from'])
        .ignore();
      const row = await trx<StoredReportRow>('stored_reports')
        .where({ brand_id: input.brandId, frequency: input.frequency, period_from: input.from })
        .first();
      return toStoredReport(row!);
    },

    async findStoredReport(id: string, trx: Executor = db): Promise<StoredReport | undefined> {
      const row = await trx<StoredReportRow>('stored_reports').where({ id }).first();
      return row ? toStoredReport(row) : undefined;
    },

    /** The brand's stored reports, newest first, without their contents. */
    async listStoredReports(
      input: { brandIds?: string[]; limit: number; offset: number },
      trx: Executor = db,
    ): Promise<Omit<StoredReport, 'reports'>[]> {
      const query = trx<StoredReportRow>('stored_reports')
        .select('id', 'brand_id', 'frequency', 'period_from', 'period_to', 'time_zone', 'created_at')
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(input.limit)
        .offset(input.offset);
      if (input.brandIds) query.whereIn('brand_id', input.brandIds);
      return (await query).map((row) => {
        const { reports: _reports, ...rest } = toStoredReport({ ...row, reports: {} });
        return rest;
      });
    },

    async plannedPostsPerWeek(brandId: string, trx: Executor = db): Promise<number | null> {
      const row = (await trx('brands').select('planned_posts_per_week').where({ id: brandId }).first()) as
        { planned_posts_per_week: number | null } | undefined;
      return row?.planned_posts_per_week ?? null;
    },

    async setPlannedPostsPerWeek(
      input: { brandId: string; postsPerWeek: number | null },
      trx: Executor = db,
    ): Promise<void> {
      await trx('brands').where({ id: input.brandId }).update({ planned_posts_per_week: input.postsPerWeek });
    },
  };
}

export type ReportStore = ReturnType<typeof createReportStore>;
