/**
 * What a campaign is, apart from how it runs: its statuses and actions, how a shift moves a publish
 * time in the brand's zone, and the end report computed from the posts' projection and snapshots.
 */
import { DateTime, Duration } from 'luxon';
import { BEFORE_PUBLISHING_STAGES, type PostStage } from './types';

export const CAMPAIGN_STATUSES = ['active', 'paused', 'cancelled', 'ended'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const CAMPAIGN_ACTIONS = ['pause', 'resume', 'cancel', 'shift'] as const;
export type CampaignActionKind = (typeof CAMPAIGN_ACTIONS)[number];

/** Posts one create or join request may carry. */
export const MAX_PLAN_ITEMS = 1000;
/** Longest shift one action may make, either way. */
export const MAX_SHIFT_DAYS = 366;

/** Whether a campaign still takes posts and actions. */
export function campaignIsOpen(status: CampaignStatus): boolean {
  return status === 'active' || status === 'paused';
}

export class ShiftError extends Error {}

/** Whole numbers of years, months, weeks, days, hours, minutes, seconds, with an optional leading minus. */
const SHIFT_SHAPE = /^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

/**
 * Reads an ISO-8601 duration (`P1D`, `PT2H`, `-P1DT30M`) as a shift. Calendar parts (days, weeks,
 * months) keep the local time of day across a clock change; hours and minutes are elapsed time.
 */
export function parseShift(offset: string): Duration {
  const negative = offset.startsWith('-');
  const duration = SHIFT_SHAPE.test(offset) ? Duration.fromISO(negative ? offset.slice(1) : offset) : undefined;
  if (!duration?.isValid) throw new ShiftError(`${offset} is not an ISO-8601 duration such as P1D or PT2H`);
  const signed = negative ? duration.negate() : duration;
  const approxMs = Math.abs(signed.as('milliseconds'));
  if (approxMs === 0) throw new ShiftError('a shift of zero moves nothing');
  if (approxMs > MAX_SHIFT_DAYS * 24 * 60 * 60 * 1000) {
    throw new ShiftError(`a shift may move posts by at most ${MAX_SHIFT_DAYS} days`);
  }
  return signed;
}

/** The publish time moved by the shift, counted in the brand's zone (a local 09:00 stays 09:00). */
export function shiftPublishTime({
  publishAt,
  timeZone,
  offset,
}: {
  publishAt: string;
  timeZone: string;
  offset: string;
}): string {
  const moved = DateTime.fromISO(publishAt, { zone: timeZone }).plus(parseShift(offset));
  if (!moved.isValid) throw new ShiftError(`cannot shift ${publishAt} in ${timeZone}`);
  return moved.toUTC().toISO({ suppressMilliseconds: false });
}

/** The stages in which a campaign action still reaches a post (it has not started publishing). */
export const REACHABLE_STAGES: readonly PostStage[] = BEFORE_PUBLISHING_STAGES;

/** One account's metric sums over the campaign's posts (the latest snapshot of each publication). */
export interface CampaignMetricRow {
  platform: string;
  accountId: string;
  posts: number;
  impressions: number;
  reach: number;
  likes: number;
  comments: number;
  shares: number;
  saves: number;
  clicks: number;
}

export interface CampaignMetricSums extends CampaignMetricRow {
  /** (likes + comments + shares + saves) / reach, where reach is known; null otherwise. */
  engagementRate: number | null;
}

export interface CampaignReport {
  campaignId: string;
  brandId: string;
  name: string;
  status: CampaignStatus;
  startsAt: string;
  endsAt: string | null;
  /** When the report was stored; null for live figures before the end. */
  reportedAt: string | null;
  posts: { total: number; published: number; failed: number; cancelled: number; open: number };
  perStage: Partial<Record<PostStage, number>>;
  metrics: CampaignMetricSums[];
  totals: Omit<CampaignMetricSums, 'platform' | 'accountId'>;
}

const PUBLISHED_STAGES: readonly PostStage[] = ['published', 'tracking', 'completed'];
const METRICS = ['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks'] as const;

function engagementRate(row: Omit<CampaignMetricRow, 'platform' | 'accountId'>): number | null {
  if (row.reach <= 0) return null;
  return Math.round(((row.likes + row.comments + row.shares + row.saves) / row.reach) * 10_000) / 10_000;
}

/** The report of a campaign from its posts per stage and its metric sums per account. */
export function campaignReport({
  campaign,
  perStage,
  metrics,
  reportedAt,
}: {
  campaign: {
    id: string;
    brandId: string;
    name: string;
    status: CampaignStatus;
    startsAt: string;
    endsAt: string | null;
  };
  perStage: Partial<Record<PostStage, number>>;
  metrics: CampaignMetricRow[];
  reportedAt: string | null;
}): CampaignReport {
  const count = (stages: readonly PostStage[]) => stages.reduce((sum, stage) => sum + (perStage[stage] ?? 0), 0);
  const total = Object.values(perStage).reduce((sum, n) => sum + (n ?? 0), 0);
  const published = count(PUBLISHED_STAGES);
  const failed = count(['failed', 'lost']);
  const cancelled = count(['cancelled', 'rejected']);
  const sums = METRICS.reduce(
    (acc, metric) => ({ ...acc, [metric]: metrics.reduce((sum, row) => sum + row[metric], 0) }),
    { posts: metrics.reduce((sum, row) => sum + row.posts, 0) } as Omit<CampaignMetricRow, 'platform' | 'accountId'>,
  );
  return {
    campaignId: campaign.id,
    brandId: campaign.brandId,
    name: campaign.name,
    status: campaign.status,
    startsAt: campaign.startsAt,
    endsAt: campaign.endsAt,
    reportedAt,
    posts: { total, published, failed, cancelled, open: total - published - failed - cancelled },
    perStage,
    metrics: metrics.map((row) => ({ ...row, engagementRate: engagementRate(row) })),
    totals: { ...sums, engagementRate: engagementRate(sums) },
  };
}

/** The report as rows of a table (section, platform, account, metric, value), for CSV. */
export function campaignReportRows(report: CampaignReport): Array<[string, string, string, string, string | number]> {
  const rows: Array<[string, string, string, string, string | number]> = [];
  for (const [metric, value] of Object.entries(report.posts)) rows.push(['posts', '', '', metric, value]);
  for (const [stage, value] of Object.entries(report.perStage)) rows.push(['stage', '', '', stage, value ?? 0]);
  for (const row of report.metrics) {
    for (const metric of [...METRICS, 'posts'] as const) {
      rows.push(['metrics', row.platform, row.accountId, metric, row[metric]]);
    }
    rows.push(['metrics', row.platform, row.accountId, 'engagementRate', row.engagementRate ?? '']);
  }
  for (const metric of [...METRICS, 'posts'] as const) rows.push(['totals', '', '', metric, report.totals[metric]]);
  rows.push(['totals', '', '', 'engagementRate', report.totals.engagementRate ?? '']);
  return rows;
}
