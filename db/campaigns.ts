/**
 * Campaigns as people list them, and the plan a campaign's workflow creates its posts from. The
 * plan is kept item by item with the post id each item becomes, so a batch repeated after a crash
 * finds the posts it already created; the progress a campaign shows is read from here and from
 * the posts' projection (`posts.campaign_id`), never from a workflow.
 */
import type { Knex } from 'knex';
import type { CampaignMetricRow, CampaignStatus } from '../domain/campaigns';
import { BEFORE_PUBLISHING_STAGES, type PostStage } from '../domain/types';
import { iso, isoOrNull, json, type Executor } from './rows';

export interface CampaignRecord {
  id: string;
  brandId: string;
  name: string;
  goal: string | null;
  ownerId: string | null;
  createdBy: string | null;
  utmCampaign: string;
  startsAt: string;
  endsAt: string | null;
  status: CampaignStatus;
  paused: boolean;
  pausedReason: string | null;
  cancelReason: string | null;
  requestHash: string | null;
  planTotal: number;
  endedAt: string | null;
  report: Record<string, unknown> | null;
  createdAt: string;
}

interface CampaignRow {
  id: string;
  brand_id: string;
  name: string;
  goal: string | null;
  owner_id: string | null;
  created_by: string | null;
  utm_campaign: string;
  starts_at: Date;
  ends_at: Date | null;
  status: CampaignStatus;
  paused: boolean;
  paused_reason: string | null;
  cancel_reason: string | null;
  request_hash: string | null;
  plan_total: number;
  ended_at: Date | null;
  report: Record<string, unknown> | null;
  created_at: Date;
}

export interface NewCampaignRecord {
  id: string;
  brandId: string;
  name: string;
  goal?: string;
  ownerId: string;
  createdBy: string;
  utmCampaign: string;
  startsAt: string;
  endsAt: string;
  requestHash: string;
}

/** One planned post: what the creation path takes, stored as the client sent it (validated). */
export interface PlanItemRecord {
  campaignId: string;
  position: number;
  postId: string;
  item: Record<string, unknown>;
  createdBy: string;
  status: 'pending' | 'created' | 'failed';
  failure: string | null;
}

interface PlanItemRow {
  campaign_id: string;
  position: number;
  post_id: string;
  item: Record<string, unknown>;
  created_by: string;
  status: PlanItemRecord['status'];
  failure: string | null;
}

export interface PlanProgress {
  total: number;
  created: number;
  failed: number;
  pending: number;
  /** The first failures, in plan order, with their reasons. */
  failures: Array<{ position: number; postId: string; reason: string }>;
}

export interface CampaignPostRef {
  id: string;
  stage: PostStage;
  publishAt: string;
  timeZone: string;
}

export const MAX_CAMPAIGN_PAGE = 200;
const FAILURES_SHOWN = 100;

function toRecord(row: CampaignRow): CampaignRecord {
  return {
    id: row.id,
    brandId: row.brand_id,
    name: row.name,
    goal: row.goal,
    ownerId: row.owner_id,
    createdBy: row.created_by,
    utmCampaign: row.utm_campaign,
    startsAt: iso(row.starts_at),
    endsAt: isoOrNull(row.ends_at),
    status: row.status,
    paused: row.paused,
    pausedReason: row.paused_reason,
    cancelReason: row.cancel_reason,
    requestHash: row.request_hash,
    planTotal: row.plan_total,
    endedAt: isoOrNull(row.ended_at),
    report: row.report,
    createdAt: iso(row.created_at),
  };
}

function toItem(row: PlanItemRow): PlanItemRecord {
  return {
    campaignId: row.campaign_id,
    position: row.position,
    postId: row.post_id,
    item: row.item,
    createdBy: row.created_by,
    status: row.status,
    failure: row.failure,
  };
}

