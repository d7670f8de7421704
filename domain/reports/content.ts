/**
 * Content KPIs from each post's stays in its stages (kept from the transitions as they are
 * recorded) and its review decisions: how long each review stage takes, which one holds posts up
 * longest, how long an idea takes to be published, how many rounds of changes a post needs and
 * how often a deadline forced the decision.
 */
import { REVIEW_STAGES } from '../types';
import { summarizeHistogram } from './histogram';
import { periodOf } from './periods';
import { rollupGroups, type RollupCell, type RollupGroup } from './rollupCells';
import { groupBy, round, summarize, type Summary } from './statistics';

export const CONTENT_GROUPS = ['brand', 'campaign', 'week'] as const;
export type ContentGroup = (typeof CONTENT_GROUPS)[number];

/** The stages whose cycle time is reported: drafting (the author's) and every review stage. */
export const CYCLE_STAGES = ['drafting', ...REVIEW_STAGES] as const;

export interface StageStay {
  postId: string;
  brandId: string;
  campaignId: string | null;
  stage: string;
  enteredAt: string;
  leftAt: string;
  durationMs: number;
}

export interface PostJourney {
  postId: string;
  brandId: string;
  campaignId: string | null;
  /** When the post was created (its idea). */
  createdAt: string;
  publishedAt: string;
  /** Times a reviewer sent it back to drafting. */
  changeRequests: number;
}

export interface ForcedDecisionFact {
  postId: string;
  brandId: string;
  campaignId: string | null;
  stage: string;
  decision: string;
  at: string;
}

export interface StageCycle {
  stage: string;
  count: number;
  medianMs: number | null;
  meanMs: number | null;
}

export interface ContentRow {
  group: string;
  stages: StageCycle[];
  /** The review stage with the longest median stay (ties: the longer mean); null without data. */
  bottleneck: { stage: string; medianMs: number } | null;
  /** From creation to the first publication, of posts published in the range. */
  ideaToPublishedMs: Summary;
  /** Change requests per post published in the range. */
  approvalRounds: { posts: number; total: number; mean: number | null; max: number | null };
  forcedDecisions: { total: number; byStage: Record<string, number> };
}

export function stageCycles(stays: readonly StageStay[]): StageCycle[] {
  return CYCLE_STAGES.map((stage) => {
    const summary = summarize(stays.filter((stay) => stay.stage === stage).map((stay) => stay.durationMs));
    return { stage, count: summary.count, medianMs: summary.median, meanMs: summary.mean };
  });
}

export function bottleneck(cycles: readonly StageCycle[]): { stage: string; medianMs: number } | null {
  let worst: StageCycle | undefined;
  for (const cycle of cycles) {
    if (!(REVIEW_STAGES as readonly string[]).includes(cycle.stage) || cycle.medianMs === null) continue;
    const longer =
      !worst ||
      cycle.medianMs > worst.medianMs! ||
      (cycle.medianMs === worst.medianMs && (cycle.meanMs ?? 0) > (worst.meanMs ?? 0));
    if (longer) worst = cycle;
  }
  return worst ? { stage: worst.stage, medianMs: worst.medianMs! } : null;
}

function approvalRounds(journeys: readonly PostJourney[]): ContentRow['approvalRounds'] {
  const total = journeys.reduce((sum, journey) => sum + journey.changeRequests, 0);
  return {
    posts: journeys.length,
    total,
    mean: journeys.length === 0 ? null : round(total / journeys.length),
    max: journeys.length === 0 ? null : Math.max(...journeys.map((journey) => journey.changeRequests)),
  };
}

export function contentRow(
  group: string,
  facts: { stages: StageCycle[]; journeys: readonly PostJourney[]; forced: readonly ForcedDecisionFact[] },
): ContentRow {
  const byStage: Record<string, number> = {};
  for (const decision of facts.forced) byStage[decision.stage] = (byStage[decision.stage] ?? 0) + 1;
  return {
    group,
    stages: facts.stages,
    bottleneck: bottleneck(facts.stages),
    ideaToPublishedMs: summarize(
      facts.journeys.map((journey) => Date.parse(journey.publishedAt) - Date.parse(journey.createdAt)),
    ),
    approvalRounds: approvalRounds(facts.journeys),
    forcedDecisions: { total: facts.forced.length, byStage },
  };
}

/** Stage cycles from the daily rollups (subjects are stages): counts and means exact, medians from the histograms. */
export function stageCyclesFromRollup(rollup: RollupGroup): StageCycle[] {
  return CYCLE_STAGES.map((stage) => {
    const summary = summarizeHistogram(rollup.histogram(stage, 'durationMs'));
    return { stage, count: summary.count, medianMs: summary.median, meanMs: summary.mean };
  });
}

type ContentGroupKey = (fact: { brandId: string; campaignId: string | null }, at: string) => string;

function contentGroupKey(by: ContentGroup, timeZone: string): ContentGroupKey {
  return (fact, at) =>
    by === 'brand'
      ? fact.brandId
      : by === 'campaign'
        ? (fact.campaignId ?? '(none)')
        : periodOf({ instant: at, timeZone, period: 'week' });
}

/**
 * One row per group: the stage cycles per group (from the stays, or from the rollups) with the
 * posts published and the decisions forced in the range.
 */
export function contentReportOf({
  cycles,
  journeys,
  forced,
  keyOf,
}: {
  cycles: ReadonlyMap<string, StageCycle[]>;
  journeys: readonly PostJourney[];
  forced: readonly ForcedDecisionFact[];
  keyOf: ContentGroupKey;
}): ContentRow[] {
  const journeyGroups = groupBy(journeys, (journey) => keyOf(journey, journey.publishedAt));
  const forcedGroups = groupBy(forced, (decision) => keyOf(decision, decision.at));
  const keys = [...new Set([...cycles.keys(), ...journeyGroups.keys(), ...forcedGroups.keys()])].sort();
  return keys.map((key) =>
    contentRow(key, {
      stages: cycles.get(key) ?? stageCycles([]),
      journeys: journeyGroups.get(key) ?? [],
      forced: forcedGroups.get(key) ?? [],
    }),
  );
}

export function contentReport({
  stays,
  journeys,
  forced,
  by,
  timeZone,
}: {
  stays: readonly StageStay[];
  journeys: readonly PostJourney[];
  forced: readonly ForcedDecisionFact[];
  by: ContentGroup;
  timeZone: string;
}): ContentRow[] {
  const keyOf = contentGroupKey(by, timeZone);
  const stayGroups = groupBy(stays, (stay) => keyOf(stay, stay.leftAt));
  const cycles = new Map([...stayGroups.entries()].map(([key, members]) => [key, stageCycles(members)]));
  return contentReportOf({ cycles, journeys, forced, keyOf });
}

/** The same report with the stage cycles from the daily rollups (grouped as `by` asks). */
export function contentReportFromRollups({
  cells,
  journeys,
  forced,
  by,
  timeZone,
}: {
  cells: readonly RollupCell[];
  journeys: readonly PostJourney[];
  forced: readonly ForcedDecisionFact[];
  by: ContentGroup;
  timeZone: string;
}): ContentRow[] {
  const cycles = new Map(rollupGroups(cells).map(([group, rollup]) => [group, stageCyclesFromRollup(rollup)]));
  return contentReportOf({ cycles, journeys, forced, keyOf: contentGroupKey(by, timeZone) });
}
