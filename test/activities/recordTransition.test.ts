import type { Knex } from 'knex';
import { quietActivityEnvironment } from './activityEnvironment';
import { createAuditLog } from '../../db/audit';
import { createPostStore } from '../../db/posts';
import { createPostActivities } from '../../activities';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { createWebhookNotifier } from '../../activities/notifier';
import type { NotifyInput, RecordTransitionInput } from '../../activities/contract';
import { createNotificationStore } from '../../db/notifications';
import { startReceiverAnswering, WEBHOOK_SECRET, type WebhookReceiver } from '../helpers/webhookReceiver';
import { createTestKnex, insertBrand, uniqueId } from '../helpers/db';
import { postState } from './postStateFixture';

let db: Knex;
let activities: ReturnType<typeof createPostActivities>;
const env = quietActivityEnvironment();

beforeAll(() => {
  db = createTestKnex();
  activities = createPostActivities({ db, connectors: createConnectorRegistry([]), notifier: createWebhookNotifier() });
});
afterAll(async () => {
  await db.destroy();
});

const content = {
  variants: [
    { accountId: 'acc-x', platform: 'x' as const, text: 'Autumn blend is back', media: [] },
    { accountId: 'acc-li', platform: 'linkedin' as const, text: 'Our autumn blend returns', media: [] },
  ],
};

async function newPost(): Promise<{ postId: string; brandId: string }> {
  const brand = await insertBrand(db);
  return { postId: uniqueId('post'), brandId: brand.id };
}

function submitted(ids: { postId: string; brandId: string }): RecordTransitionInput {
  return {
    sequence: 1,
    action: 'revision_submitted',
    actorId: 'author-1',
    fromStage: 'drafting',
    at: '2026-09-01T10:00:00.000Z',
    state: postState({ ...ids, stage: 'design', openStages: ['design'], revision: 1, content }),
  };
}

describe('recordTransition', () => {
  it('writes one audit row and one projection when the same transition is recorded twice', async () => {
    const ids = await newPost();
    const transition = submitted(ids);
    await env.run(activities.recordTransition, transition);
    await env.run(activities.recordTransition, transition);

    const entries = await createAuditLog(db).listByEntity({ entity: `post:${ids.postId}` });
    expect(entries).toEqual([
      expect.objectContaining({
        sequence: 1,
        action: 'revision_submitted',
        actorId: 'author-1',
        fromStage: 'drafting',
        toStage: 'design',
      }),
    ]);
    const post = await createPostStore(db).findById(ids.postId);
    expect(post).toMatchObject({ stage: 'design', revision: 1, lastSequence: 1, workflowId: `post:${ids.postId}` });
    expect(await createPostStore(db).listRevisions({ postId: ids.postId })).toEqual([
      expect.objectContaining({ revision: 1, content, submittedBy: 'author-1' }),
    ]);
  });

  it('keeps the newer projection when an older transition is recorded late', async () => {
    const ids = await newPost();
    const first = submitted(ids);
    const approved: RecordTransitionInput = {
      sequence: 2,
      action: 'review_approved',
      actorId: 'designer-1',
      fromStage: 'design',
      at: '2026-09-01T11:00:00.000Z',
      state: postState({
        ...ids,
        stage: 'copy_edit',
        openStages: ['copy_edit'],
        revision: 1,
        content,
        decisions: [
          { stage: 'design', revision: 1, decision: 'approve', by: 'designer-1', at: '2026-09-01T11:00:00.000Z' },
        ],
      }),
    };
    await env.run(activities.recordTransition, first);
    await env.run(activities.recordTransition, approved);
    await env.run(activities.recordTransition, first);

    const post = await createPostStore(db).findById(ids.postId);
    expect(post).toMatchObject({ stage: 'copy_edit', lastSequence: 2 });
    expect(post?.state.decisions).toHaveLength(1);
    const entries = await createAuditLog(db).listByEntity({ entity: `post:${ids.postId}` });
    expect(entries.map((entry) => [entry.sequence, entry.toStage])).toEqual([
      [1, 'design'],
      [2, 'copy_edit'],
    ]);
  });

  it('records each review decision once and the variants with their publishing status', async () => {
    const ids = await newPost();
    const decision = {
      stage: 'legal_review',
      revision: 2,
      decision: 'approve' as const,
      by: 'legal-1',
      at: '2026-09-02T09:00:00.000Z',
      comment: 'claims are sourced',
    };
    const published: RecordTransitionInput = {
      sequence: 7,
      action: 'variant_published',
      actorId: 'system',
      fromStage: 'publishing',
      at: '2026-10-01T08:00:05.000Z',
      state: postState({
        ...ids,
        stage: 'published',
        openStages: [],
        revision: 2,
        content,
        decisions: [decision],
        variants: [
          {
            accountId: 'acc-x',
            platform: 'x',
            status: 'published',
            externalId: 'sbx-1',
            url: 'https://example.test/1',
            publishedAt: '2026-10-01T08:00:03.000Z',
            attempts: 1,
          },
          {
            accountId: 'acc-li',
            platform: 'linkedin',
            status: 'failed',
            failureType: 'AccountRevoked',
            failureReason: 'token revoked',
            attempts: 1,
          },
        ],
      }),
    };
    await env.run(activities.recordTransition, published);
    await env.run(activities.recordTransition, {
      ...published,
      sequence: 8,
      action: 'tracking_started',
      state: { ...published.state, stage: 'tracking' },
    });

    const posts = createPostStore(db);
    expect(await posts.listReviews({ postId: ids.postId })).toEqual([
      expect.objectContaining({
        stage: 'legal_review',
        revision: 2,
        decision: 'approve',
        reviewerId: 'legal-1',
        comment: 'claims are sourced',
      }),
    ]);
    expect(await posts.listVariants({ postId: ids.postId })).toEqual([
      expect.objectContaining({
        accountId: 'acc-li',
        status: 'failed',
        failureType: 'AccountRevoked',
        failureReason: 'token revoked',
        revision: 2,
      }),
      expect.objectContaining({
        accountId: 'acc-x',
        status: 'published',
        externalId: 'sbx-1',
        publishedAt: '2026-10-01T08:00:03.000Z',
      }),
    ]);
  });
});

