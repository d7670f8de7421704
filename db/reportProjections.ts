/**
 * The projections reports read, written by the activities that record transitions and snapshots,
 * inside their transactions: a post's stay in a stage when a transition leaves it, and each
 * published variant's latest metric snapshot.
 */
import type { MetricSnapshot } from '../domain/postState';
import { postEntity } from './audit';
import type { Executor } from './rows';

export interface StageLeft {
  postId: string;
  /** The audit sequence of the transition that left the stage. */
  sequence: number;
  brandId: string;
  campaignId: string | null;
  stage: string;
  toStage: string;
  action: string;
  leftAt: string;
}

/**
 * Records how long the post stayed in the stage it leaves: from the last recorded transition into
 * that stage (read by the post's audit key, never a scan) to now. Once per (post, sequence).
 */
export async function recordStageLeft(trx: Executor, input: StageLeft): Promise<void> {
  await trx.raw(
    `INSERT INTO post_stage_durations
       (post_id, sequence, brand_id, campaign_id, stage, to_stage, action, entered_at, left_at, duration_ms)
     SELECT :postId, :sequence, :brandId, :campaignId, :stage, :toStage, :action, entered.at, :leftAt::timestamptz,
            GREATEST(0, (EXTRACT(EPOCH FROM (:leftAt::timestamptz - entered.at)) * 1000)::bigint)
       FROM (SELECT at FROM audit_log
              WHERE entity = :entity AND sequence < :sequence AND to_stage = :stage
                AND from_stage IS DISTINCT FROM to_stage
              ORDER BY sequence DESC LIMIT 1) AS entered
     ON CONFLICT (post_id, sequence) DO NOTHING`,
    { ...input, entity: postEntity(input.postId) },
  );
}

/**
 * Keeps the variant's latest snapshot (the largest offset) with the variant's publish time and the
 * post's brand and campaign; an earlier snapshot stored late never replaces a later one.
 */
export async function recordVariantResult(
  trx: Executor,
  input: { postId: string; snapshot: MetricSnapshot },
): Promise<void> {
  const { snapshot } = input;
  await trx.raw(
    `INSERT INTO variant_performance
       (post_id, account_id, brand_id, campaign_id, platform, published_at, offset_ms,
        impressions, reach, likes, comments, shares, saves, clicks)
     SELECT p.id, :accountId, p.brand_id, p.campaign_id, :platform,
            COALESCE(v.published_at, :takenAt::timestamptz - make_interval(secs => :offsetMs / 1000.0)),
            :offsetMs, :impressions, :reach, :likes, :comments, :shares, :saves, :clicks
       FROM posts p LEFT JOIN post_variants v ON v.post_id = p.id AND v.account_id = :accountId
      WHERE p.id = :postId
     ON CONFLICT (post_id, account_id) DO UPDATE SET
       offset_ms = EXCLUDED.offset_ms, published_at = EXCLUDED.published_at,
       impressions = EXCLUDED.impressions, reach = EXCLUDED.reach, likes = EXCLUDED.likes,
       comments = EXCLUDED.comments, shares = EXCLUDED.shares, saves = EXCLUDED.saves, clicks = EXCLUDED.clicks
     WHERE variant_performance.offset_ms <= EXCLUDED.offset_ms`,
    {
      postId: input.postId,
      accountId: snapshot.accountId,
      platform: snapshot.platform,
      takenAt: snapshot.takenAt,
      offsetMs: snapshot.offsetMs,
      impressions: snapshot.impressions,
      reach: snapshot.reach,
      likes: snapshot.likes,
      comments: snapshot.comments,
      shares: snapshot.shares,
      saves: snapshot.saves,
      clicks: snapshot.clicks,
    },
  );
}
