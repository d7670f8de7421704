/**
 * A conversation's notifications travel with its transition: recorded in the same transaction,
 * sent once to the signed webhook, and, when the receiver does not take them, delivered later by
 * the retry activity without a second record and never twice once delivered.
 */
import type { Knex } from 'knex';
import { createThreadActivities } from '../../activities';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { createWebhookNotifier, verifyWebhookSignature } from '../../activities/notifier';
import type { ThreadNotification } from '../../activities/threadContract';
import { ROUND_THE_CLOCK_CALENDAR } from '../../domain/businessHours';
import { createSlaState, DEFAULT_SLA_POLICY } from '../../domain/sla';
import type { ThreadState } from '../../domain/threadState';
import { createTestKnex, insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { startReceiverAnswering, WEBHOOK_SECRET } from '../helpers/webhookReceiver';
import { quietActivityEnvironment } from './activityEnvironment';

let db: Knex;
let fixture: BrandFixture;
const env = quietActivityEnvironment();

beforeAll(async () => {
  db = createTestKnex();
  fixture = await insertBrandFixture(db, { platforms: ['x'] });
});
afterAll(async () => {
  await db.destroy();
});

function threadState(): ThreadState {
  const account = fixture.accounts[0];
  const externalThreadId = uniqueId('conversation');
  return {
    threadId: `${account.id}:${externalThreadId}`,
    accountId: account.id,
    brandId: fixture.brand.id,
    platform: account.platform,
    externalThreadId,
    status: 'open',
    priority: 'normal',
    category: 'support',
    queue: 'customer_care',
    assigneeId: fixture.users.agent.user.id,
    messages: [],
    notes: [],
    seenMessageIds: [],
    sentReplyIds: [],
    idsForgotten: false,
    repliesSent: 0,
    sla: createSlaState({ policy: DEFAULT_SLA_POLICY, calendar: ROUND_THE_CLOCK_CALENDAR, priority: 'normal' }),
    nextDueAt: null,
    closure: null,
    lastActivityAt: null,
    sequence: 1,
    updatedAt: new Date().toISOString(),
  };
}

function warning(state: ThreadState): ThreadNotification {
  return {
    notificationId: `thread:${state.threadId}:clock-1:warning`,
    kind: 'sla_warning',
    threadId: state.threadId,
    brandId: state.brandId,
    userIds: [fixture.users.agent.user.id],
    message: `Conversation ${state.threadId} (customer_care): first response is due soon`,
    data: { clock: 'first_response' },
  };
}

describe('thread notifications', () => {
  it('records a notification with its transition and has the retry deliver what the webhook refused, once', async () => {
    const receiver = await startReceiverAnswering([503, 204]);
    try {
      const activities = createThreadActivities({
        db,
        connectors: createConnectorRegistry([]),
        notifier: createWebhookNotifier({ url: receiver.url, secret: WEBHOOK_SECRET }),
      });
      const state = threadState();
      const notification = warning(state);
      const recorded = await env.run(activities.recordThreadTransition, {
        workflowId: `thread:${state.threadId}`,
        sequence: 1,
        action: 'sla_deadline_reached',
        actorId: 'system',
        at: state.updatedAt,
        state,
        newMessages: [],
        clocks: [],
        slaEvents: [],
        notifications: [notification],
      });
      expect(recorded).toEqual({ undelivered: [notification.notificationId] });
      const stored = await db('notifications').where({ id: notification.notificationId }).first();
      expect(stored).toMatchObject({ kind: 'sla_warning', post_id: null, brand_id: fixture.brand.id, attempts: 1 });
      expect(stored.delivered_at).toBeNull();
      expect(await db('audit_log').where({ entity: `thread:${state.threadId}` })).toHaveLength(1);

      await env.run(activities.deliverThreadNotification, notification);
      await env.run(activities.deliverThreadNotification, notification);
      expect(receiver.received).toHaveLength(2);
      const [refused, taken] = receiver.received.map((request) => JSON.parse(request.body));
      // The retry sends the very notification the first attempt sent.
      expect(taken).toEqual(refused);
      expect(taken).toMatchObject({
        id: notification.notificationId,
        kind: 'sla_warning',
        userIds: [fixture.users.agent.user.id],
        data: { threadId: state.threadId, clock: 'first_response' },
      });
      const last = receiver.received[1];
      expect(
        verifyWebhookSignature({
          body: last.body,
          secret: WEBHOOK_SECRET,
          signature: String(last.headers['x-socialops-signature']),
        }),
      ).toBe(true);
      const delivered = await db('notifications').where({ id: notification.notificationId }).first();
      expect(delivered.delivered_at).not.toBeNull();
      expect(delivered.attempts).toBe(2);
    } finally {
      await receiver.close();
    }
  });

  it('only records notifications when no webhook is configured', async () => {
    const activities = createThreadActivities({ db, connectors: createConnectorRegistry([]) });
    const state = threadState();
    const notification = warning(state);
    const recorded = await env.run(activities.recordThreadTransition, {
      workflowId: `thread:${state.threadId}`,
      sequence: 1,
      action: 'sla_deadline_reached',
      actorId: 'system',
      at: state.updatedAt,
      state,
      newMessages: [],
      clocks: [],
      slaEvents: [],
      notifications: [notification],
    });
    expect(recorded).toEqual({ undelivered: [] });
    expect(await db('notifications').where({ id: notification.notificationId })).toEqual([
      expect.objectContaining({ kind: 'sla_warning', attempts: 0, delivered_at: null }),
    ]);
  });
});
