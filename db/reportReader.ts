/**
 * A report for one brand over calendar days in its zone: the heavy aggregates from the daily
 * report rollups, the rest from the report projections, then the KPI definitions of
 * domain/reports. The API answers with it and the scheduled report stores it, so both give the
 * same numbers.
 */
import type { Knex } from 'knex';
import { dayRangeInZone } from '../domain/publishTime';
import {
  bestTimesFromRollups,
  contentReportFromRollups,
  performanceFromRollups,
  publishingReport,
  responsesFromRollups,
  type BestTimes,
  type ContentGroup,
  type ContentRow,
  type PerformanceGroup,
  type PerformanceRow,
  type PublishingGroup,
  type PublishingRow,
  type ResponseGroup,
  type ResponseRow,
} from '../domain/reports';
import { readRollup, type RollupGrouping, type RollupReport } from './reportRollups';
import { createReportStore, type BrandRange } from './reports';

export interface ReportScope {
  brandId: string;
  timeZone: string;
  /** First and last calendar day (inclusive) in the brand's zone. */
  from: string;
  to: string;
}

export interface ReportEnvelope<G, R> {
  brandId: string;
  timeZone: string;
  from: string;
  to: string;
  groupBy: G;
  rows: R[];
}

function rangeOf(scope: ReportScope): BrandRange {
  const { start, end } = dayRangeInZone({ from: scope.from, to: scope.to, timeZone: scope.timeZone });
  return { brandId: scope.brandId, start, end };
}

/** The rollup dimension and grouping a report's `groupBy` reads: days and weeks come from the brand's rows. */
function rollupOf(groupBy: string): { dimension: string; grouping: RollupGrouping } {
  return groupBy === 'day' || groupBy === 'week'
    ? { dimension: 'brand', grouping: groupBy }
    : { dimension: groupBy, grouping: 'value' };
}

function envelope<G, R>(scope: ReportScope, groupBy: G, rows: R[]): ReportEnvelope<G, R> {
  return { brandId: scope.brandId, timeZone: scope.timeZone, from: scope.from, to: scope.to, groupBy, rows };
}

export function createReportReader(db: Knex) {
  const store = createReportStore(db);
  const rollup = (report: RollupReport, scope: ReportScope, groupBy: string) =>
    readRollup(db, { report, brandId: scope.brandId, from: scope.from, to: scope.to, ...rollupOf(groupBy) });
  return {
    async responses(scope: ReportScope, groupBy: ResponseGroup): Promise<ReportEnvelope<ResponseGroup, ResponseRow>> {
      return envelope(scope, groupBy, responsesFromRollups(await rollup('responses', scope, groupBy)));
    },

    async content(scope: ReportScope, groupBy: ContentGroup): Promise<ReportEnvelope<ContentGroup, ContentRow>> {
      const range = rangeOf(scope);
      const [cells, journeys, forced] = await Promise.all([
        rollup('content', scope, groupBy),
        store.publishedJourneys(range),
        store.forcedDecisions(range),
      ]);
      return envelope(
        scope,
        groupBy,
        contentReportFromRollups({ cells, journeys, forced, by: groupBy, timeZone: scope.timeZone }),
      );
    },

    async publishing(
      scope: ReportScope,
      groupBy: PublishingGroup,
      toleranceMinutes: number,
    ): Promise<ReportEnvelope<PublishingGroup, PublishingRow> & { toleranceMinutes: number }> {
      const range = rangeOf(scope);
      const [accounts, variants, plannedPostsPerWeek] = await Promise.all([
        store.brandAccounts(scope.brandId),
        store.plannedVariants(range),
        store.plannedPostsPerWeek(scope.brandId),
      ]);
      const rows = publishingReport({
        accounts,
        variants,
        by: groupBy,
        rangeStart: range.start,
        rangeEnd: range.end,
        toleranceMinutes,
        plannedPostsPerWeek,
      });
      return { ...envelope(scope, groupBy, rows), toleranceMinutes };
    },

    async performance(
      scope: ReportScope,
      groupBy: PerformanceGroup,
    ): Promise<ReportEnvelope<PerformanceGroup, PerformanceRow>> {
      return envelope(scope, groupBy, performanceFromRollups(await rollup('performance', scope, groupBy)));
    },

    async bestTimes(
      scope: ReportScope & { accountId: string; minimumVariants: number },
    ): Promise<BestTimes & { brandId: string; from: string; to: string }> {
      const slots = {
        report: 'performance',
        brandId: scope.brandId,
        dimension: 'accountHour',
        from: scope.from,
        to: scope.to,
        groupValue: scope.accountId,
      } as const;
      const [hourCells, weekdayCells] = await Promise.all([
        readRollup(db, { ...slots, grouping: 'subject' }),
        readRollup(db, { ...slots, grouping: 'weekday' }),
      ]);
      return {
        brandId: scope.brandId,
        from: scope.from,
        to: scope.to,
        ...bestTimesFromRollups({
          accountId: scope.accountId,
          timeZone: scope.timeZone,
          hourCells,
          weekdayCells,
          minimumVariants: scope.minimumVariants,
        }),
      };
    },
  };
}

export type ReportReader = ReturnType<typeof createReportReader>;
