/**
 * A report for one brand over calendar days in its zone: the facts from the report projections,
 * then the KPI definitions of domain/reports. The API answers with it and the scheduled report
 * stores it, so both give the same numbers.
 */
import type { Knex } from 'knex';
import { dayRangeInZone } from '../domain/publishTime';
import {
  bestTimes,
  contentReport,
  performanceReport,
  publishingReport,
  responsesReport,
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

function envelope<G, R>(scope: ReportScope, groupBy: G, rows: R[]): ReportEnvelope<G, R> {
  return { brandId: scope.brandId, timeZone: scope.timeZone, from: scope.from, to: scope.to, groupBy, rows };
}

export function createReportReader(db: Knex) {
  const store = createReportStore(db);
  return {
    async responses(scope: ReportScope, groupBy: ResponseGroup): Promise<ReportEnvelope<ResponseGroup, ResponseRow>> {
      const clocks = await store.responseClocks(rangeOf(scope));
      return envelope(scope, groupBy, responsesReport({ clocks, by: groupBy, timeZone: scope.timeZone }));
    },

    async content(scope: ReportScope, groupBy: ContentGroup): Promise<ReportEnvelope<ContentGroup, ContentRow>> {
      const range = rangeOf(scope);
      const [stays, journeys, forced] = await Promise.all([
        store.stageStays(range),
        store.publishedJourneys(range),
        store.forcedDecisions(range),
      ]);
      return envelope(
        scope,
        groupBy,
        contentReport({ stays, journeys, forced, by: groupBy, timeZone: scope.timeZone }),
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
      const range = rangeOf(scope);
      const variants = await store.variantResults({ brandId: scope.brandId, start: range.start, end: range.end });
      return envelope(scope, groupBy, performanceReport({ variants, by: groupBy, timeZone: scope.timeZone }));
    },

    async bestTimes(
      scope: ReportScope & { accountId: string; minimumVariants: number },
    ): Promise<BestTimes & { brandId: string; from: string; to: string }> {
      const range = rangeOf(scope);
      const variants = await store.variantResults({ accountId: scope.accountId, start: range.start, end: range.end });
      return {
        brandId: scope.brandId,
        from: scope.from,
        to: scope.to,
        ...bestTimes({
          accountId: scope.accountId,
          variants,
          timeZone: scope.timeZone,
          minimumVariants: scope.minimumVariants,
        }),
      };
    },
  };
}

export type ReportReader = ReturnType<typeof createReportReader>;
