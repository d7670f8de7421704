/**
 * How the post workflow reaches the outside world. Work that only touches our own Postgres (or is
 * quick and idempotent by key) runs as a local activity: one marker in history instead of three
 * events and a workflow task. Publishing is a regular activity: it talks to a platform that may be
 * slow or rate-limited for hours, and its retries must survive worker restarts.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { PostActivities } from '../../activities/contract';
import { NON_RETRYABLE_PUBLISH_ERRORS, NON_RETRYABLE_RECORD_ERRORS } from '../../domain/failureTypes';

/**
 * Projection and audit writes: retried until Postgres answers, since the record must exist; but a
 * value it will never take fails at once (the post then fails, saying why).
 */
export const { recordTransition } = proxyLocalActivities<Pick<PostActivities, 'recordTransition'>>({
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: NON_RETRYABLE_RECORD_ERRORS,
  },
});

/** Quality checks read brand rules from Postgres; a revision waits for them. */
export const { checkQuality } = proxyLocalActivities<Pick<PostActivities, 'checkQuality'>>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 20 },
});

/** The brand's late-publishing policy, read when a publish timer fires late; retried until Postgres answers. */
export const { readLatePublishing } = proxyLocalActivities<Pick<PostActivities, 'readLatePublishing'>>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Attempts at reading metrics; `takeSnapshots` skips what still fails on the last one. */
export const SNAPSHOT_ATTEMPTS = 5;

/** Reading metrics is repeatable; a snapshot that keeps failing is skipped, not fatal. */
export const { snapshotMetrics, takeSnapshots, summarizePerformance } = proxyLocalActivities<
  Pick<PostActivities, 'snapshotMetrics' | 'takeSnapshots' | 'summarizePerformance'>
>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: SNAPSHOT_ATTEMPTS },
});

/**
 * Webhook delivery, de-duplicated by notification id at the receiver. Bounded: a receiver that is
 * down must not hold a post back, so after the last attempt the notification stays recorded in
 * Postgres as undelivered. Runs created before ONE_ACTIVITY_PER_STEP deliver every notification
 * this way.
 */
export const { notify } = proxyLocalActivities<Pick<PostActivities, 'notify'>>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8 },
});

/**
 * The retry of a notification its transition could not deliver: a regular activity in the
 * background, so a receiver that is down for a while holds nothing back. Bounded like `notify`.
 */
export const { notify: redeliverNotification } = proxyActivities<Pick<PostActivities, 'notify'>>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 8 },
});

/**
 * One publication per variant. A rate limit's retry-after arrives as the failure's next retry
 * delay; other transient failures back off exponentially. After six hours the variant is marked
 * failed and can be retried by hand.
 */
export const { publishVariant } = proxyActivities<Pick<PostActivities, 'publishVariant'>>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '6h',
  retry: {
    initialInterval: '10s',
    backoffCoefficient: 2,
    maximumInterval: '15m',
    nonRetryableErrorTypes: NON_RETRYABLE_PUBLISH_ERRORS,
  },
});
