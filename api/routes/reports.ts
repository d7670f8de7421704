/**
 * KPI reports (JSON, or CSV with `Accept: text/csv`), best posting times, the reports a brand's
 * schedule stored, the schedule itself and the brand's planned posting cadence.
 */
import type { Request, Response } from 'express';
import { prefersCsv, sendCsv } from '../csv';
import { mountOperation, type OperationTarget } from '../operations';
import {
  BestTimesQuery,
  BestTimesResponse,
  BrandIdParams,
  ContentReport,
  ContentReportQuery,
  MAX_REPORT_DAYS,
  PerformanceReport,
  PerformanceReportQuery,
  PostingCadenceBody,
  PostingCadenceResponse,
  PublishingReport,
  PublishingReportQuery,
  ReportScheduleBody,
  ReportScheduleResponse,
  ResponsesReport,
  ResponsesReportQuery,
  StoredReportList,
  StoredReportParams,
  StoredReportResponse,
  StoredReportsQuery,
} from '../schemas';
import type { ApiServices } from '../services';

const RANGE =
  "`from` and `to` are calendar days in the brand's time zone (both included, at most " +
  `${MAX_REPORT_DAYS} days); \`brand\` defaults to the caller's brand. Answers JSON, or CSV (one line per ` +
  'row, nested values in dotted columns) with `Accept: text/csv`. Each figure is defined in the README ("Reports").';

/** Answers the report as JSON (returned) or as CSV (written here), as the caller prefers. */
function answer<R extends { brandId: string; from: string; to: string; rows: object[] }>(
  name: string,
  req: Request,
  res: Response,
  report: R,
  csvRow: (row: R['rows'][number]) => object = (row) => row,
): R | undefined {
  if (!prefersCsv(req)) return report;
  sendCsv(res, {
    filename: `${name}-${report.brandId}-${report.from}-${report.to}.csv`,
    rows: report.rows.map(csvRow),
  });
  return undefined;
}

