import { createNotificationStore, type NotificationRecord } from '../db/notifications';
import type { Executor } from '../db/rows';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, type NotifyInput, type PostActivities } from './contract';
import { systemClock, type PostActivityDeps } from './deps';
import { permanentOnBadData, requireStorable } from './writeFailures';

/** How a notification is kept in Postgres: its payload is what the webhook receives. */
export function notificationRow(input: NotifyInput, createdAt: string) {
  return {
    id: input.notificationId,
    kind: input.kind,
    postId: input.postId,
    brandId: input.brandId,
    payload: { ...input },
    createdAt,
  };
}

/**
 * Sends recorded notifications to the webhook and notes each delivery; one already delivered is not
 * sent again. Whatever goes wrong in the sending itself surfaces as a retryable
 * NotificationDeliveryFailed; a failure to note the delivery in Postgres stays what it is.
 */
export function createNotificationDelivery(deps: PostActivityDeps) {
  const notifications = createNotificationStore(deps.db);
  const clock = deps.clock ?? systemClock;

  return {
    deliversToWebhook: deps.notifier.deliversToWebhook,

    async deliver(input: NotifyInput, record: NotificationRecord, options: { timeoutMs?: number } = {}): Promise<void> {
      if (record.deliveredAt || !deps.notifier.deliversToWebhook) return;
      await notifications.recordAttempt({ id: record.id });
      const outbound = {
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
      };
      await sending(input.notificationId, () => deps.notifier.deliver(outbound, options));
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

/** A notifier that fails in any other way (a bug, another implementation) counts as not delivered. */
async function sending(notificationId: string, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (error instanceof ApplicationFailure && error.type === ErrorType.NotificationDeliveryFailed) throw error;
    throw ApplicationFailure.create({
      type: ErrorType.NotificationDeliveryFailed,
      message: `notification ${notificationId} could not be sent: ${error instanceof Error ? error.message : String(error)}`,
      nonRetryable: false,
    });
  }
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
    const what = `notification ${input.notificationId}`;
    requireStorable(input, what);
    const record = await permanentOnBadData(what, () =>
      notifications.recordOnce(notificationRow(input, clock().toISOString())),
    );
    await delivery.deliver(input, record);
  };
}
