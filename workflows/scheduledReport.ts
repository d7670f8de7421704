/**
 * One run of a brand's scheduled report, started by its Temporal Schedule: the week or month
 * before the run's day in the brand's zone is computed and stored, then announced on the webhook.
 */
import { ActivityFailure, log } from '@temporalio/workflow';
import type { ScheduledReportInput, StoredReportRef } from '../activities/reportContract';
import { deliverReportNotification, storeScheduledReport } from './report/activityProxies';

export interface ScheduledReportResult extends StoredReportRef {
  delivered: boolean;
}

export async function scheduledReport(input: ScheduledReportInput): Promise<ScheduledReportResult> {
  const runAt = new Date(Date.now()).toISOString();
  const stored = await storeScheduledReport({ ...input, runAt });
  try {
    const { delivered } = await deliverReportNotification({ notificationId: stored.notificationId });
    return { ...stored, delivered };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn('the report is stored but its notification was not delivered', { reportId: stored.reportId });
    return { ...stored, delivered: false };
  }
}
