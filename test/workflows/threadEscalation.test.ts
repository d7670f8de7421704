/**
 * Queues and the escalation ladder in the conversation workflow (time skipping): a new
 * conversation goes to an agent of its queue, the clocks' warning, breach and ladder notify the
 * assignee and the lead through the signed webhook and finally hand the conversation to the lead,
 * and an agent may escalate by hand.
 */
import { createThreadQueueStore } from '../../db/threadQueues';
import type { ThreadQueue } from '../../domain/queueAssignment';
import type { Actor } from '../../domain/types';
import {
  assignThread,
  escalateThread,
  getThreadState,
  resolveThread,
  type ThreadLifecycleInput,
  type ThreadState,
} from '../../workflows/thread/messages';
import { conversationOf, stateWhen, writeAsCustomer } from './threadDriver';
import { insertBrandFixture, insertUser, type BrandFixture } from '../helpers/db';
import { startWebhookReceiver, WEBHOOK_SECRET, type WebhookReceiver } from '../helpers/webhookReceiver';
import { HOUR_MS, recordHistoryIfAsked, refusal, startPostHarness, type PostHarness } from './postHarness';

const MINUTE_MS = 60_000;
/** Where triage sends a customer's question about an order. */
const SUPPORT_QUEUE = 'customer_care';

let harness: PostHarness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => 204);
  harness = await startPostHarness({ webhook: { url: receiver.url, secret: WEBHOOK_SECRET } });
});

afterAll(async () => {
  await harness?.teardown();
  await receiver?.close();
});

interface Team {
  fixture: BrandFixture;
  agents: string[];
  leadId: string;
}

/** A brand whose support queue has two agents and a lead (or none). */
async function teamWith(queue: Partial<Omit<ThreadQueue, 'members'>> & { capacity?: number } = {}): Promise<Team> {
  const fixture = await insertBrandFixture(harness.db, { platforms: ['x'] });
  const agents = [fixture.users.agent.user.id];
  agents.push((await insertUser(harness.db, { roles: ['agent'], brandId: fixture.brand.id })).user.id);
  const leadId = fixture.users.lead.user.id;
  await createThreadQueueStore(harness.db).replaceForBrand({
    brandId: fixture.brand.id,
    queues: [
      {
        name: SUPPORT_QUEUE,
        strategy: queue.strategy ?? 'round_robin',
        leadId: queue.leadId === undefined ? leadId : queue.leadId,
        members: agents.map((userId) => ({ userId, capacity: queue.capacity ?? 5 })),
      },
    ],
  });
  return { fixture, agents, leadId };
}

const conversation = (team: Team): ThreadLifecycleInput => conversationOf(team.fixture);

const customerWrites = (input: ThreadLifecycleInput) =>
  writeAsCustomer(harness, input, { text: 'Where is my order? It was due on Monday.' });

const received = (state: ThreadState) => state.messages.some((message) => message.direction === 'inbound');

async function auditOf(
  threadId: string,
): Promise<{ action: string; actor_id: string; detail: Record<string, unknown> }[]> {
  return harness
    .db('audit_log')
    .where({ entity: `thread:${threadId}` })
    .orderBy('sequence');
}

async function notificationsOf(
  threadId: string,
): Promise<{ kind: string; userIds: string[]; step: unknown; delivered: boolean }[]> {
  const rows: { kind: string; payload: { userIds: string[]; data?: { step?: unknown } }; delivered_at: Date | null }[] =
    await harness.db('notifications').whereRaw(`payload->>'threadId' = ?`, [threadId]).orderBy('position');
  return rows.map((row) => ({
    kind: row.kind,
    userIds: row.payload.userIds,
    step: row.payload.data?.step,
    delivered: row.delivered_at !== null,
  }));
}

const as = (userId: string, role: Actor['roles'][number]): Actor => ({ userId, roles: [role] });

