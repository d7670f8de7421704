/**
 * What the scheduled report workflow asks of its activities. Workflows `import type` this
 * contract; both calls are safe to repeat (the period's report and its notification are stored once).
 */
export { BRAND_NOT_FOUND } from '../domain/failureTypes';

import type { ScheduledReportInput } from '../domain/reports/schedule';

export type { ReportFrequency, ReportKind, ScheduledReportInput } from '../domain/reports/schedule';

export interface StoreScheduledReportInput extends ScheduledReportInput {
  /** When the run started (ISO); the report covers the whole week or month before its day. */
  runAt: string;
}

export interface StoredReportRef {
  reportId: string;
  from: string;
  to: string;
  /** The notification that announces the report on the webhook. */
  notificationId: string;
}

export interface ReportActivities {
  /** Computes the period's reports and stores them with their notification, once per period. */
  storeScheduledReport(input: StoreScheduledReportInput): Promise<StoredReportRef>;
  /** Sends the report's notification to the signed webhook unless it was delivered already. */
  deliverReportNotification(input: { notificationId: string }): Promise<{ delivered: boolean }>;
}