describe('recordTransition with notifications', () => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  const withWebhook = (url: string) =>
    createPostActivities({
      db,
      connectors: createConnectorRegistry([]),
      notifier: createWebhookNotifier({ url, secret: WEBHOOK_SECRET }),
    });

  function dueNotification(
    ids: { postId: string; brandId: string },
    kind: NotifyInput['kind'] = 'review_due',
  ): NotifyInput {
    return {
      kind,
      ...ids,
      notificationId: `${ids.postId}:${kind}:1`,
      roles: ['designer'],
      message: 'Design review is due',
    };
  }

  it('records the notifications with the transition and delivers each once, even when recorded again', async () => {
    receiver = await startReceiverAnswering([204]);
    const ids = await newPost();
    const transition = {
      ...submitted(ids),
      notifications: [dueNotification(ids), dueNotification(ids, 'quality_blocked')],
    };
    const activities = withWebhook(receiver.url);

    expect(await env.run(activities.recordTransition, transition)).toEqual({ undelivered: [] });
    expect(await env.run(activities.recordTransition, transition)).toEqual({ undelivered: [] });

    expect(receiver.received.map((request) => request.notificationId).sort()).toEqual([
      `${ids.postId}:quality_blocked:1`,
      `${ids.postId}:review_due:1`,
    ]);
    // Listed in the order the transition sends them, though they share one instant.
    const records = await createNotificationStore(db).listByPost({ postId: ids.postId });
    expect(records).toEqual([
      expect.objectContaining({ kind: 'review_due', attempts: 1, deliveredAt: expect.any(String) }),
      expect.objectContaining({ kind: 'quality_blocked', attempts: 1, deliveredAt: expect.any(String) }),
    ]);
    expect(records[0].createdAt).toBe(records[1].createdAt);
  });

  it('names the notifications the webhook refused and still records the transition', async () => {
    receiver = await startReceiverAnswering([503]);
    const ids = await newPost();
    const notification = dueNotification(ids);

    const result = await env.run(withWebhook(receiver.url).recordTransition, {
      ...submitted(ids),
      notifications: [notification],
    });

    expect(result).toEqual({ undelivered: [notification.notificationId] });
    expect(await createNotificationStore(db).findById(notification.notificationId)).toMatchObject({
      attempts: 1,
      deliveredAt: null,
    });
    expect(await createPostStore(db).findById(ids.postId)).toMatchObject({ stage: 'design', lastSequence: 1 });
  });

  it('counts a notifier that breaks in an unexpected way as not delivered, instead of retrying the transition forever', async () => {
    const ids = await newPost();
    const notification = dueNotification(ids);
    const broken = createPostActivities({
      db,
      connectors: createConnectorRegistry([]),
      notifier: {
        deliversToWebhook: true,
        deliver: () => Promise.reject(new TypeError('cannot read properties of undefined')),
      },
    });

    expect(await env.run(broken.recordTransition, { ...submitted(ids), notifications: [notification] })).toEqual({
      undelivered: [notification.notificationId],
    });
    await expect(env.run(broken.notify, notification)).rejects.toMatchObject({
      type: 'NotificationDeliveryFailed',
      nonRetryable: false,
      message: expect.stringContaining('cannot read properties of undefined'),
    });
  });

  it('only records the notifications when no webhook is configured', async () => {
    const ids = await newPost();
    const notification = dueNotification(ids);
    expect(await env.run(activities.recordTransition, { ...submitted(ids), notifications: [notification] })).toEqual({
      undelivered: [],
    });
    expect(await createNotificationStore(db).findById(notification.notificationId)).toMatchObject({
      kind: 'review_due',
      attempts: 0,
      deliveredAt: null,
      payload: expect.objectContaining({ message: 'Design review is due' }),
    });
  });
});

