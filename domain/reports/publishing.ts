/**
 * Publishing consistency: whether variants go out when planned, how long an account stays silent
 * and how many posts each account publishes per week against the brand's planned cadence.
 */
import { groupBy, round, share } from './statistics';

export const PUBLISHING_GROUPS = ['brand', 'account', 'platform'] as const;
export type PublishingGroup = (typeof PUBLISHING_GROUPS)[number];

export const DEFAULT_TOLERANCE_MINUTES = 15;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export interface PlannedVariant {
  postId: string;
  brandId: string;
  accountId: string;
  platform: string;
  plannedAt: string;
  /** Null when it was not published (failed, or not yet). */
  publishedAt: string | null;
  status: string;
}

export interface AccountRef {
  accountId: string;
  platform: string;
  brandId: string;
}

export interface PublishingRow {
  group: string;
  accounts: number;
  planned: number;
  published: number;
  failed: number;
  /** Published within the tolerance of the planned time (either side). */
  onTime: number;
  onTimeShare: number | null;
  /** The longest stretch of the range in which one of the group's accounts published nothing. */
  longestGap: { accountId: string; hours: number; from: string; to: string } | null;
  postsPerAccountPerWeek: number;
  plannedPostsPerWeek: number | null;
  /** postsPerAccountPerWeek / plannedPostsPerWeek. */
  cadenceShare: number | null;
}

/**
 * The longest interval in [rangeStart, rangeEnd) without a publication, the range's ends counting
 * as boundaries: an account that never published has the whole range as its gap.
 */
export function longestGap({
  publishedAt,
  rangeStart,
  rangeEnd,
}: {
  publishedAt: readonly string[];
  rangeStart: string;
  rangeEnd: string;
}): { ms: number; from: string; to: string } {
  const points = [
    Date.parse(rangeStart),
    ...publishedAt.map((at) => Date.parse(at)).sort((a, b) => a - b),
    Date.parse(rangeEnd),
  ];
  let best = { ms: -1, from: 0, to: 0 };
  for (let index = 1; index < points.length; index += 1) {
    const ms = points[index] - points[index - 1];
    if (ms > best.ms) best = { ms, from: points[index - 1], to: points[index] };
  }
  return { ms: best.ms, from: new Date(best.from).toISOString(), to: new Date(best.to).toISOString() };
}

export function onTime(variant: PlannedVariant, toleranceMinutes: number): boolean {
  if (variant.publishedAt === null) return false;
  return Math.abs(Date.parse(variant.publishedAt) - Date.parse(variant.plannedAt)) <= toleranceMinutes * 60_000;
}

export function publishingRow(input: {
  group: string;
  accounts: readonly AccountRef[];
  variants: readonly PlannedVariant[];
  rangeStart: string;
  rangeEnd: string;
  toleranceMinutes: number;
  plannedPostsPerWeek: number | null;
}): PublishingRow {
  const published = input.variants.filter((variant) => variant.publishedAt !== null);
  const punctual = published.filter((variant) => onTime(variant, input.toleranceMinutes)).length;
  let gap: PublishingRow['longestGap'] = null;
  for (const account of input.accounts) {
    const found = longestGap({
      publishedAt: published.filter((variant) => variant.accountId === account.accountId).map((v) => v.publishedAt!),
      rangeStart: input.rangeStart,
      rangeEnd: input.rangeEnd,
    });
    const hours = round(found.ms / 3_600_000);
    if (!gap || hours > gap.hours) gap = { accountId: account.accountId, hours, from: found.from, to: found.to };
  }
  const weeks = (Date.parse(input.rangeEnd) - Date.parse(input.rangeStart)) / WEEK_MS;
  const perAccountPerWeek =
    input.accounts.length === 0 || weeks <= 0 ? 0 : round(published.length / input.accounts.length / weeks);
  return {
    group: input.group,
    accounts: input.accounts.length,
    planned: input.variants.length,
    published: published.length,
    failed: input.variants.filter((variant) => variant.status === 'failed').length,
    onTime: punctual,
    onTimeShare: share(punctual, published.length),
    longestGap: gap,
    postsPerAccountPerWeek: perAccountPerWeek,
    plannedPostsPerWeek: input.plannedPostsPerWeek,
    cadenceShare: input.plannedPostsPerWeek ? round(perAccountPerWeek / input.plannedPostsPerWeek, 4) : null,
  };
}

/** Variants planned in the range; accounts are the brand's, so an account that published nothing counts. */
export function publishingReport(input: {
  accounts: readonly AccountRef[];
  variants: readonly PlannedVariant[];
  by: PublishingGroup;
  rangeStart: string;
  rangeEnd: string;
  toleranceMinutes: number;
  plannedPostsPerWeek: number | null;
}): PublishingRow[] {
  const keyOf = (item: { brandId: string; accountId: string; platform: string }): string =>
    input.by === 'brand' ? item.brandId : input.by === 'account' ? item.accountId : item.platform;
  const accountGroups = groupBy(input.accounts, keyOf);
  const variantGroups = groupBy(input.variants, keyOf);
  const keys = [...new Set([...accountGroups.keys(), ...variantGroups.keys()])].sort();
  return keys.map((group) =>
    publishingRow({
      ...input,
      group,
      accounts: accountGroups.get(group) ?? [],
      variants: variantGroups.get(group) ?? [],
    }),
  );
}
