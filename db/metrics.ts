import type { Knex } from 'knex';
import type { Platform } from '../domain/types';
import type { MetricSnapshot } from '../domain/postState';
import { recordVariantResult } from './reportProjections';
import { iso, type Executor } from './rows';

export const METRIC_NAMES = ['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export type MetricCounts = Record<MetricName, number>;

interface SnapshotRow extends MetricCounts {
  post_id: string;
  account_id: string;
  offset_ms: number;
  platform: Platform;
  taken_at: Date;
}

function toSnapshot(row: SnapshotRow): MetricSnapshot {
  return {
    offsetMs: Number(row.offset_ms),
    takenAt: iso(row.taken_at),
    accountId: row.account_id,
    platform: row.platform,
    impressions: row.impressions,
    reach: row.reach,
    likes: row.likes,
    comments: row.comments,
    shares: row.shares,
    saves: row.saves,
    clicks: row.clicks,
  };
}

export function createMetricStore(db: Knex) {
  return {
    /**
     * Stores the snapshot for (post, account, offset); a repeated snapshot replaces the earlier
     * reading. The variant's latest result for reports follows in the same transaction.
     */
    async upsertSnapshot(input: { postId: string; snapshot: MetricSnapshot }, trx?: Executor): Promise<void> {
      if (!trx) {
        await db.transaction((own) => this.upsertSnapshot(input, own));
        return;
      }
      const { snapshot } = input;
      await trx('metric_snapshots')
        .insert({
          post_id: input.postId,
          account_id: snapshot.accountId,
          offset_ms: snapshot.offsetMs,
          platform: snapshot.platform,
          taken_at: snapshot.takenAt,
          impressions: snapshot.impressions,
          reach: snapshot.reach,
          likes: snapshot.likes,
          comments: snapshot.comments,
          shares: snapshot.shares,
          saves: snapshot.saves,
          clicks: snapshot.clicks,
        })
        .onConflict(['post_id', 'account_id', 'offset_ms'])
        .merge();
      await recordVariantResult(trx, input);
    },

    async listByPost(input: { postId: string }, trx: Executor = db): Promise<MetricSnapshot[]> {
      const rows = await trx<SnapshotRow>('metric_snapshots')
        .where({ post_id: input.postId })
        .orderBy([{ column: 'account_id' }, { column: 'offset_ms' }]);
      return rows.map(toSnapshot);
    },

    /** The most recent snapshot of each of the post's variants (the largest offset per account). */
    async latestPerVariant(input: { postId: string }, trx: Executor = db): Promise<MetricSnapshot[]> {
      const rows = await trx<SnapshotRow>('metric_snapshots')
        .distinctOn('account_id')
        .where({ post_id: input.postId })
        .orderBy([{ column: 'account_id' }, { column: 'offset_ms', order: 'desc' }]);
      return rows.map(toSnapshot);
    },
  };
}

export type MetricStore = ReturnType<typeof createMetricStore>;