describe('assignment from the queue', () => {
  it('assigns a new conversation to the next agent of its queue, recorded as done by the system', async () => {
    const team = await teamWith();
    const first = await stateWhen(await customerWrites(conversation(team)), (state) => state.assigneeId !== null);
    const second = await stateWhen(await customerWrites(conversation(team)), (state) => state.assigneeId !== null);
    expect([first.assigneeId, second.assigneeId]).toEqual(team.agents);
    expect(first.queue).toBe(SUPPORT_QUEUE);

    const audit = await auditOf(first.threadId);
    expect(audit.map((row) => row.action)).toEqual(['message_received', 'assigned']);
    expect(audit[1]).toMatchObject({ actor_id: 'system', detail: { from: null, to: team.agents[0] } });
    const projected = await harness.db('threads').where({ id: first.threadId }).first();
    expect(projected.assignee_id).toBe(team.agents[0]);
  });

  it('leaves the conversation waiting unassigned in its queue when every agent is at capacity', async () => {
    const team = await teamWith({ capacity: 0 });
    const handle = await customerWrites(conversation(team));
    const state = await stateWhen(handle, received);
    // The queue was asked, and answered that nobody has room.
    const giveUpAt = Date.now() + 15_000;
    const choices = () => harness.db('thread_queue_choices').where({ thread_id: state.threadId });
    while ((await choices()).length === 0) {
      if (Date.now() > giveUpAt) throw new Error('the queue was never asked');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await choices()).toEqual([expect.objectContaining({ assignee_id: null, queue_name: SUPPORT_QUEUE })]);
    const settled = await handle.query(getThreadState);
    expect(settled).toMatchObject({ assigneeId: null, queue: SUPPORT_QUEUE, sequence: state.sequence });
    expect((await auditOf(state.threadId)).map((row) => row.action)).toEqual(['message_received']);
  });

  it('offers a place freed by a resolved conversation to the waiting one due soonest', async () => {
    const team = await teamWith({ capacity: 1 });
    const [first, second] = team.agents as [string, string];
    const held = await customerWrites(conversation(team));
    await stateWhen(held, (state) => state.assigneeId === first);
    await stateWhen(await customerWrites(conversation(team)), (state) => state.assigneeId === second);
    // Everyone is at capacity: the next two wait in the queue, the earlier one due sooner.
    const waiting = await customerWrites(conversation(team));
    const waited = await stateWhen(waiting, received);
    await harness.env.sleep(MINUTE_MS);
    const later = await customerWrites(conversation(team));
    await stateWhen(later, received);
    const queued = () => harness.db('threads').where({ brand_id: team.fixture.brand.id }).whereNull('assignee_id');
    const giveUpAt = Date.now() + 15_000;
    while ((await queued()).length < 2 && Date.now() < giveUpAt) await new Promise((r) => setTimeout(r, 50));
    expect((await waiting.query(getThreadState)).assigneeId).toBeNull();

    await held.executeUpdate(resolveThread, { args: [{ by: as(first, 'agent'), reason: 'Parcel found' }] });

    const assigned = await stateWhen(waiting, (state) => state.assigneeId !== null);
    expect(assigned.assigneeId).toBe(first);
    const audit = await auditOf(waited.threadId);
    expect(audit.map((row) => [row.action, row.actor_id])).toEqual([
      ['message_received', 'customer-1'],
      ['assigned', 'system'],
    ]);
    expect(audit[1].detail).toMatchObject({ from: null, to: first, by: 'queue' });
    // One place freed, one conversation placed: the later one still waits.
    expect((await later.query(getThreadState)).assigneeId).toBeNull();
    await recordHistoryIfAsked(held, 'thread-queue-place-offered');
    await recordHistoryIfAsked(waiting, 'thread-queue-place-taken');
  });

  it('gives a conversation returned to the queue to the next agent in turn', async () => {
    const team = await teamWith();
    const handle = await customerWrites(conversation(team));
    await stateWhen(handle, (state) => state.assigneeId === team.agents[0]);
    await handle.executeUpdate(assignThread, { args: [{ by: as(team.agents[0], 'agent'), assigneeId: null }] });
    const state = await handle.query(getThreadState);
    expect(state.assigneeId).toBe(team.agents[1]);
    const audit = await auditOf(state.threadId);
    expect(audit.slice(-2).map((row) => [row.action, row.actor_id])).toEqual([
      ['assigned', team.agents[0]],
      ['assigned', 'system'],
    ]);
  });
});

