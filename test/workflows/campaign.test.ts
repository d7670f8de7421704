import type { WorkflowHandle } from '@temporalio/client';
import { DateTime } from 'luxon';
import { createAuditLog } from '../../db/audit';
import { createCampaignStore } from '../../db/campaigns';
import { postWorkflowId } from '../../domain/ids';
import { campaignAction, planExtended } from '../../workflows/campaign/messages';
import { verifyWebhookSignature } from '../../activities/notifier';
import { WEBHOOK_SECRET, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver';
import { campaignWhen, startCampaign } from './campaignHarness';
import { createCampaignPostGateway } from '../../worker/campaignPosts';
import { restartGoneCampaigns } from '../../api/services/campaigns';
import {
  DAY_MS,
  HOUR_MS,
  approveOpenStages,
  brandWithTeam,
  recordHistoryIfAsked,
  startPostHarness,
  stateWhen,
  type PostFixture,
  type PostHarness,
} from './postHarness';

jest.setTimeout(120_000);

let harness: PostHarness;
let fixture: PostFixture;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => 204);
  harness = await startPostHarness({ webhook: { url: receiver.url, secret: WEBHOOK_SECRET } });
  fixture = await brandWithTeam(harness, ['x', 'linkedin']);
});

afterAll(async () => {
  await harness?.teardown();
  await receiver?.close();
});

function postHandle(postId: string): WorkflowHandle {
  return harness.env.client.workflow.getHandle(postWorkflowId(postId));
}

async function plannedItem(campaignId: string, position: number): Promise<Record<string, unknown>> {
  const row = await harness.db('campaign_plan_items').where({ campaign_id: campaignId, position }).first();
  return row.item;
}

async function scheduleAll(postIds: string[]): Promise<void> {
  for (const postId of postIds) {
    const handle = postHandle(postId);
    await stateWhen(handle, (state) => state.openStages.length > 0);
    await approveOpenStages(handle, fixture.team);
    await stateWhen(handle, (state) => state.stage === 'scheduled');
  }
}