export function createCampaignStore(db: Knex) {
  async function insertItems(
    trx: Executor,
    input: {
      campaignId: string;
      firstPosition: number;
      createdBy: string;
      items: Array<{ postId: string; item: unknown }>;
    },
  ): Promise<void> {
    // In slices: one INSERT of a thousand jsonb rows is fine, but keeps the statement's parameters bounded.
    for (let start = 0; start < input.items.length; start += 250) {
      await trx('campaign_plan_items').insert(
        input.items.slice(start, start + 250).map((planned, index) => ({
          campaign_id: input.campaignId,
          position: input.firstPosition + start + index,
          post_id: planned.postId,
          item: json(planned.item),
          created_by: input.createdBy,
        })),
      );
    }
  }

  return {
    /**
     * Stores the campaign and its plan in one transaction; a campaign already stored under the
     * same id (a repeated request) is left as it is. True when it was stored now.
     */
    async createWithPlan(input: {
      campaign: NewCampaignRecord;
      items: Array<{ postId: string; item: unknown }>;
    }): Promise<boolean> {
      return db.transaction(async (trx) => {
        const { campaign } = input;
        const inserted = await trx('campaigns')
          .insert({
            id: campaign.id,
            brand_id: campaign.brandId,
            name: campaign.name,
            goal: campaign.goal ?? null,
            owner_id: campaign.ownerId,
            created_by: campaign.createdBy,
            utm_campaign: campaign.utmCampaign,
            starts_at: campaign.startsAt,
            ends_at: campaign.endsAt,
            request_hash: campaign.requestHash,
            plan_total: input.items.length,
          })
          .onConflict('id')
          .ignore()
          .returning('id');
        if (inserted.length === 0) return false;
        await insertItems(trx, {
          campaignId: campaign.id,
          firstPosition: 0,
          createdBy: campaign.createdBy,
          items: input.items,
        });
        return true;
      });
    },

    /** Removes a campaign whose workflow never started, so that it is not listed as running. */
    async deleteUnstarted(id: string, trx: Executor = db): Promise<void> {
      await trx('campaigns').where({ id }).delete();
    },

    /**
     * Appends planned posts after the plan's last one, under a lock on the campaign so that two
     * joins never take the same positions. Items whose post id is already planned (a repeated
     * request) are not added again; the stored items are returned either way.
     */
    async appendItems(input: {
      campaignId: string;
      createdBy: string;
      items: Array<{ postId: string; item: unknown }>;
    }): Promise<{ added: boolean; items: Array<{ position: number; postId: string }>; planTotal: number }> {
      return db.transaction(async (trx) => {
        const row = await trx<CampaignRow>('campaigns').where({ id: input.campaignId }).forUpdate().first();
        if (!row) throw new Error(`campaign ${input.campaignId} vanished`);
        const postIds = input.items.map((planned) => planned.postId);
        const existing = await trx<PlanItemRow>('campaign_plan_items')
          .whereIn('post_id', postIds)
          .select('position', 'post_id');
        if (existing.length > 0) {
          return {
            added: false,
            items: existing
              .map((item) => ({ position: item.position, postId: item.post_id }))
              .sort((a, b) => a.position - b.position),
            planTotal: row.plan_total,
          };
        }
        await insertItems(trx, {
          campaignId: input.campaignId,
          firstPosition: row.plan_total,
          createdBy: input.createdBy,
          items: input.items,
        });
        const planTotal = row.plan_total + input.items.length;
        await trx('campaigns').where({ id: input.campaignId }).update({ plan_total: planTotal });
        return {
          added: true,
          items: postIds.map((postId, index) => ({ position: row.plan_total + index, postId })),
          planTotal,
        };
      });
    },

    async find(id: string, trx: Executor = db): Promise<CampaignRecord | undefined> {
      const row = await trx<CampaignRow>('campaigns').where({ id }).first();
      return row ? toRecord(row) : undefined;
    },

    /** Newest first; `after` is the last campaign of the previous page. */
    async list(
      input: {
        brandIds?: string[];
        status?: CampaignStatus;
        after?: { createdAt: string; id: string };
        limit: number;
      },
      trx: Executor = db,
    ): Promise<CampaignRecord[]> {
      const query = trx<CampaignRow>('campaigns')
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(Math.min(input.limit, MAX_CAMPAIGN_PAGE));
      if (input.brandIds) query.whereIn('brand_id', input.brandIds);
      if (input.status) query.where({ status: input.status });
      if (input.after) {
        query.whereRaw('(created_at, id) < (?, ?)', [input.after.createdAt, input.after.id]);
      }
      return (await query).map(toRecord);
    },

    /** Pending items from `fromPosition` on, in plan order. */
    async pendingItems(
      input: { campaignId: string; fromPosition: number; limit: number },
      trx: Executor = db,
    ): Promise<PlanItemRecord[]> {
      const rows = await trx<PlanItemRow>('campaign_plan_items')
        .where({ campaign_id: input.campaignId, status: 'pending' })
        .where('position', '>=', input.fromPosition)
        .orderBy('position')
        .limit(input.limit);
      return rows.map(toItem);
    },

    async settleItem(
      input: { campaignId: string; position: number; status: 'created' | 'failed'; failure?: string },
      trx: Executor = db,
    ): Promise<void> {
      await trx('campaign_plan_items')
        .where({ campaign_id: input.campaignId, position: input.position })
        .update({ status: input.status, failure: input.failure ?? null, settled_at: trx.fn.now() });
    },

    /** Items that will never be created (the campaign was cancelled or ended first). */
    async failPending(input: { campaignId: string; reason: string }, trx: Executor = db): Promise<number> {
      return trx('campaign_plan_items')
        .where({ campaign_id: input.campaignId, status: 'pending' })
        .update({ status: 'failed', failure: input.reason, settled_at: trx.fn.now() });
    },

    /** Plan items per status for several campaigns at once (for a list). */
    async planCounts(
      campaignIds: string[],
      trx: Executor = db,
    ): Promise<Map<string, { created: number; failed: number; pending: number }>> {
      const result = new Map(campaignIds.map((id) => [id, { created: 0, failed: 0, pending: 0 }]));
      if (campaignIds.length === 0) return result;
      const rows = await trx('campaign_plan_items')
        .whereIn('campaign_id', campaignIds)
        .groupBy('campaign_id', 'status')
        .select('campaign_id', 'status')
        .count<Array<{ campaign_id: string; status: PlanItemRecord['status']; count: string }>>('* as count');
      for (const row of rows) result.get(row.campaign_id)![row.status] = Number(row.count);
      return result;
    },

    async planProgress(campaignId: string, trx: Executor = db): Promise<PlanProgress> {
      const counts = await trx('campaign_plan_items')
        .where({ campaign_id: campaignId })
        .groupBy('status')
        .select('status')
        .count<Array<{ status: PlanItemRecord['status']; count: string }>>('* as count');
      const byStatus = Object.fromEntries(counts.map((row) => [row.status, Number(row.count)]));
      const failures = await trx<PlanItemRow>('campaign_plan_items')
        .where({ campaign_id: campaignId, status: 'failed' })
        .orderBy('position')
        .limit(FAILURES_SHOWN)
        .select('position', 'post_id', 'failure');
      const created = byStatus.created ?? 0;
      const failed = byStatus.failed ?? 0;
      const pending = byStatus.pending ?? 0;
      return {
        total: created + failed + pending,
        created,
        failed,
        pending,
        failures: failures.map((row) => ({ position: row.position, postId: row.post_id, reason: row.failure ?? '' })),
      };
    },

    /** The campaign's posts per stage and the next publish time still ahead, from the projection. */
    async postProgress(
      campaignIds: string[],
      trx: Executor = db,
    ): Promise<Map<string, { perStage: Partial<Record<PostStage, number>>; nextDue: string | null }>> {
      const result = new Map<string, { perStage: Partial<Record<PostStage, number>>; nextDue: string | null }>();
      if (campaignIds.length === 0) return result;
      const rows = await trx('posts')
        .whereIn('campaign_id', campaignIds)
        .groupBy('campaign_id', 'stage')
        .select('campaign_id', 'stage')
        .count<Array<{ campaign_id: string; stage: PostStage; count: string }>>('* as count')
        .min<Array<{ campaign_id: string; stage: PostStage; count: string; next_due: Date | null }>>(
          'publish_at as next_due',
        );
      for (const id of campaignIds) result.set(id, { perStage: {}, nextDue: null });
      for (const row of rows) {
        const entry = result.get(row.campaign_id)!;
        entry.perStage[row.stage] = Number(row.count);
        if (BEFORE_PUBLISHING_STAGES.includes(row.stage) && row.next_due) {
          const due = iso(row.next_due);
          if (entry.nextDue === null || due < entry.nextDue) entry.nextDue = due;
        }
      }
      return result;
    },

    /** A page of the campaign's posts in the given stages, in id order after `afterPostId`. */
    async postsInStages(
      input: {
        campaignId: string;
        stages: readonly PostStage[];
        afterPostId?: string;
        /** Only these posts (those an action is about to reach). */
        postIds?: string[];
        limit: number;
      },
      trx: Executor = db,
    ): Promise<CampaignPostRef[]> {
      const query = trx('posts')
        .where({ campaign_id: input.campaignId })
        .whereIn('stage', input.stages as PostStage[])
        .orderBy('id')
        .limit(input.limit)
        .select<Array<{ id: string; stage: PostStage; publish_at: Date; time_zone: string }>>(
          'id',
          'stage',
          'publish_at',
          'time_zone',
        );
      if (input.afterPostId !== undefined) query.where('id', '>', input.afterPostId);
      if (input.postIds !== undefined) query.whereIn('id', input.postIds);
      return (await query).map((row) => ({
        id: row.id,
        stage: row.stage,
        publishAt: iso(row.publish_at),
        timeZone: row.time_zone,
      }));
    },

    async setStatus(
      input: {
        campaignId: string;
        status: CampaignStatus;
        paused: boolean;
        pausedReason?: string | null;
        cancelReason?: string | null;
      },
      trx: Executor = db,
    ): Promise<CampaignRecord | undefined> {
      const [row] = await trx<CampaignRow>('campaigns')
        .where({ id: input.campaignId })
        .update({
          status: input.status,
          paused: input.paused,
          paused_reason: input.paused ? (input.pausedReason ?? null) : null,
          ...(input.cancelReason !== undefined ? { cancel_reason: input.cancelReason } : {}),
        })
        .returning('*');
      return row ? toRecord(row) : undefined;
    },

    async storeReport(
      input: { campaignId: string; status: CampaignStatus; endedAt: string; report: unknown },
      trx: Executor = db,
    ): Promise<void> {
      await trx('campaigns')
        .where({ id: input.campaignId })
        .update({ status: input.status, paused: false, ended_at: input.endedAt, report: json(input.report) });
    },

    /**
     * Metric sums per account over the campaign's posts, from the latest snapshot of each
     * publication (the largest offset per post and account).
     */
    async metricSums(campaignId: string, trx: Executor = db): Promise<CampaignMetricRow[]> {
      const latest = trx('metric_snapshots as m')
        .join('posts as p', 'p.id', 'm.post_id')
        .where('p.campaign_id', campaignId)
        .distinctOn('m.post_id', 'm.account_id')
        .orderBy([{ column: 'm.post_id' }, { column: 'm.account_id' }, { column: 'm.offset_ms', order: 'desc' }])
        .select('m.*');
      const rows = await trx
        .from(latest.as('l'))
        .groupBy('platform', 'account_id')
        .orderBy(['platform', 'account_id'])
        .select('platform', 'account_id')
        .count('* as posts')
        .sum({ impressions: 'impressions', reach: 'reach', likes: 'likes', comments: 'comments' })
        .sum({ shares: 'shares', saves: 'saves', clicks: 'clicks' });
      return (rows as Array<Record<string, string | number>>).map((row) => ({
        platform: String(row.platform),
        accountId: String(row.account_id),
        posts: Number(row.posts),
        impressions: Number(row.impressions ?? 0),
        reach: Number(row.reach ?? 0),
        likes: Number(row.likes ?? 0),
        comments: Number(row.comments ?? 0),
        shares: Number(row.shares ?? 0),
        saves: Number(row.saves ?? 0),
        clicks: Number(row.clicks ?? 0),
      }));
    },
  };
}

export type CampaignStore = ReturnType<typeof createCampaignStore>;
