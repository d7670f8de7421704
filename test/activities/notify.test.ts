import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import { createPostActivities } from '../../activities';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { ErrorType, type NotifyInput } from '../../activities/contract';
import { createWebhookNotifier, verifyWebhookSignature } from '../../activities/notifier';
import { createNotificationStore } from '../../db/notifications';
import { createTestKnex, uniqueId } from '../helpers/db';
import { startReceiverAnswering, WEBHOOK_SECRET } from '../helpers/webhookReceiver';
import { quietActivityEnvironment } from './activityEnvironment';

function notification(): NotifyInput {
  return {
    kind: 'review_due',
    postId: uniqueId('post'),
    brandId: 'brand-1',
    notificationId: uniqueId('notification'),
    roles: ['legal'],
    message: 'Legal review is due for "Autumn blend is back"',
    data: { stage: 'legal_review', escalateAt: '2026-09-02T10:00:00.000Z' },
  };
}

let db: Knex;
const env = quietActivityEnvironment();
const activitiesFor = (notifierUrl?: string) =>
  createPostActivities({
    db,
    connectors: createConnectorRegistry([]),
    notifier: createWebhookNotifier({ url: notifierUrl, secret: notifierUrl ? WEBHOOK_SECRET : undefined }),
  });

beforeAll(() => {
  db = createTestKnex();
});
afterAll(async () => {
  await db.destroy();
});

describe('notify', () => {
  it('posts the notification signed with HMAC-SHA256 of the raw body and records its delivery', async () => {
    const receiver = await startReceiverAnswering([204]);
    try {
      const input = notification();
      await env.run(activitiesFor(receiver.url).notify, input);

      expect(receiver.received).toHaveLength(1);
      const [{ headers, body }] = receiver.received;
      expect(headers['content-type']).toBe('application/json');
      expect(headers['x-socialops-notification-id']).toBe(input.notificationId);
      expect(headers['x-socialops-signature']).toBe(
        `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
      );
      expect(
        verifyWebhookSignature({ body, secret: WEBHOOK_SECRET, signature: String(headers['x-socialops-signature']) }),
      ).toBe(true);
      expect(
        verifyWebhookSignature({ body, secret: 'another-secret', signature: String(headers['x-socialops-signature']) }),
      ).toBe(false);
      expect(JSON.parse(body)).toMatchObject({
        id: input.notificationId,
        kind: 'review_due',
        postId: input.postId,
        roles: ['legal'],
        message: input.message,
        data: input.data,
      });

      const record = await createNotificationStore(db).findById(input.notificationId);
      expect(record).toMatchObject({ kind: 'review_due', postId: input.postId, attempts: 1 });
      expect(record?.deliveredAt).not.toBeNull();
    } finally {
      await receiver.close();
    }
  });

  it('fails retryably when the receiver answers 500, and a retry delivers the same notification once', async () => {
    const receiver = await startReceiverAnswering([500, 200]);
    try {
      const input = notification();
      const notify = activitiesFor(receiver.url).notify;
      const failure = await env.run(notify, input).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: ErrorType.NotificationDeliveryFailed, nonRetryable: false });
      expect((await createNotificationStore(db).findById(input.notificationId))?.deliveredAt).toBeNull();

      await env.run(notify, input);
      await env.run(notify, input);

      expect(receiver.received).toHaveLength(2);
      expect(receiver.received[1].body).toBe(receiver.received[0].body);
      const record = await createNotificationStore(db).findById(input.notificationId);
      expect(record).toMatchObject({ attempts: 2 });
      expect(record?.deliveredAt).not.toBeNull();
      expect(await createNotificationStore(db).listByPost({ postId: input.postId })).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('fails retryably when the receiver cannot be reached', async () => {
    const receiver = await startReceiverAnswering([200]);
    await receiver.close();
    await expect(env.run(activitiesFor(receiver.url).notify, notification())).rejects.toMatchObject({
      type: ErrorType.NotificationDeliveryFailed,
      nonRetryable: false,
    });
  });

  it('only records the notification when no webhook is configured', async () => {
    const input = notification();
    await env.run(activitiesFor(undefined).notify, input);
    const record = await createNotificationStore(db).findById(input.notificationId);
    expect(record).toMatchObject({ kind: 'review_due', attempts: 0, deliveredAt: null });
    expect(record?.payload).toMatchObject({ message: input.message, roles: ['legal'] });
  });

  it('refuses a webhook URL without a signing secret', () => {
    expect(() => createWebhookNotifier({ url: 'http://127.0.0.1:9/hook' })).toThrow(/signing secret/);
  });
});
