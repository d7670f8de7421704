/** What a brand's scheduled report covers: the reports it holds and how often it runs. */
export const REPORT_KINDS = ['responses', 'content', 'publishing', 'performance'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_FREQUENCIES = ['weekly', 'monthly'] as const;
export type ReportFrequency = (typeof REPORT_FREQUENCIES)[number];

/** The scheduled report workflow's argument: plain JSON, as the schedule stores it. */
export interface ScheduledReportInput {
  brandId: string;
  frequency: ReportFrequency;
  reports: ReportKind[];
}

/** The workflow type a brand's schedule starts. */
export const SCHEDULED_REPORT_WORKFLOW = 'scheduledReport';
