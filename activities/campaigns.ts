/**
 * The campaign workflow's activities. Posts are created through the one post creation path and
 * reached through their own workflows' messages; both are behind `CampaignPostGateway`, which the
 * worker wires to the post creation use case and its Temporal client, so that a campaign's post is
 * created exactly like any other.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { campaignEntity } from '../domain/ids';
import { createAuditLog } from '../db/audit';
import { createBrandStore } from '../db/brands';
import { createCampaignStore, type CampaignRecord } from '../db/campaigns';
import { createNotificationStore } from '../db/notifications';
import { REACHABLE_STAGES, campaignReport, type CampaignReport } from '../domain/campaigns';
import {
  CAMPAIGN_NOT_FOUND,
  type CampaignActivities,
  type CampaignHold,
  type CampaignPostAction,
} from './campaignContract';
import type { Notifier } from './notifier';

/** How one planned post came out: created (or found created), or refused with a reason a person can act on. */
export type PlannedPostOutcome = { created: true } | { created: false; reason: string };

/** What the campaign activities need of the post creation path and the posts' workflows. */
export interface CampaignPostGateway {
  createPlannedPost(input: {
    postId: string;
    campaignId: string;
    brandId: string;
    createdBy: string;
    item: Record<string, unknown>;
    held?: CampaignHold;
  }): Promise<PlannedPostOutcome>;
  /** Carries the action to one post; a refusal is returned as the reason, never thrown. */
  actOnPost(input: {
    postId: string;
    action: CampaignPostAction;
    publishAt: string;
    brandTimeZone: string;
  }): Promise<{ reached: true } | { reached: false; reason: string }>;
}

export interface CampaignActivityDeps {
  db: Knex;
  posts: CampaignPostGateway;
  notifier: Notifier;
}

/** Planned posts created at the same time; each is a few queries and a workflow start. */
const CREATION_CONCURRENCY = 5;
/** Posts of one page reached at the same time. */
const ACTION_CONCURRENCY = 8;

export { campaignEntity };

