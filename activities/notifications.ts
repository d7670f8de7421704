import { createNotificationStore, type NotificationRecord } from '../db/notifications';
import type { Executor } from '../db/rows';
import type { NotifyInput, PostActivities } from './contract';
import { systemClock, type PostActivityDeps } from './deps';

/** How a notification is kept in Postgres: its payload is what the webhook receives. */
export function notificationRow(input: NotifyInput, createdAt: string) {
  return { id: input.notificationId, kind: input.kind, postId: input.postId, brandId: input.brandId, payload: { ...input }, createdAt };
}

/**
 * Sends recorded notifications to the webhook and notes each delivery; one already delivered is not
 * sent again. Throws the notifier's retryable NotificationDeliveryFailed when the receiver does not
 * accept one.
 */
export function createNotificationDelivery(deps: PostActivityDeps) {
  const notifications = createNotificationStore(deps.db);
  const clock = deps.clock ?? systemClock;

  return {
    deliversToWebhook: deps.notifier.deliversToWebhook,

    async deliver(input: NotifyInput, record: NotificationRecord, options: { timeoutMs?: number } = {}): Promise<void> {
      if (record.deliveredAt || !deps.notifier.deliversToWebhook) return;
      await notifications.recordAttempt({ id: record.id });
      await deps.notifier.deliver(
        {
          id: input.notificationId,
          kind: input.kind,
          postId: input.postId,
          brandId: input.brandId,
          roles: input.roles,
          userIds: input.userIds,
          message: input.message,
          data: input.data,
          // The first attempt's time, so every retry sends the same notification.
          createdAt: record.createdAt,
        },
        options,
      );
      await notifications.markDelivered({ id: record.id, at: clock().toISOString() });
    },

    /** Records notifications (once per id) within the caller's transaction. */
    async record(inputs: NotifyInput[], trx: Executor): Promise<void> {
      const createdAt = clock().toISOString();
      await notifications.recordMany(
        inputs.map((input) => notificationRow(input, createdAt)),
        trx,
      );
    },

    findByIds: (ids: string[]) => notifications.findByIds(ids),
  };
}

/**
 * Records the notification (once per notification id) and delivers it to the webhook. A failed
 * delivery throws so that Temporal retries it; a notification already delivered is not sent again.
 */
export function createNotify(deps: PostActivityDeps): PostActivities['notify'] {
  const notifications = createNotificationStore(deps.db);
  const delivery = createNotificationDelivery(deps);
  const clock = deps.clock ?? systemClock;

  return async function notify(input: NotifyInput): Promise<void> {
    const record = await notifications.recordOnce(notificationRow(input, clock().toISOString()));
    await delivery.deliver(input, record);
  };
}