describe('a campaign acting as one', () => {
  it('creates its plan, then shifts and cancels its unpublished posts as one while published ones stay', async () => {
    const plan = [
      ...Array.from({ length: 2 }, (_, i) => ({ title: `Teaser ${i + 1}`, publishInMs: 2 * HOUR_MS })),
      ...Array.from({ length: 8 }, (_, i) => ({ title: `Launch post ${i + 1}`, publishInMs: (10 + i) * DAY_MS })),
    ];
    const { campaignId, handle, postIds } = await startCampaign(harness, fixture, { plan });

    const created = await campaignWhen(handle, (state) => state.creation.created === plan.length);
    expect(created.creation).toMatchObject({ total: 10, created: 10, failed: 0 });
    const campaigns = createCampaignStore(harness.db);
    expect((await campaigns.planProgress(campaignId)).created).toBe(10);

    await scheduleAll(postIds);
    await harness.env.sleep(3 * HOUR_MS);
    for (const postId of postIds.slice(0, 2)) {
      await stateWhen(postHandle(postId), (state) => state.stage !== 'scheduled' && state.stage !== 'publishing');
    }

    const before = await Promise.all(postIds.slice(2).map((postId) => stateWhen(postHandle(postId), () => true)));
    const shift = await handle.executeUpdate(campaignAction, {
      args: [{ kind: 'shift', offset: 'P1D', by: fixture.team.manager, reason: 'launch moved a day' }],
    });
    expect(shift).toMatchObject({ status: 'done', postsReached: 8, postsNotReachedCount: 0 });
    for (const [index, postId] of postIds.slice(2).entries()) {
      const after = await stateWhen(postHandle(postId), (state) => state.publishAt !== before[index].publishAt);
      const was = DateTime.fromISO(before[index].publishAt, { zone: fixture.brand.timeZone });
      const now = DateTime.fromISO(after.publishAt, { zone: fixture.brand.timeZone });
      // A day later on the calendar, at the same local time, whatever the clocks did in between.
      expect(now.toFormat('HH:mm')).toBe(was.toFormat('HH:mm'));
      expect(now.toISODate()).toBe(was.plus({ days: 1 }).toISODate());
    }

    const paused = await handle.executeUpdate(campaignAction, {
      args: [{ kind: 'pause', reason: 'legal check', by: fixture.team.manager }],
    });
    expect(paused).toMatchObject({ status: 'done', postsReached: 8 });
    const heldByCampaign = (state: { holds: Array<{ source: string }> }) =>
      state.holds.some((hold) => hold.source === 'campaign');
    for (const postId of postIds.slice(2)) {
      expect(heldByCampaign(await stateWhen(postHandle(postId), heldByCampaign))).toBe(true);
    }

    // A post that joins the paused campaign starts held.
    const joined = await campaigns.appendItems({
      campaignId,
      createdBy: fixture.team.author.userId,
      items: [{ postId: `${campaignId}-late`, item: { ...(await plannedItem(campaignId, 2)), title: 'Late joiner' } }],
    });
    await handle.signal(planExtended, { total: joined.planTotal });
    await campaignWhen(handle, (state) => state.creation.created === 11);
    const late = await stateWhen(postHandle(`${campaignId}-late`), heldByCampaign);
    expect(late.holds).toEqual([expect.objectContaining({ source: 'campaign', reason: 'legal check' })]);

    const resumed = await handle.executeUpdate(campaignAction, {
      args: [{ kind: 'resume', by: fixture.team.manager }],
    });
    expect(resumed).toMatchObject({ status: 'done', postsReached: 9 });
    for (const postId of [...postIds.slice(2), `${campaignId}-late`]) {
      const state = await stateWhen(postHandle(postId), (post) => !heldByCampaign(post));
      expect(state.holds).toEqual([]);
    }

    const cancelled = await handle.executeUpdate(campaignAction, {
      args: [{ kind: 'cancel', reason: 'product recall', by: fixture.team.manager }],
    });
    expect(cancelled).toMatchObject({ status: 'done', postsReached: 9 });
    for (const postId of [...postIds.slice(2), `${campaignId}-late`]) {
      const state = await stateWhen(postHandle(postId), (post) => post.stage === 'cancelled');
      expect(state.stage).toBe('cancelled');
      expect(state.exitReason).toContain('product recall');
    }
    for (const postId of postIds.slice(0, 2)) {
      expect(['published', 'tracking', 'completed']).toContain((await stateWhen(postHandle(postId), () => true)).stage);
    }

    await handle.result();
    await recordHistoryIfAsked(handle, 'campaign-paused-shifted-cancelled');
    const stored = await campaigns.find(campaignId);
    expect(stored).toMatchObject({ status: 'cancelled', cancelReason: 'product recall' });
    expect(stored!.report).toMatchObject({ posts: { total: 11, published: 2, cancelled: 9 } });
    const entries = await createAuditLog(harness.db).listByEntity({ entity: `campaign:${campaignId}` });
    expect(entries.map((entry) => [entry.action, entry.actorId])).toEqual([
      ['campaign_shift', fixture.team.manager.userId],
      ['campaign_pause', fixture.team.manager.userId],
      ['campaign_resume', fixture.team.manager.userId],
      ['campaign_cancel', fixture.team.manager.userId],
      ['campaign_cancelled_report', 'system'],
    ]);
    expect(entries[3].detail).toEqual({ reason: 'product recall' });
  });

  it('moves a post once when a shift reaches it again after a retry, and again for a new shift', async () => {
    const { handle, postIds } = await startCampaign(harness, fixture, {
      plan: [{ title: 'Retried shift', publishInMs: 10 * DAY_MS }],
    });
    await campaignWhen(handle, (state) => state.creation.created === 1);
    await scheduleAll(postIds);
    const [postId] = postIds;
    const original = (await stateWhen(postHandle(postId), () => true)).publishAt;
    const gateway = createCampaignPostGateway({
      db: harness.db,
      client: harness.env.client,
      taskQueue: harness.taskQueue,
    });
    const shift = (actionId: string, publishAt: string) =>
      gateway.actOnPost({
        postId,
        action: { kind: 'shift', actionId, offset: 'P1D', by: fixture.team.manager },
        publishAt,
        brandTimeZone: fixture.brand.timeZone,
      });
    const dayAfter = (iso: string, days: number) =>
      DateTime.fromISO(iso, { zone: fixture.brand.timeZone }).plus({ days }).toISODate();

    expect(await shift('first', original)).toEqual({ reached: true });
    const once = await stateWhen(postHandle(postId), (state) => state.publishAt !== original);
    // A retried activity reads the post's time again, already moved: the same action leaves it there.
    expect(await shift('first', once.publishAt)).toEqual({ reached: true });
    expect((await stateWhen(postHandle(postId), () => true)).publishAt).toBe(once.publishAt);
    expect(DateTime.fromISO(once.publishAt, { zone: fixture.brand.timeZone }).toISODate()).toBe(dayAfter(original, 1));

    await gateway.actOnPost({
      postId,
      action: { kind: 'shift', actionId: 'second', offset: 'P1D', by: fixture.team.manager },
      publishAt: once.publishAt,
      brandTimeZone: fixture.brand.timeZone,
    });
    const twice = await stateWhen(postHandle(postId), (state) => state.publishAt !== once.publishAt);
    expect(DateTime.fromISO(twice.publishAt, { zone: fixture.brand.timeZone }).toISODate()).toBe(dayAfter(original, 2));
  });

  it('starts again, paused and where its plan stood, when its workflow is gone', async () => {
    const { campaignId, handle, postIds } = await startCampaign(harness, fixture, {
      plan: [1, 2, 3].map((n) => ({ title: `Recovered ${n}`, publishInMs: (5 + n) * DAY_MS })),
      startWorkflow: false,
    });
    const campaigns = createCampaignStore(harness.db);
    // What Postgres knew before the workflow was lost: paused, one post created, two actions audited.
    await harness.db('campaigns').where({ id: campaignId }).update({ paused: true, status: 'paused' });
    await campaigns.settleItem({ campaignId, position: 0, status: 'failed', failure: 'refused' });
    const audit = createAuditLog(harness.db);
    for (const sequence of [1, 2]) {
      await audit.append({
        entity: `campaign:${campaignId}`,
        sequence,
        action: sequence === 1 ? 'campaign_shift' : 'campaign_pause',
        actorId: fixture.team.manager.userId,
        fromStage: null,
        toStage: 'active',
        at: new Date().toISOString(),
        detail: {},
      });
    }
    const temporal = {
      workflow: harness.env.client.workflow,
      call: <T>(call: () => Promise<T>) => call(),
      taskQueue: harness.taskQueue,
    };
    const restarted = await restartGoneCampaigns({ campaigns, audit, temporal });
    expect(restarted).toContain(campaignId);

    const state = await campaignWhen(handle, (current) => current.creation.nextPosition === 3);
    expect(state).toMatchObject({ status: 'paused', paused: true, creation: { total: 3, created: 2, failed: 1 } });
    for (const postId of postIds.slice(1)) {
      const post = await stateWhen(postHandle(postId), (current) => current.holds.length > 0);
      expect(post.holds).toEqual([expect.objectContaining({ source: 'campaign' })]);
    }
    const resumed = await handle.executeUpdate(campaignAction, {
      args: [{ kind: 'resume', by: fixture.team.manager }],
    });
    expect(resumed).toMatchObject({ status: 'done', postsReached: 2 });
    const entries = await audit.listByEntity({ entity: `campaign:${campaignId}` });
    expect(entries.map((entry) => entry.action)).toEqual(['campaign_shift', 'campaign_pause', 'campaign_resume']);
    // A campaign whose workflow runs is left alone.
    expect(await restartGoneCampaigns({ campaigns, audit, temporal })).not.toContain(campaignId);
  });

  it('records a planned post it cannot create with the reason, and creates the rest', async () => {
    const { campaignId, handle } = await startCampaign(harness, fixture, {
      plan: [
        { title: 'On time', publishInMs: 5 * DAY_MS },
        { title: 'Too late', publishInMs: -5 * DAY_MS },
      ],
    });
    const state = await campaignWhen(handle, (campaign) => campaign.creation.nextPosition === 2);
    expect(state.creation).toMatchObject({ created: 1, failed: 1 });
    const progress = await createCampaignStore(harness.db).planProgress(campaignId);
    expect(progress.failures).toEqual([
      { position: 1, postId: `${campaignId}-p1`, reason: expect.stringContaining('publishAt') },
    ]);
  });

  it('continues as new with its progress and actions when its history grows', async () => {
    const plan = Array.from({ length: 6 }, (_, i) => ({ title: `Series ${i + 1}`, publishInMs: (5 + i) * DAY_MS }));
    const { campaignId, handle } = await startCampaign(harness, fixture, { plan, eventsPerRun: 20 });
    const firstRun = (await handle.describe()).runId;
    await campaignWhen(handle, (state) => state.creation.created === 6);
    const paused = await handle.executeUpdate(campaignAction, {
      args: [{ kind: 'pause', reason: 'review', by: fixture.team.manager }],
    });
    expect(paused).toMatchObject({ status: 'done', postsReached: 6 });
    const carried = await campaignWhen(handle, (state) => state.paused && state.actions.length === 1);
    expect(carried.creation).toMatchObject({ total: 6, created: 6, nextPosition: 6 });
    expect(carried.auditSequence).toBe(1);
    // The latest run is a later one than the first, and still knows what the first did.
    const giveUpAt = Date.now() + 15_000;
    while ((await handle.describe()).runId === firstRun && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await handle.describe()).runId).not.toBe(firstRun);
    const cancelled = await handle.executeUpdate(campaignAction, {
      args: [{ kind: 'cancel', reason: 'done early', by: fixture.team.manager }],
    });
    expect(cancelled).toMatchObject({ status: 'done', postsReached: 6 });
    await handle.result();
    const entries = await createAuditLog(harness.db).listByEntity({ entity: `campaign:${campaignId}` });
    expect(entries.map((entry) => entry.sequence)).toEqual([1, 2, 3]);
  });

  it('stores its report when its end date comes and sends it through the signed webhook', async () => {
    const { campaignId, handle } = await startCampaign(harness, fixture, {
      plan: [{ title: 'Short', publishInMs: 5 * DAY_MS }],
      endsInMs: 7 * DAY_MS,
    });
    await campaignWhen(handle, (campaign) => campaign.creation.created === 1);
    await harness.env.sleep(8 * DAY_MS);
    await handle.result();
    const stored = await createCampaignStore(harness.db).find(campaignId);
    expect(stored).toMatchObject({ status: 'ended' });
    expect(stored!.report).toMatchObject({ posts: { total: 1 } });
    const sent = receiver.received.filter((request) => request.notificationId === `campaign-report:${campaignId}`);
    expect(sent).toHaveLength(1);
    expect(
      verifyWebhookSignature({
        body: sent[0].body,
        secret: WEBHOOK_SECRET,
        signature: String(sent[0].headers['x-socialops-signature']),
      }),
    ).toBe(true);
    expect(JSON.parse(sent[0].body)).toMatchObject({
      kind: 'campaign_report',
      data: { campaignId, report: { campaignId, status: 'ended', posts: { total: 1 } } },
    });
  });
});