describe('recordTransition told what changed', () => {
  it('writes only the revision, variants and decisions the transition changed', async () => {
    const ids = await newPost();
    const posts = createPostStore(db);
    await env.run(activities.recordTransition, submitted(ids));
    const decision = {
      stage: 'design',
      revision: 1,
      decision: 'approve' as const,
      by: 'designer-1',
      at: '2026-09-01T11:00:00.000Z',
    };
    const later = {
      stage: 'copy_edit',
      revision: 1,
      decision: 'approve' as const,
      by: 'editor-1',
      at: '2026-09-01T12:00:00.000Z',
    };
    // The state claims a second revision and two decisions, but the transition says only the
    // second decision is new: the rest was written by earlier transitions (or is not its to write).
    await env.run(activities.recordTransition, {
      sequence: 2,
      action: 'review_approved',
      actorId: 'editor-1',
      fromStage: 'copy_edit',
      at: '2026-09-01T12:00:00.000Z',
      state: postState({
        ...ids,
        stage: 'final_approval',
        openStages: ['final_approval'],
        revision: 2,
        content,
        decisions: [decision, later],
      }),
      changed: { revision: false, variants: false, decisionsFrom: 1 },
    });

    expect(await posts.findById(ids.postId)).toMatchObject({ stage: 'final_approval', lastSequence: 2 });
    expect((await posts.listRevisions({ postId: ids.postId })).map((revision) => revision.revision)).toEqual([1]);
    expect(await posts.listReviews({ postId: ids.postId })).toEqual([
      expect.objectContaining({ stage: 'copy_edit', reviewerId: 'editor-1' }),
    ]);
  });
});

describe('audit log', () => {
  it('refuses to change or erase recorded entries', async () => {
    const ids = await newPost();
    await env.run(activities.recordTransition, submitted(ids));
    const entity = `post:${ids.postId}`;

    await expect(db('audit_log').where({ entity }).update({ actor_id: 'someone-else' })).rejects.toThrow(/append-only/);
    await expect(db('audit_log').where({ entity }).delete()).rejects.toThrow(/append-only/);
    expect(await createAuditLog(db).listByEntity({ entity })).toEqual([
      expect.objectContaining({ actorId: 'author-1' }),
    ]);
  });
});
