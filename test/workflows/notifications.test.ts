import {
  startWebhookReceiver,
  WEBHOOK_SECRET,
  type ReceivedRequest,
  type WebhookReceiver,
} from '../helpers/webhookReceiver';
import {
  brandWithTeam,
  decide,
  historyEventTypes,
  recordHistoryIfAsked,
  startPost,
  startPostHarness,
  stateOf,
  stateWhen,
  type PostHarness,
} from './postHarness';

/**
 * The webhook refuses the first delivery of the post's first "review due" notification and holds
 * the retry until the test lets it through; everything else it accepts at once.
 */
let release: (status: number) => void = () => undefined;
const held = new Promise<number>((resolve) => {
  release = resolve;
});
let heldId: string | undefined;
function answer(request: ReceivedRequest): number | Promise<number> {
  if (!request.notificationId.endsWith(':review_due:1')) return 204;
  if (heldId === undefined) {
    heldId = request.notificationId;
    return 503;
  }
  return held;
}

let receiver: WebhookReceiver;
let harness: PostHarness;
beforeAll(async () => {
  receiver = await startWebhookReceiver(answer);
  harness = await startPostHarness({ webhook: { url: receiver.url, secret: WEBHOOK_SECRET } });
});
afterAll(async () => {
  release(204);
  await harness?.teardown();
  await receiver?.close();
});

async function notificationRecord(id: string): Promise<{ attempts: number; delivered_at: Date | null }> {
  return harness.db('notifications').where({ id }).first();
}

describe('notifications of a post', () => {
  it('are retried in the background when the webhook refuses them, without holding the review back', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle, input } = await startPost(harness, fixture);
    const dueId = `${input.postId}:review_due:1`;

    // The refused notification's retry is now held by the receiver, yet the review goes on.
    await stateWhen(handle, () => receiver.received.filter((request) => request.notificationId === dueId).length === 2);
    expect(await decide(handle, fixture.team.manager, { stage: 'ideation', decision: 'approve' })).toEqual({
      stage: 'design',
      revision: 1,
    });
    expect(await notificationRecord(dueId)).toMatchObject({ attempts: 2, delivered_at: null });
    const description = await handle.describe();
    expect(description.raw.pendingActivities?.map((activity) => activity.activityType?.name)).toEqual(['notify']);

    release(204);
    const giveUpAt = Date.now() + 15_000;
    while ((await notificationRecord(dueId)).delivered_at === null && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await notificationRecord(dueId)).toMatchObject({ attempts: 2, delivered_at: expect.any(Date) });
    const [first, retry] = receiver.received.filter((request) => request.notificationId === dueId);
    expect(retry.body).toBe(first.body);
    expect((await stateOf(handle)).stage).toBe('design');
    // Only the refused notification took an activity of its own; the others rode with their transitions.
    const events = await historyEventTypes(handle);
    expect(events.filter((type) => type === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toHaveLength(1);
    expect(receiver.received.map((request) => request.notificationId)).toContain(`${input.postId}:review_due:2`);
    await recordHistoryIfAsked(handle, 'notification-redelivered');
  });
});
