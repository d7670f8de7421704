import type { Knex } from 'knex';
import type { CampaignStatus } from '../domain/campaigns';
import type { LatePublishingPolicy } from '../domain/latePublishing';
import { BEFORE_PUBLISHING_STAGES, type PostStage } from '../domain/types';
import { iso, isoOrNull, json, type Executor } from './rows';

export interface Brand {
  id: string;
  name: string;
  /** IANA zone the brand plans in (calendar days, publish times as entered). */
  timeZone: string;
  bannedPhrases: string[];
  utmSource: string;
  publishingPaused: boolean;
  pausedReason: string | null;
  /** What a post whose publish timer fires late does. */
  latePublishing: LatePublishingPolicy;
  createdAt: string;
}

export interface NewBrand {
  id: string;
  name: string;
  timeZone: string;
  bannedPhrases?: string[];
  utmSource?: string;
}

export interface Campaign {
  id: string;
  brandId: string;
  name: string;
  utmCampaign: string;
  startsAt: string;
  endsAt: string | null;
  /** Whether it still takes posts (active, paused) and whether its posts start held. */
  status: CampaignStatus;
  paused: boolean;
  pausedReason: string | null;
  createdAt: string;
}

export interface NewCampaign {
  id: string;
  brandId: string;
  name: string;
  utmCampaign: string;
  startsAt: string;
  endsAt?: string | null;
}

interface BrandRow {
  id: string;
  name: string;
  time_zone: string;
  banned_phrases: string[];
  utm_source: string;
  publishing_paused: boolean;
  paused_reason: string | null;
  late_passed_publish_time: LatePublishingPolicy['passedPublishTime'];
  late_tolerance_minutes: number;
  created_at: Date;
}

interface CampaignRow {
  id: string;
  brand_id: string;
  name: string;
  utm_campaign: string;
  starts_at: Date;
  ends_at: Date | null;
  status: CampaignStatus;
  paused: boolean;
  paused_reason: string | null;
  created_at: Date;
}

function toBrand(row: BrandRow): Brand {
  return {
    id: row.id,
    name: row.name,
    timeZone: row.time_zone,
    bannedPhrases: row.banned_phrases,
    utmSource: row.utm_source,
    publishingPaused: row.publishing_paused,
    pausedReason: row.paused_reason,
    latePublishing: { passedPublishTime: row.late_passed_publish_time, toleranceMinutes: row.late_tolerance_minutes },
    createdAt: iso(row.created_at),
  };
}

function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    brandId: row.brand_id,
    name: row.name,
    utmCampaign: row.utm_campaign,
    startsAt: iso(row.starts_at),
    endsAt: isoOrNull(row.ends_at),
    status: row.status,
    paused: row.paused,
    pausedReason: row.paused_reason,
    createdAt: iso(row.created_at),
  };
}

export function createBrandStore(db: Knex) {
  return {
    /** Inserts the brand unless one with the same id exists; returns the stored brand either way. */
    async create(input: NewBrand, trx: Executor = db): Promise<Brand> {
      await trx('brands')
        .insert({
          id: input.id,
          name: input.name,
          time_zone: input.timeZone,
          banned_phrases: json(input.bannedPhrases ?? []),
          utm_source: input.utmSource ?? 'socialops',
        })
        .onConflict('id')
        .ignore();
      const brand = await this.findById(input.id, trx);
      if (!brand) throw new Error(`brand ${input.id} vanished after insert`);
      return brand;
    },

    async findById(id: string, trx: Executor = db): Promise<Brand | undefined> {
      const row = await trx<BrandRow>('brands').where({ id }).first();
      return row ? toBrand(row) : undefined;
    },

    async list(trx: Executor = db): Promise<Brand[]> {
      const rows = await trx<BrandRow>('brands').orderBy('id');
      return rows.map(toBrand);
    },

    async setPublishingPaused(
      input: { brandId: string; paused: boolean; reason?: string | null },
      trx: Executor = db,
    ): Promise<Brand | undefined> {
      const [row] = await trx<BrandRow>('brands')
        .where({ id: input.brandId })
        .update({ publishing_paused: input.paused, paused_reason: input.paused ? (input.reason ?? null) : null })
        .returning('*');
      return row ? toBrand(row) : undefined;
    },

    async setLatePublishing(
      input: { brandId: string; policy: LatePublishingPolicy },
      trx: Executor = db,
    ): Promise<Brand | undefined> {
      const [row] = await trx<BrandRow>('brands')
        .where({ id: input.brandId })
        .update({
          late_passed_publish_time: input.policy.passedPublishTime,
          late_tolerance_minutes: input.policy.toleranceMinutes,
        })
        .returning('*');
      return row ? toBrand(row) : undefined;
    },

    /** Ids of the brand's posts a pause still holds back, in id order, after `afterPostId`. */
    async postsNotYetPublished(
      input: { brandId: string; afterPostId?: string; limit: number },
      trx: Executor = db,
    ): Promise<string[]> {
      const query = trx('posts')
        .where({ brand_id: input.brandId })
        .whereIn('stage', BEFORE_PUBLISHING_STAGES as PostStage[])
        .orderBy('id')
        .limit(input.limit);
      if (input.afterPostId !== undefined) query.where('id', '>', input.afterPostId);
      return query.pluck('id');
    },

    async createCampaign(input: NewCampaign, trx: Executor = db): Promise<Campaign> {
      await trx('campaigns')
        .insert({
          id: input.id,
          brand_id: input.brandId,
          name: input.name,
          utm_campaign: input.utmCampaign,
          starts_at: input.startsAt,
          ends_at: input.endsAt ?? null,
        })
        .onConflict('id')
        .ignore();
      const campaign = await this.findCampaign(input.id, trx);
      if (!campaign) throw new Error(`campaign ${input.id} vanished after insert`);
      return campaign;
    },

    async findCampaign(id: string, trx: Executor = db): Promise<Campaign | undefined> {
      const row = await trx<CampaignRow>('campaigns').where({ id }).first();
      return row ? toCampaign(row) : undefined;
    },

    async listCampaigns(input: { brandId: string }, trx: Executor = db): Promise<Campaign[]> {
      const rows = await trx<CampaignRow>('campaigns').where({ brand_id: input.brandId }).orderBy('starts_at');
      return rows.map(toCampaign);
    },
  };
}

export type BrandStore = ReturnType<typeof createBrandStore>;
