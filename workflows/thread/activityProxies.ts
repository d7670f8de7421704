/**
 * How the conversation workflow reaches the outside world. Sentiment and Postgres writes are quick
 * local activities; a reply goes to a platform that may be slow or rate-limited, so it is a
 * regular activity whose retries survive worker restarts (its idempotency key keeps it single).
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { CrisisActivities } from '../../activities/crisisContract';
import type { ThreadActivities } from '../../activities/threadContract';

/** Runs recorded before `prepareInbound` score sentiment alone: pure work, so a few attempts do. */
export const { scoreSentiment } = proxyLocalActivities<Pick<ThreadActivities, 'scoreSentiment'>>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
});

/**
 * A message is triaged on the brand's settings, so it waits until Postgres answers: an outage of
 * any length holds the conversation back and never fails it. Past the first few seconds, the
 * pause between attempts is a durable timer, so the run waits without holding a workflow task
 * and survives a worker restart. A value Postgres never takes fails at once.
 */
export const { prepareInbound } = proxyLocalActivities<Pick<ThreadActivities, 'prepareInbound'>>({
  startToCloseTimeout: '10s',
  localRetryThreshold: '2s',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: ['UnstorableValue'],
  },
});

/**
 * Retried until Postgres answers: the record must exist, and a message's dedupe check must have
 * an answer; a value Postgres never takes fails at once.
 */
export const { recordThreadTransition, findRecordedMessageIds } = proxyLocalActivities<
  Pick<ThreadActivities, 'recordThreadTransition' | 'findRecordedMessageIds'>
>({
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: ['UnstorableValue'],
  },
});

/** An agent waits for the answer, so a reply that cannot be sent within minutes is reported to them. */
export const { sendThreadReply } = proxyActivities<Pick<ThreadActivities, 'sendThreadReply'>>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    nonRetryableErrorTypes: ['AccountRevoked', 'ContentRefused', 'AccountNotFound', 'ConnectorNotConfigured'],
  },
});

/** Postgres reads and one locked write: quick, and retried until Postgres answers. */
export const { assignFromQueue, findQueueLead, findWaitingInQueue } = proxyLocalActivities<
  Pick<ThreadActivities, 'assignFromQueue' | 'findQueueLead' | 'findWaitingInQueue'>
>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * The retry of a notification its transition could not deliver, in the background: a receiver
 * that is down holds no conversation back. After the last attempt it stays recorded, undelivered.
 */
export const { deliverThreadNotification } = proxyActivities<Pick<ThreadActivities, 'deliverThreadNotification'>>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10m', maximumAttempts: 8 },
});

/** Telling the brand's crisis monitor is a client call (signal-with-start); retried until it answers. */
export const { reportCrisisMessage } = proxyActivities<Pick<CrisisActivities, 'reportCrisisMessage'>>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Whether the brand is in a crisis, from Postgres: quick, and retried until Postgres answers. */
export const { crisisForReplies } = proxyLocalActivities<Pick<CrisisActivities, 'crisisForReplies'>>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '1m' },
});
