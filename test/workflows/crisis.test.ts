/**
 * Crisis protection on the offline server (time skipping): the brand's monitor counts the negative
 * messages conversations tell it about against the brand's baseline, declares a crisis that holds
 * every scheduled post, and on its end leaves a publish time that passed meanwhile for review; a
 * reply written during the crisis waits for a lead.
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { createCrisisStore } from '../../db/crisis';
import { DEFAULT_CRISIS_POLICY, type CrisisPolicy } from '../../domain/crisis';
import {
  CRISIS_WORKFLOW_TYPE,
  crisisMessage,
  crisisWorkflowId,
  declareCrisis,
  endCrisis,
  getCrisisState,
  type CrisisMonitorState,
} from '../../workflows/crisis/messages';
import {
  approveThreadReply,
  rejectThreadReply,
  replyToThread,
  type ThreadState,
} from '../../workflows/thread/messages';
import { uniqueId } from '../helpers/db';
import {
  approveOpenStages,
  brandWithTeam,
  DAY_MS,
  HOUR_MS,
  recordHistoryIfAsked,
  refusal,
  serverNow,
  startPost,
  startPostHarness,
  stateWhen,
  type PostFixture,
  type PostHarness,
} from './postHarness';
import { conversationOf, stateWhen as threadStateWhen, writeAsCustomer } from './threadDriver';

let harness: PostHarness;
beforeAll(async () => {
  harness = await startPostHarness();
});
afterAll(async () => {
  await harness?.teardown();
});

async function setPolicy(brandId: string, policy: Partial<CrisisPolicy>): Promise<void> {
  const { version: _version, ...defaults } = DEFAULT_CRISIS_POLICY;
  await createCrisisStore(harness.db).appendPolicy({ brandId, policy: { ...defaults, ...policy }, createdBy: 'mia' });
}

function monitorOf(brandId: string) {
  return harness.env.client.workflow.getHandle(crisisWorkflowId(brandId));
}

async function monitorWhen(
  brandId: string,
  ready: (state: CrisisMonitorState) => boolean,
): Promise<CrisisMonitorState> {
  const giveUpAt = Date.now() + 20_000;
  for (;;) {
    const state = await monitorOf(brandId)
      .query(getCrisisState)
      .catch(() => undefined);
    if ((state && ready(state)) || Date.now() > giveUpAt) {
      if (!state) throw new Error(`the crisis monitor of ${brandId} never started`);
      return state;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A message counted by the brand's monitor as a conversation would tell it. */
async function tellMonitor(brandId: string): Promise<void> {
  await harness.env.client.workflow.signalWithStart(CRISIS_WORKFLOW_TYPE, {
    workflowId: crisisWorkflowId(brandId),
    taskQueue: harness.taskQueue,
    args: [{ brandId }],
    signal: crisisMessage,
    signalArgs: [
      { messageId: uniqueId('msg'), threadId: 'baseline', at: new Date(await serverNow(harness)).toISOString() },
    ],
  });
}