export function mountReportRoutes(
  target: OperationTarget,
  { reports, reportSchedules }: Pick<ApiServices, 'reports' | 'reportSchedules'>,
): void {
  mountOperation(target, {
    method: 'get',
    path: '/v1/reports/responses',
    operationId: 'getResponsesReport',
    tag: 'reports',
    summary: 'First response, all replies, response rate and SLA attainment',
    description: `Conversation cycles whose clock started in the range, grouped by brand, queue, agent, priority, day or week. ${RANGE}`,
    access: 'readResponseReports',
    query: ResponsesReportQuery,
    errors: [404],
    success: { status: 200, description: 'The report', schema: ResponsesReport, csv: true },
    handle: async ({ req, res, query, user }) => answer('responses', req, res, await reports.responses(user, query)),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/reports/content',
    operationId: 'getContentReport',
    tag: 'reports',
    summary: 'Cycle time per stage, bottleneck, idea to published, approval rounds, forced decisions',
    description: `Stage stays that ended in the range and posts first published in it, grouped by brand, campaign or week. ${RANGE}`,
    access: 'readReports',
    query: ContentReportQuery,
    errors: [404],
    success: { status: 200, description: 'The report', schema: ContentReport, csv: true },
    handle: async ({ req, res, query, user }) =>
      answer('content', req, res, await reports.content(user, query), (row) => ({
        ...row,
        stages: Object.fromEntries(row.stages.map(({ stage, ...cycle }) => [stage, cycle])),
      })),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/reports/publishing',
    operationId: 'getPublishingReport',
    tag: 'reports',
    summary: 'Publishing consistency: on time, longest gap, posts per account per week against the cadence',
    description: `Variants of posts planned in the range that were published or failed, grouped by brand, account or platform. ${RANGE}`,
    access: 'readReports',
    query: PublishingReportQuery,
    errors: [404],
    success: { status: 200, description: 'The report', schema: PublishingReport, csv: true },
    handle: async ({ req, res, query, user }) => answer('publishing', req, res, await reports.publishing(user, query)),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/reports/performance',
    operationId: 'getPerformanceReport',
    tag: 'reports',
    summary: 'Metrics summed by brand, account, platform, campaign or week, with engagement rate',
    description: `Each variant published in the range counts with its latest metric snapshot. ${RANGE}`,
    access: 'readReports',
    query: PerformanceReportQuery,
    errors: [404],
    success: { status: 200, description: 'The report', schema: PerformanceReport, csv: true },
    handle: async ({ req, res, query, user }) =>
      answer('performance', req, res, await reports.performance(user, query)),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/reports/best-times',
    operationId: 'getBestPostingTimes',
    tag: 'reports',
    summary: "An account's best hours and weekdays to post, from its own results",
    description:
      "Hours and weekdays in the brand's zone, ranked by the mean engagement of the account's variants published " +
      'then (in the range); each slot says how many variants back it, and slots with fewer than `minimumVariants` ' +
      'come after the others.',
    access: 'readReports',
    query: BestTimesQuery,
    errors: [404],
    success: { status: 200, description: 'The ranking', schema: BestTimesResponse },
    handle: ({ query, user }) => reports.bestTimes(user, query),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/reports/stored',
    operationId: 'listStoredReports',
    tag: 'reports',
    summary: 'Reports stored by the brands’ schedules, newest first',
    access: 'readReports',
    query: StoredReportsQuery,
    errors: [404],
    success: { status: 200, description: 'The stored reports, without their contents', schema: StoredReportList },
    handle: ({ query, user }) => reports.listStored(user, query),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/reports/stored/:id',
    operationId: 'getStoredReport',
    tag: 'reports',
    summary: 'One stored report with its contents',
    access: 'readReports',
    params: StoredReportParams,
    errors: [404],
    success: { status: 200, description: 'The stored report', schema: StoredReportResponse },
    handle: ({ params, user }) => reports.getStored(user, params.id),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/brands/:id/report-schedule',
    operationId: 'getReportSchedule',
    tag: 'reports',
    summary: "The brand's scheduled report",
    access: 'readReports',
    params: BrandIdParams,
    errors: [404],
    success: { status: 200, description: 'The schedule and its next runs', schema: ReportScheduleResponse },
    handle: ({ params, user }) => reportSchedules.get(user, params.id),
  });

  mountOperation(target, {
    method: 'put',
    path: '/v1/brands/:id/report-schedule',
    operationId: 'setReportSchedule',
    tag: 'reports',
    summary: "Schedule the brand's weekly or monthly report",
    description:
      "A Temporal Schedule (`report:<brandId>`) runs at `time` on `dayOfWeek` (weekly) or `dayOfMonth` (monthly) in the brand's " +
      'zone, and skips a run while the previous one is still going. Each run stores the previous whole week or ' +
      'month (see `GET /v1/reports/stored`) and announces it on the notification webhook (`report_ready`).',
    access: 'configureReports',
    params: BrandIdParams,
    body: ReportScheduleBody,
    errors: [404],
    success: { status: 200, description: 'The schedule as set', schema: ReportScheduleResponse },
    handle: ({ params, user, body }) => reportSchedules.put(user, params.id, body),
  });

  mountOperation(target, {
    method: 'delete',
    path: '/v1/brands/:id/report-schedule',
    operationId: 'deleteReportSchedule',
    tag: 'reports',
    summary: "Stop the brand's scheduled report (stored reports stay)",
    access: 'configureReports',
    params: BrandIdParams,
    errors: [404],
    success: { status: 204, description: 'Deleted' },
    handle: async ({ params, user }) => {
      await reportSchedules.remove(user, params.id);
    },
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/brands/:id/posting-cadence',
    operationId: 'getPostingCadence',
    tag: 'reports',
    summary: 'Posts each account is planned to publish per week',
    access: 'readReports',
    params: BrandIdParams,
    errors: [404],
    success: { status: 200, description: 'The cadence', schema: PostingCadenceResponse },
    handle: ({ params, user }) => reports.cadence(user, params.id),
  });

  mountOperation(target, {
    method: 'put',
    path: '/v1/brands/:id/posting-cadence',
    operationId: 'setPostingCadence',
    tag: 'reports',
    summary: 'Set the posts each account is planned to publish per week (the publishing report compares with it)',
    access: 'configureReports',
    params: BrandIdParams,
    body: PostingCadenceBody,
    errors: [404],
    success: { status: 200, description: 'The cadence as set', schema: PostingCadenceResponse },
    handle: ({ params, user, body }) => reports.setCadence(user, params.id, body),
  });
}
