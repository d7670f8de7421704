/**
 * The outbox of notifications about a workflow that is not a post (a conversation's warnings,
 * breaches and escalations; a crisis's alerts) goes the posts' way: recorded with the transition
 * that raises them, sent once to the signed webhook, and retried by the workflow when the receiver
 * did not take them.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createNotificationStore, type NewNotification, type NotificationRecord } from '../db/notifications';
import type { Executor } from '../db/rows';
import { ErrorType } from './contract';
import { silentLogger, systemClock, type PostActivityDeps } from './deps';
import { createWebhookNotifier } from './notifier';
import { TRANSITION_DELIVERY_TIMEOUT_MS } from './transitions';

export type NotificationOutboxDeps = Pick<PostActivityDeps, 'db'> &
  Partial<Pick<PostActivityDeps, 'notifier' | 'logger' | 'clock'>>;

/** What every outbox notification carries; `subject` names the workflow it is about in the payload's data. */
export interface OutboxNotification {
  notificationId: string;
  kind: string;
  brandId: string;
  userIds: string[];
  message: string;
  data?: Record<string, unknown>;
}

function notificationRow(notification: OutboxNotification, createdAt: string): NewNotification {
  return {
    id: notification.notificationId,
    kind: notification.kind,
    postId: null,
    brandId: notification.brandId,
    payload: { ...notification },
    createdAt,
  };
}

export function createNotificationOutbox<N extends OutboxNotification>(
  deps: NotificationOutboxDeps,
  subject: (notification: N) => Record<string, unknown>,
) {
  const store = createNotificationStore(deps.db);
  // Without a configured webhook notifications are only recorded.
  const notifier = deps.notifier ?? createWebhookNotifier({});
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;

  async function deliver(notification: N, record: NotificationRecord, timeoutMs?: number) {
    if (record.deliveredAt || !notifier.deliversToWebhook) return;
    await store.recordAttempt({ id: record.id });
    try {
      await notifier.deliver(
        {
          id: notification.notificationId,
          kind: notification.kind,
          brandId: notification.brandId,
          userIds: notification.userIds,
          message: notification.message,
          data: { ...subject(notification), ...notification.data },
          // The first attempt's time, so every retry sends the same notification.
          createdAt: record.createdAt,
        },
        timeoutMs !== undefined ? { timeoutMs } : {},
      );
    } catch (error) {
      if (error instanceof ApplicationFailure && error.type === ErrorType.NotificationDeliveryFailed) throw error;
      throw ApplicationFailure.create({
        type: ErrorType.NotificationDeliveryFailed,
        message: `notification ${notification.notificationId} could not be sent: ${error instanceof Error ? error.message : String(error)}`,
        nonRetryable: false,
      });
    }
    await store.markDelivered({ id: record.id, at: clock().toISOString() });
  }

  return {
    /** Records the notifications (once per id) within the transition's transaction. */
    async record(notifications: N[], trx: Executor): Promise<void> {
      const createdAt = clock().toISOString();
      await store.recordMany(
        notifications.map((notification) => notificationRow(notification, createdAt)),
        trx,
      );
    },

    /** One short delivery attempt each; returns the ids the webhook did not take. */
    async deliverOnce(notifications: N[]): Promise<string[]> {
      if (notifications.length === 0 || !notifier.deliversToWebhook) return [];
      const records = new Map(
        (await store.findByIds(notifications.map((n) => n.notificationId))).map((record) => [record.id, record]),
      );
      const undelivered: string[] = [];
      for (const notification of notifications) {
        const record = records.get(notification.notificationId);
        if (!record) throw new Error(`notification ${notification.notificationId} was not recorded`);
        try {
          await deliver(notification, record, TRANSITION_DELIVERY_TIMEOUT_MS);
        } catch (error) {
          if (!(error instanceof ApplicationFailure && error.type === ErrorType.NotificationDeliveryFailed))
            throw error;
          logger.warn('notification not delivered; the workflow retries it', {
            notificationId: notification.notificationId,
            error: error.message,
          });
          undelivered.push(notification.notificationId);
        }
      }
      return undelivered;
    },

    /** Records (if the transition's write was lost) and delivers; throws a retryable failure when not taken. */
    async redeliver(notification: N): Promise<void> {
      const record = await store.recordOnce(notificationRow(notification, clock().toISOString()));
      await deliver(notification, record);
    },
  };
}