function declareByHand(fixture: PostFixture, reason: string) {
  return harness.env.client.workflow.executeUpdateWithStart(declareCrisis, {
    args: [{ by: fixture.team.manager, reason }],
    startWorkflowOperation: new WithStartWorkflowOperation(CRISIS_WORKFLOW_TYPE, {
      workflowId: crisisWorkflowId(fixture.brand.id),
      taskQueue: harness.taskQueue,
      args: [{ brandId: fixture.brand.id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });
}

/** A post approved up to its publish time, projected so that the monitor finds it. */
async function scheduledPost(fixture: PostFixture, publishInMs: number) {
  const { handle, input } = await startPost(harness, fixture, { publishInMs });
  await approveOpenStages(handle, fixture.team);
  await stateWhen(handle, (state) => state.stage === 'scheduled');
  const giveUpAt = Date.now() + 15_000;
  while ((await harness.db('posts').where({ id: input.postId }).first())?.stage !== 'scheduled') {
    if (Date.now() > giveUpAt) throw new Error(`post ${input.postId} was never projected as scheduled`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { handle, postId: input.postId };
}

const crisisHolds = (state: { holds: { source: string }[] }) => state.holds.filter((hold) => hold.source === 'crisis');

describe('crisis monitor', () => {
  it('crossing the threshold from the brand’s baseline holds every scheduled post; a publish time passed during the crisis is held for review after it ends', async () => {
    const fixture = await brandWithTeam(harness);
    const brandId = fixture.brand.id;
    await setPolicy(brandId, {
      windowMinutes: 60,
      threshold: { kind: 'baseline_multiple', multiple: 3 },
      minimumVolume: 3,
      baselineDays: 1,
      declare: 'automatic',
      contacts: [fixture.team.manager.userId],
    });
    const soon = await scheduledPost(fixture, 6 * HOUR_MS + 2 * HOUR_MS);
    const later = await scheduledPost(fixture, 30 * DAY_MS);

    // The brand's usual: one negative message an hour.
    for (let hour = 0; hour < 6; hour += 1) {
      await tellMonitor(brandId);
      await harness.env.sleep(HOUR_MS);
    }
    const usual = await monitorWhen(brandId, (state) => state.recentMessageIds.length === 6);
    expect(usual.status).toBe('watching');

    // Three angry customers within minutes: three times the usual, through their conversations.
    const conversations = [conversationOf(fixture), conversationOf(fixture), conversationOf(fixture)];
    const angry = [];
    for (const conversation of conversations) {
      angry.push(
        await writeAsCustomer(harness, conversation, { text: 'This is terrible, I hate it! Awful, horrible service.' }),
      );
    }
    const declared = await monitorWhen(
      brandId,
      (state) => state.status === 'in_crisis' && state.posts?.status !== 'signalling',
    );
    expect(declared.crisis).toMatchObject({ declaredHow: 'automatic', declaredBy: 'system', status: 'active' });
    expect(declared.crisis?.detection?.reading).toMatchObject({ count: 3, threshold: 3 });

    for (const post of [soon, later]) {
      const state = await stateWhen(post.handle, (candidate) => crisisHolds(candidate).length === 1);
      expect(crisisHolds(state)).toEqual([expect.objectContaining({ by: 'system' })]);
      expect(state.paused).toBe(true);
    }
    const row = await harness.db('brand_crises').where({ brand_id: brandId }).first();
    expect(row).toMatchObject({ status: 'active', declared_how: 'automatic', declared_by: 'system' });
    const notified = await harness.db('notifications').where({ brand_id: brandId, kind: 'crisis_declared' });
    expect(notified).toHaveLength(1);
    expect(notified[0].payload.userIds).toEqual([fixture.team.manager.userId]);

    // The first post's publish time passes while the crisis holds it: nothing is published.
    await harness.env.sleep(3 * HOUR_MS);
    expect((await stateWhen(soon.handle, () => true)).stage).toBe('scheduled');
    expect(await harness.db('sandbox_publications').where({ post_id: soon.postId })).toHaveLength(0);

    const ended = await monitorOf(brandId).executeUpdate(endCrisis, {
      args: [{ by: fixture.team.manager, reason: 'the outage is fixed and explained' }],
    });
    expect(ended.status).toBe('watching');
    const reviewed = await stateWhen(soon.handle, (state) =>
      state.holds.some((hold) => hold.source === 'passed_publish_time'),
    );
    expect(reviewed.holds.map((hold) => hold.source)).toEqual(['passed_publish_time']);
    expect(reviewed.stage).toBe('scheduled');
    const released = await stateWhen(later.handle, (state) => state.holds.length === 0);
    expect(released).toMatchObject({ stage: 'scheduled', paused: false });
    expect(await harness.db('sandbox_publications').where({ post_id: soon.postId })).toHaveLength(0);
    expect(await harness.db('brand_crises').where({ brand_id: brandId }).first()).toMatchObject({
      status: 'ended',
      ended_by: fixture.team.manager.userId,
      end_reason: 'the outage is fixed and explained',
    });
    const actions = await harness
      .db('audit_log')
      .where({ entity: `crisis:${brandId}` })
      .orderBy('sequence');
    expect(actions.map((entry: { action: string }) => entry.action)).toEqual(['crisis_declared', 'crisis_ended']);
    await recordHistoryIfAsked(monitorOf(brandId), 'crisis-declared-automatically-then-ended');
    await recordHistoryIfAsked(angry[0], 'thread-negative-message-told-to-crisis-monitor');
  });

  it('publishes a post whose publish time passed during the crisis when the brand’s policy says publish', async () => {
    const fixture = await brandWithTeam(harness);
    await setPolicy(fixture.brand.id, { passedPublishTime: 'publish' });
    const post = await scheduledPost(fixture, 2 * HOUR_MS);
    await declareByHand(fixture, 'supplier scandal');
    await stateWhen(post.handle, (state) => crisisHolds(state).length === 1);
    await harness.env.sleep(3 * HOUR_MS);
    expect((await stateWhen(post.handle, () => true)).stage).toBe('scheduled');

    await monitorOf(fixture.brand.id).executeUpdate(endCrisis, {
      args: [{ by: fixture.team.admin, reason: 'resolved with the supplier' }],
    });
    const published = await stateWhen(post.handle, (state) => state.stage !== 'scheduled');
    expect(published.holds).toEqual([]);
    expect(['publishing', 'published', 'tracking']).toContain(published.stage);
  });

  it('waits for a manager to confirm when the policy says so', async () => {
    const fixture = await brandWithTeam(harness);
    const brandId = fixture.brand.id;
    await setPolicy(brandId, { threshold: { kind: 'count', count: 2 }, minimumVolume: 2, declare: 'confirm' });
    await tellMonitor(brandId);
    await tellMonitor(brandId);
    const alerted = await monitorWhen(brandId, (state) => state.status === 'awaiting_confirmation');
    expect(alerted.crisis).toMatchObject({ status: 'awaiting_confirmation', declaredBy: null });
    expect(await harness.db('notifications').where({ brand_id: brandId, kind: 'crisis_alert' })).toHaveLength(1);

    const agent = { userId: fixture.team.agent.userId, roles: fixture.team.agent.roles };
    expect(
      await refusal(monitorOf(brandId).executeUpdate(endCrisis, { args: [{ by: agent, reason: 'no' }] })),
    ).toMatchObject({
      type: 'Forbidden',
    });
    const confirmed = await declareByHand(fixture, 'confirmed after reading the thread');
    expect(confirmed.status).toBe('in_crisis');
    const state = await monitorWhen(brandId, () => true);
    expect(state.crisis).toMatchObject({ declaredHow: 'confirmed', declaredBy: fixture.team.manager.userId });
    expect(await refusal(declareByHand(fixture, 'again'))).toMatchObject({ type: 'InvalidTransition' });
  });

  it('counts a message told twice once, and carries its window through continue-as-new', async () => {
    const fixture = await brandWithTeam(harness);
    const brandId = fixture.brand.id;
    await harness.env.client.workflow.start(CRISIS_WORKFLOW_TYPE, {
      workflowId: crisisWorkflowId(brandId),
      taskQueue: harness.taskQueue,
      args: [{ brandId, changesPerRun: 3 }],
    });
    const at = new Date(await serverNow(harness)).toISOString();
    for (const messageId of ['m1', 'm2', 'm2', 'm3', 'm4']) {
      await monitorOf(brandId).signal(crisisMessage, { messageId, threadId: 't', at });
    }
    const state = await monitorWhen(brandId, (candidate) => candidate.recentMessageIds.length === 4);
    expect(state.lastReading?.count).toBe(4);
    const history = await monitorOf(brandId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    expect(started?.continuedExecutionRunId).toEqual(expect.any(String));
  });
});

describe('replies during a crisis', () => {
  it('a reply written during a crisis waits for a lead; the lead’s approval sends it, a rejection never does', async () => {
    const fixture = await brandWithTeam(harness);
    const input = conversationOf(fixture);
    const handle = await writeAsCustomer(harness, input, { text: 'Where is my order?' });
    await threadStateWhen(handle, (state) => state.messages.length === 1);
    await declareByHand(fixture, 'product recall');

    const agent = { userId: fixture.team.agent.userId, roles: fixture.team.agent.roles };
    const lead = { userId: fixture.team.lead.userId, roles: fixture.team.lead.roles };
    const held = await handle.executeUpdate(replyToThread, { args: [{ by: agent, text: 'It ships tomorrow.' }] });
    expect(held.pendingApproval).toEqual({ replyId: expect.any(String), crisisId: expect.any(String) });
    expect(held.messageId).toBeUndefined();
    const waiting: ThreadState = await threadStateWhen(handle, (state) => (state.pendingReplies ?? []).length === 1);
    expect(waiting.sla.running.map((clock) => clock.kind)).toContain('first_response');
    expect(await harness.db('sandbox_replies').where({ thread_external_id: input.externalThreadId })).toHaveLength(0);
    const projected = await harness.db('threads').where({ id: waiting.threadId }).first();
    expect(projected.pending_approvals).toBe(1);

    const replyId = held.pendingApproval!.replyId;
    expect(await refusal(handle.executeUpdate(approveThreadReply, { args: [{ by: agent, replyId }] }))).toMatchObject({
      type: 'Forbidden',
    });
    const sent = await handle.executeUpdate(approveThreadReply, { args: [{ by: lead, replyId }] });
    expect(sent.messageId).toEqual(expect.any(String));
    const replies = await harness.db('sandbox_replies').where({ thread_external_id: input.externalThreadId });
    expect(replies).toHaveLength(1);
    expect(replies[0].text).toBe('It ships tomorrow.');
    const answered = await threadStateWhen(handle, (state) => (state.pendingReplies ?? []).length === 0);
    expect(answered.messages.at(-1)).toMatchObject({ direction: 'outbound', sentBy: agent.userId });

    const second = await handle.executeUpdate(replyToThread, { args: [{ by: agent, text: 'We are very sorry!!' }] });
    await handle.executeUpdate(rejectThreadReply, {
      args: [{ by: lead, replyId: second.pendingApproval!.replyId, reason: 'not the tone for a recall' }],
    });
    expect(await harness.db('sandbox_replies').where({ thread_external_id: input.externalThreadId })).toHaveLength(1);
    const audit = await harness
      .db('audit_log')
      .where({ entity: `thread:${waiting.threadId}` })
      .orderBy('sequence');
    const actions = audit.map((entry: { action: string; actor_id: string; detail: Record<string, unknown> }) => ({
      action: entry.action,
      actor: entry.actor_id,
      approvedBy: entry.detail.approvedBy,
      reason: entry.detail.reason,
    }));
    expect(actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'reply_held_for_approval', actor: agent.userId }),
        expect.objectContaining({ action: 'reply_approved', actor: lead.userId }),
        expect.objectContaining({ action: 'replied', actor: agent.userId, approvedBy: lead.userId }),
        expect.objectContaining({ action: 'reply_rejected', actor: lead.userId, reason: 'not the tone for a recall' }),
      ]),
    );
    await recordHistoryIfAsked(handle, 'thread-replies-held-during-crisis');
  });

  it('an approved reply the platform refuses waits for approval again', async () => {
    const fixture = await brandWithTeam(harness);
    const input = conversationOf(fixture);
    const handle = await writeAsCustomer(harness, input, { text: 'Hello?' });
    await threadStateWhen(handle, (state) => state.messages.length === 1);
    await declareByHand(fixture, 'outage');
    const agent = { userId: fixture.team.agent.userId, roles: fixture.team.agent.roles };
    const held = await handle.executeUpdate(replyToThread, { args: [{ by: agent, text: 'We are on it.' }] });
    await harness.db('accounts').where({ id: input.accountId }).update({ status: 'revoked' });

    const replyId = held.pendingApproval!.replyId;
    const refused = await refusal(
      handle.executeUpdate(approveThreadReply, { args: [{ by: fixture.team.lead, replyId }] }),
    );
    expect(refused).toMatchObject({ type: 'ReplyNotSent' });
    const state = await threadStateWhen(handle, (candidate) => (candidate.pendingReplies ?? []).length === 1);
    expect(state.pendingReplies).toEqual([expect.objectContaining({ replyId, text: 'We are on it.' })]);
    expect(await harness.db('sandbox_replies').where({ thread_external_id: input.externalThreadId })).toHaveLength(0);
  });
});
