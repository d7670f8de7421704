/**
 * Delivers notifications (reviews due, reminders, escalations, failures) to the outbound webhook
 * the operator configured. The receiver checks `X-Socialops-Signature` (HMAC-SHA256 of the raw
 * body with the shared secret) and de-duplicates retried deliveries by `X-Socialops-Notification-Id`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from './contract';

export const SIGNATURE_HEADER = 'X-Socialops-Signature';
export const NOTIFICATION_ID_HEADER = 'X-Socialops-Notification-Id';

export interface OutboundNotification {
  id: string;
  kind: string;
  postId?: string;
  brandId?: string;
  roles?: string[];
  userIds?: string[];
  message: string;
  data?: Record<string, unknown>;
  createdAt: string;
}

export interface Notifier {
  /** False when no webhook URL is configured: notifications are only recorded. */
  readonly deliversToWebhook: boolean;
  /**
   * Sends the notification; throws a retryable NotificationDeliveryFailed when the receiver does
   * not accept it. `timeoutMs` shortens the configured timeout for one call.
   */
  deliver(notification: OutboundNotification, options?: { timeoutMs?: number }): Promise<void>;
}

export interface WebhookNotifierConfig {
  url?: string;
  /** Required with a URL: receivers reject unsigned notifications. */
  secret?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function signWebhookBody(input: { body: string; secret: string }): string {
  return `sha256=${createHmac('sha256', input.secret).update(input.body, 'utf8').digest('hex')}`;
}

export function verifyWebhookSignature(input: { body: string; secret: string; signature: string }): boolean {
  const expected = Buffer.from(signWebhookBody({ body: input.body, secret: input.secret }));
  const received = Buffer.from(input.signature);
  return expected.length === received.length && timingSafeEqual(expected, received);
}

function deliveryFailed(message: string, details: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.NotificationDeliveryFailed,
    message,
    nonRetryable: false,
    details: [details],
  });
}

export function createWebhookNotifier(config: WebhookNotifierConfig = {}): Notifier {
  const { url, secret } = config;
  if (url && !secret) throw new Error('a notification webhook URL needs a signing secret');
  const send = config.fetch ?? fetch;
  const timeoutMs = config.timeoutMs ?? 10_000;

  return {
    deliversToWebhook: Boolean(url),

    async deliver(notification, options = {}) {
      if (!url || !secret) return;
      const body = JSON.stringify(notification);
      let response: Response;
      try {
        response = await send(url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            [SIGNATURE_HEADER]: signWebhookBody({ body, secret }),
            [NOTIFICATION_ID_HEADER]: notification.id,
          },
          body,
          signal: AbortSignal.timeout(Math.min(timeoutMs, options.timeoutMs ?? timeoutMs)),
        });
      } catch (error) {
        throw deliveryFailed(
          `notification ${notification.id} could not reach the webhook: ${(error as Error).message}`,
          {
            notificationId: notification.id,
          },
        );
      }
      // The receiver's answer is not needed; reading it lets the connection be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) {
        throw deliveryFailed(`the webhook answered ${response.status} to notification ${notification.id}`, {
          notificationId: notification.id,
          status: response.status,
        });
      }
    },
  };
}