describe('the escalation ladder', () => {
  it('warns the assignee, tells the lead of the breach, then reassigns to the lead', async () => {
    const team = await teamWith();
    const [agent] = team.agents as [string];
    const handle = await customerWrites(conversation(team));
    const assigned = await stateWhen(handle, (state) => state.assigneeId === agent);
    const clock = assigned.sla.running.find((running) => running.kind === 'first_response')!;
    const startedAt = Date.parse(clock.startedAt);

    // Normal priority: 240 minutes to the first response, warned at 75 %, reassigned 30 minutes after the breach.
    await harness.env.sleep(4 * HOUR_MS + MINUTE_MS);
    const breached = await stateWhen(handle, (state) => state.sla.running.some((c) => c.breachedAt !== null));
    expect(breached.sla.running.find((c) => c.id === clock.id)?.breachedAt).not.toBeNull();
    expect(breached.assigneeId).toBe(agent);
    await harness.env.sleep(30 * MINUTE_MS);
    const reassigned = await stateWhen(handle, (state) => state.assigneeId === team.leadId);
    expect(reassigned.assigneeId).toBe(team.leadId);

    const notifications = await notificationsOf(reassigned.threadId);
    expect(notifications.map(({ kind, userIds, step }) => ({ kind, userIds, step }))).toEqual([
      { kind: 'sla_warning', userIds: [agent], step: 'warning' },
      { kind: 'sla_breached', userIds: [team.leadId, agent], step: 'breach' },
      { kind: 'thread_reassigned', userIds: [team.leadId, agent], step: 'escalation:reassign_to_team_lead' },
    ]);
    expect(notifications.every((notification) => notification.delivered)).toBe(true);
    const delivered = receiver.received.filter((request) => request.notificationId.includes(reassigned.threadId));
    expect(delivered).toHaveLength(3);
    expect(JSON.parse(delivered[0].body)).toMatchObject({
      kind: 'sla_warning',
      userIds: [agent],
      data: { threadId: reassigned.threadId, clock: 'first_response' },
    });

    const events: { event: string; at: Date; detail: Record<string, unknown> }[] = await harness
      .db('sla_events')
      .where({ thread_id: reassigned.threadId, clock_id: clock.id })
      .orderBy('id');
    expect(events.map((event) => [event.event, event.at.toISOString()])).toEqual([
      ['warning', new Date(startedAt + 180 * MINUTE_MS).toISOString()],
      ['escalation:warn_assignee', new Date(startedAt + 180 * MINUTE_MS).toISOString()],
      ['breach', new Date(startedAt + 240 * MINUTE_MS).toISOString()],
      ['escalation:notify_team_lead', new Date(startedAt + 240 * MINUTE_MS).toISOString()],
      ['escalation:reassign_to_team_lead', new Date(startedAt + 270 * MINUTE_MS).toISOString()],
    ]);
    expect(events.at(-1)!.detail).toMatchObject({ from: agent, to: team.leadId });
    const audit = await auditOf(reassigned.threadId);
    expect(audit.at(-1)).toMatchObject({
      action: 'sla_deadline_reached',
      actor_id: 'system',
      detail: { reassigned: { from: agent, to: team.leadId } },
    });
    expect((await harness.db('threads').where({ id: reassigned.threadId }).first()).assignee_id).toBe(team.leadId);
    await recordHistoryIfAsked(handle, 'thread-escalation-ladder');
  });
  it('keeps the conversation with its agent when the queue has no lead, telling the agent alone', async () => {
    const team = await teamWith({ leadId: null });
    const [agent] = team.agents as [string];
    const handle = await customerWrites(conversation(team));
    const assigned = await stateWhen(handle, (state) => state.assigneeId === agent);
    const clock = assigned.sla.running.find((running) => running.kind === 'first_response')!;

    await harness.env.sleep(5 * HOUR_MS);
    const giveUpAt = Date.now() + 15_000;
    const reached = async () =>
      harness.db('sla_events').where({ thread_id: assigned.threadId, event: 'escalation:reassign_to_team_lead' });
    while ((await reached()).length === 0) {
      if (Date.now() > giveUpAt) throw new Error('the last step of the ladder was never reached');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const state = await handle.query(getThreadState);
    expect(state.assigneeId).toBe(agent);
    expect((await reached())[0]).toMatchObject({ clock_id: clock.id, detail: { action: 'reassign_to_team_lead' } });
    expect((await notificationsOf(state.threadId)).map(({ kind, userIds }) => ({ kind, userIds }))).toEqual([
      { kind: 'sla_warning', userIds: [agent] },
      { kind: 'sla_breached', userIds: [agent] },
    ]);
  });
});

describe('escalating by hand', () => {
  it("hands the conversation to its queue's lead, records why and notifies the lead", async () => {
    const team = await teamWith();
    const handle = await customerWrites(conversation(team));
    await stateWhen(handle, (state) => state.assigneeId === team.agents[0]);
    await handle.executeUpdate(escalateThread, {
      args: [{ by: as(team.agents[0], 'agent'), reason: 'Asks for a refund above my limit' }],
    });
    const state = await handle.query(getThreadState);
    expect(state.assigneeId).toBe(team.leadId);
    expect((await auditOf(state.threadId)).at(-1)).toMatchObject({
      action: 'escalated',
      actor_id: team.agents[0],
      detail: { reason: 'Asks for a refund above my limit', from: team.agents[0], to: team.leadId },
    });
    expect(await notificationsOf(state.threadId)).toEqual([
      { kind: 'thread_escalated', userIds: [team.leadId], step: undefined, delivered: true },
    ]);
    await recordHistoryIfAsked(handle, 'thread-escalated-by-hand');
  });

  it('refuses a viewer, and a queue without a lead, changing nothing', async () => {
    const team = await teamWith({ leadId: null });
    const handle = await customerWrites(conversation(team));
    const before = await stateWhen(handle, (state) => state.assigneeId !== null);
    expect(
      await refusal(handle.executeUpdate(escalateThread, { args: [{ by: as('vic', 'viewer'), reason: 'Looks bad' }] })),
    ).toEqual({ type: 'Forbidden', message: 'escalating requires one of: agent, lead, manager, admin' });
    expect(
      await refusal(
        handle.executeUpdate(escalateThread, { args: [{ by: as(team.agents[0], 'agent'), reason: 'Need help' }] }),
      ),
    ).toEqual({ type: 'InvalidTransition', message: 'queue customer_care has no lead to escalate to' });
    const after = await handle.query(getThreadState);
    expect({ assigneeId: after.assigneeId, sequence: after.sequence }).toEqual({
      assigneeId: before.assigneeId,
      sequence: before.sequence,
    });
  });
});