export function createCampaignActivities({ db, posts, notifier }: CampaignActivityDeps): CampaignActivities {
  const campaigns = createCampaignStore(db);
  const brands = createBrandStore(db);
  const audit = createAuditLog(db);
  const notifications = createNotificationStore(db);

  async function requireCampaign(campaignId: string): Promise<CampaignRecord> {
    const campaign = await campaigns.find(campaignId);
    if (!campaign) {
      throw ApplicationFailure.create({
        type: CAMPAIGN_NOT_FOUND,
        message: `campaign ${campaignId} does not exist`,
        nonRetryable: true,
      });
    }
    return campaign;
  }

  async function report(campaign: CampaignRecord, reportedAt: string | null): Promise<CampaignReport> {
    const [progress, metrics] = await Promise.all([
      campaigns.postProgress([campaign.id]),
      campaigns.metricSums(campaign.id),
    ]);
    return campaignReport({
      campaign,
      perStage: progress.get(campaign.id)?.perStage ?? {},
      metrics,
      reportedAt,
    });
  }

  return {
    async createCampaignPosts({ campaignId, fromPosition, limit, held }) {
      const campaign = await requireCampaign(campaignId);
      const items = await campaigns.pendingItems({ campaignId, fromPosition, limit });
      for (let start = 0; start < items.length; start += CREATION_CONCURRENCY) {
        Context.current().heartbeat({ position: items[start].position });
        await Promise.all(
          items.slice(start, start + CREATION_CONCURRENCY).map(async (planned) => {
            const outcome = await posts.createPlannedPost({
              postId: planned.postId,
              campaignId,
              brandId: campaign.brandId,
              createdBy: planned.createdBy,
              item: planned.item,
              ...(held ? { held } : {}),
            });
            await campaigns.settleItem({
              campaignId,
              position: planned.position,
              status: outcome.created ? 'created' : 'failed',
              ...(outcome.created ? {} : { failure: outcome.reason }),
            });
          }),
        );
      }
      const progress = await campaigns.planProgress(campaignId);
      const total = (await requireCampaign(campaignId)).planTotal;
      return {
        nextPosition: items.length < limit ? total : items[items.length - 1].position + 1,
        total,
        created: progress.created,
        failed: progress.failed,
      };
    },

    async listCampaignPosts({ campaignId, afterPostId, limit }) {
      const refs = await campaigns.postsInStages({ campaignId, stages: REACHABLE_STAGES, afterPostId, limit });
      return { postIds: refs.map((ref) => ref.id) };
    },

    async reachCampaignPosts({ campaignId, postIds, action }) {
      const campaign = await requireCampaign(campaignId);
      const brand = await brands.findById(campaign.brandId);
      const refs = new Map(
        (await campaigns.postsInStages({ campaignId, stages: REACHABLE_STAGES, postIds, limit: postIds.length })).map(
          (ref) => [ref.id, ref],
        ),
      );
      const reached: string[] = [];
      const notReached: Array<{ postId: string; reason: string }> = [];
      for (let start = 0; start < postIds.length; start += ACTION_CONCURRENCY) {
        Context.current().heartbeat({ done: start });
        await Promise.all(
          postIds.slice(start, start + ACTION_CONCURRENCY).map(async (postId) => {
            const ref = refs.get(postId);
            if (!ref) {
              notReached.push({ postId, reason: 'it has started publishing or has finished since it was listed' });
              return;
            }
            const outcome = await posts.actOnPost({
              postId,
              action,
              publishAt: ref.publishAt,
              brandTimeZone: brand?.timeZone ?? ref.timeZone,
            });
            if (outcome.reached) reached.push(postId);
            else notReached.push({ postId, reason: outcome.reason });
          }),
        );
      }
      return { reached: reached.sort(), notReached: notReached.sort((a, b) => (a.postId < b.postId ? -1 : 1)) };
    },

    async recordCampaignAction({ campaignId, sequence, action, actorId, at, detail, status }) {
      await requireCampaign(campaignId);
      await db.transaction(async (trx) => {
        await audit.append(
          {
            entity: campaignEntity(campaignId),
            sequence,
            action,
            actorId,
            fromStage: null,
            toStage: status?.status ?? null,
            at,
            detail,
          },
          trx,
        );
        if (status) {
          await campaigns.setStatus(
            {
              campaignId,
              status: status.status,
              paused: status.paused,
              pausedReason: status.pausedReason ?? null,
              ...(status.cancelReason !== undefined ? { cancelReason: status.cancelReason } : {}),
            },
            trx,
          );
        }
      });
    },

    async finishCampaign({ campaignId, status, endedAt, reason }) {
      const campaign = await requireCampaign(campaignId);
      await campaigns.failPending({ campaignId, reason });
      const stored = campaign.report ? (campaign.report as unknown as CampaignReport) : undefined;
      const final = stored ?? (await report({ ...campaign, status }, endedAt));
      if (!stored) await campaigns.storeReport({ campaignId, status, endedAt, report: final });
      const notificationId = `campaign-report:${campaignId}`;
      const message = `Campaign ${campaign.name} ${status === 'cancelled' ? 'was cancelled' : 'has ended'}: ${final.posts.published} of ${final.posts.total} posts published`;
      const record = await notifications.recordOnce({
        id: notificationId,
        kind: 'campaign_report',
        brandId: campaign.brandId,
        payload: { kind: 'campaign_report', campaignId, message, report: final },
      });
      if (record.deliveredAt || !notifier.deliversToWebhook) return;
      await notifications.recordAttempt({ id: notificationId });
      await notifier.deliver({
        id: notificationId,
        kind: 'campaign_report',
        brandId: campaign.brandId,
        message,
        data: { campaignId, report: final },
        createdAt: record.createdAt,
      });
      await notifications.markDelivered({ id: notificationId, at: new Date().toISOString() });
    },
  };
}
