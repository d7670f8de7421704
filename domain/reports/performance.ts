/**
 * Performance from each published variant's latest metric snapshot (counters only grow, so the
 * latest reading is the variant's total; summing every snapshot would count it several times).
 */
import { periodOf, weekdayAndHour, WEEKDAY_NAMES } from './periods';
import { rollupGroups, type RollupCell, type RollupGroup } from './rollupCells';
import { groupBy, round, share } from './statistics';

export const PERFORMANCE_GROUPS = ['brand', 'account', 'platform', 'campaign', 'week'] as const;
export type PerformanceGroup = (typeof PERFORMANCE_GROUPS)[number];

export const METRICS = ['impressions', 'reach', 'likes', 'comments', 'shares', 'saves', 'clicks'] as const;
export type Metric = (typeof METRICS)[number];
export type Counts = Record<Metric, number>;

export interface VariantResult extends Counts {
  postId: string;
  brandId: string;
  accountId: string;
  platform: string;
  campaignId: string | null;
  publishedAt: string;
}

/** Likes, comments, shares and saves: what a person did with the post (clicks are traffic, not engagement). */
export function engagementOf(counts: Counts): number {
  return counts.likes + counts.comments + counts.shares + counts.saves;
}

export interface PerformanceRow extends Counts {
  group: string;
  variants: number;
  engagement: number;
  /** Engagement / reach over the variants whose reach is known (above 0); null when none is. */
  engagementRate: number | null;
  variantsWithReach: number;
}

export function performanceRow(group: string, variants: readonly VariantResult[]): PerformanceRow {
  const totals = Object.fromEntries(
    METRICS.map((metric) => [metric, variants.reduce((sum, variant) => sum + variant[metric], 0)]),
  ) as Counts;
  const withReach = variants.filter((variant) => variant.reach > 0);
  const reach = withReach.reduce((sum, variant) => sum + variant.reach, 0);
  const engaged = withReach.reduce((sum, variant) => sum + engagementOf(variant), 0);
  return {
    group,
    variants: variants.length,
    ...totals,
    engagement: engagementOf(totals),
    engagementRate: share(engaged, reach),
    variantsWithReach: withReach.length,
  };
}

/** A group's row from the daily rollups (one subject, ''): every figure is a count or a sum, so exact. */
export function performanceRowFromRollup(group: string, rollup: RollupGroup): PerformanceRow {
  const totals = Object.fromEntries(METRICS.map((metric) => [metric, rollup.total('', metric)])) as Counts;
  return {
    group,
    variants: rollup.count('', 'variants'),
    ...totals,
    engagement: engagementOf(totals),
    engagementRate: share(rollup.total('', 'engagementWithReach'), rollup.total('', 'reachKnown')),
    variantsWithReach: rollup.count('', 'reachKnown'),
  };
}

export function performanceFromRollups(cells: readonly RollupCell[]): PerformanceRow[] {
  return rollupGroups(cells).map(([group, rollup]) => performanceRowFromRollup(group, rollup));
}

export function performanceReport({
  variants,
  by,
  timeZone,
}: {
  variants: readonly VariantResult[];
  by: PerformanceGroup;
  timeZone: string;
}): PerformanceRow[] {
  const keyOf = (variant: VariantResult): string => {
    switch (by) {
      case 'brand':
        return variant.brandId;
      case 'account':
        return variant.accountId;
      case 'platform':
        return variant.platform;
      case 'campaign':
        return variant.campaignId ?? '(none)';
      case 'week':
        return periodOf({ instant: variant.publishedAt, timeZone, period: 'week' });
    }
  };
  return [...groupBy(variants, keyOf).entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, members]) => performanceRow(group, members));
}

export interface TimeSlot {
  /** 0–23 for hours, a weekday name for weekdays. */
  slot: number | string;
  /** How many of the account's published variants back this suggestion. */
  variants: number;
  meanEngagement: number;
  engagementRate: number | null;
}

