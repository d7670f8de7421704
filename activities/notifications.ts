import { createNotificationStore } from '../db/notifications';
import type { NotifyInput, PostActivities } from './contract';
import { systemClock, type PostActivityDeps } from './deps';

/**
 * Records the notification (once per notification id) and delivers it to the webhook. A failed
 * delivery throws so that Temporal retries it; a notification already delivered is not sent again.
 */
export function createNotify(deps: PostActivityDeps): PostActivities['notify'] {
  const notifications = createNotificationStore(deps.db);
  const clock = deps.clock ?? systemClock;

  return async function notify(input: NotifyInput): Promise<void> {
    const record = await notifications.recordOnce({
      id: input.notificationId,
      kind: input.kind,
      postId: input.postId,
      brandId: input.brandId,
      payload: { ...input },
      createdAt: clock().toISOString(),
    });
    if (record.deliveredAt || !deps.notifier.deliversToWebhook) return;

    await notifications.recordAttempt({ id: record.id });
    await deps.notifier.deliver({
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
    });
    await notifications.markDelivered({ id: record.id, at: clock().toISOString() });
  };
}
