/**
 * How the crisis monitor reaches the outside world: Postgres reads and writes are quick local
 * activities retried until Postgres answers (a declared crisis must be recorded); a notification
 * its transition could not deliver is retried in the background.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { BrandPublishingActivities } from '../../activities/brandContract';
import type { CrisisActivities } from '../../activities/crisisContract';

export const { readCrisisPolicy, recordCrisisTransition } = proxyLocalActivities<
  Pick<CrisisActivities, 'readCrisisPolicy' | 'recordCrisisTransition'>
>({
  startToCloseTimeout: '15s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: ['UnstorableValue'],
  },
});

export const { listPostsToTell } = proxyLocalActivities<Pick<BrandPublishingActivities, 'listPostsToTell'>>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export const { deliverCrisisNotification } = proxyActivities<Pick<CrisisActivities, 'deliverCrisisNotification'>>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 8 },
});
