/** How the scheduled report reaches its activities: stored until Postgres answers, delivered with backoff. */
import { proxyActivities } from '@temporalio/workflow';
import type { ReportActivities } from '../../activities/reportContract';
import { BRAND_NOT_FOUND } from '../../domain/failureTypes';

export const { storeScheduledReport } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '2m',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    maximumAttempts: 20,
    nonRetryableErrorTypes: [BRAND_NOT_FOUND],
  },
});

/** A receiver down for longer than this misses the announcement; the report stays stored and readable. */
export const { deliverReportNotification } = proxyActivities<ReportActivities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '10s',
    backoffCoefficient: 2,
    maximumInterval: '10m',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['ReportNotificationMissing'],
  },
});