export interface BestTimes {
  accountId: string;
  timeZone: string;
  variants: number;
  /** Slots backed by at least this many variants are ranked; the others are listed after them as thin. */
  minimumVariants: number;
  hours: TimeSlot[];
  weekdays: TimeSlot[];
}

export const DEFAULT_MINIMUM_VARIANTS = 3;

function slots(variants: readonly VariantResult[], keyOf: (variant: VariantResult) => number | string): TimeSlot[] {
  return [...groupBy(variants, (variant) => String(keyOf(variant))).values()].map((members) => {
    const engagement = members.reduce((sum, variant) => sum + engagementOf(variant), 0);
    const withReach = members.filter((variant) => variant.reach > 0);
    return {
      slot: keyOf(members[0]),
      variants: members.length,
      meanEngagement: round(engagement / members.length),
      engagementRate: share(
        withReach.reduce((sum, variant) => sum + engagementOf(variant), 0),
        withReach.reduce((sum, variant) => sum + variant.reach, 0),
      ),
    };
  });
}

function slotFromRollup(slot: number | string, rollup: RollupGroup): TimeSlot {
  const variants = rollup.count('', 'variants');
  return {
    slot,
    variants,
    meanEngagement: round(rollup.total('', 'engagement') / variants),
    engagementRate: share(rollup.total('', 'engagementWithReach'), rollup.total('', 'reachKnown')),
  };
}

/** Well-backed slots first, then by mean engagement (highest first), then by how much data backs them. */
function ranked(list: TimeSlot[], minimumVariants: number): TimeSlot[] {
  return list.sort(
    (a, b) =>
      Number(b.variants >= minimumVariants) - Number(a.variants >= minimumVariants) ||
      b.meanEngagement - a.meanEngagement ||
      b.variants - a.variants,
  );
}

/** The account's hours and weekdays (in the brand's zone) ranked by the engagement its own posts got. */
export function bestTimes({
  accountId,
  variants,
  timeZone,
  minimumVariants = DEFAULT_MINIMUM_VARIANTS,
}: {
  accountId: string;
  variants: readonly VariantResult[];
  timeZone: string;
  minimumVariants?: number;
}): BestTimes {
  const own = variants.filter((variant) => variant.accountId === accountId);
  const clock = (variant: VariantResult) => weekdayAndHour({ instant: variant.publishedAt, timeZone });
  return {
    accountId,
    timeZone,
    variants: own.length,
    minimumVariants,
    hours: ranked(
      slots(own, (variant) => clock(variant).hour),
      minimumVariants,
    ),
    weekdays: ranked(
      slots(own, (variant) => WEEKDAY_NAMES[clock(variant).weekday - 1]),
      minimumVariants,
    ),
  };
}

/**
 * The same ranking from the daily rollups of the account's variants: cells grouped by the hour
 * (0–23) and by the ISO weekday (1 Monday … 7 Sunday) of publication in the brand's zone.
 */
export function bestTimesFromRollups({
  accountId,
  timeZone,
  hourCells,
  weekdayCells,
  minimumVariants = DEFAULT_MINIMUM_VARIANTS,
}: {
  accountId: string;
  timeZone: string;
  hourCells: readonly RollupCell[];
  weekdayCells: readonly RollupCell[];
  minimumVariants?: number;
}): BestTimes {
  const byNumber = (a: string, b: string) => Number(a) - Number(b);
  const hours = rollupGroups(hourCells, byNumber).map(([hour, rollup]) => slotFromRollup(Number(hour), rollup));
  const weekdays = rollupGroups(weekdayCells, byNumber).map(([weekday, rollup]) =>
    slotFromRollup(WEEKDAY_NAMES[Number(weekday) - 1], rollup),
  );
  return {
    accountId,
    timeZone,
    variants: hours.reduce((sum, slot) => sum + slot.variants, 0),
    minimumVariants,
    hours: ranked(hours, minimumVariants),
    weekdays: ranked(weekdays, minimumVariants),
  };
}
