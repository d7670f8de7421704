import type { WorkflowHandle } from '@temporalio/client';
import type { Actor } from '../../domain/types';
import { slaPolicyWithDefaults, type SlaPolicyOverrides } from '../../domain/sla';
import { DEFAULT_THREAD_SETTINGS, type ThreadSettings } from '../../domain/threadSettings';
import type { TriageRule } from '../../domain/triage';
import {
  addThreadNote,
  getThreadState,
  inboundMessage,
  replyToThread,
  resolveThread,
  setThreadPending,
  threadWorkflowId,
  type InboundMessageSignal,
  type ThreadLifecycleInput,
  type ThreadState,
} from '../../workflows/thread/messages';
import { conversationOf, stateWhen as stateWhenWithin, writeAsCustomer } from './threadDriver';
import { insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { DAY_MS, HOUR_MS, recordHistoryIfAsked, startPostHarness, type PostHarness } from './postHarness';

const MINUTE_MS = 60_000;

let harness: PostHarness;
let fixture: BrandFixture;

beforeAll(async () => {
  harness = await startPostHarness();
  fixture = await insertBrandFixture(harness.db, { platforms: ['x'] });
});

afterAll(async () => {
  await harness.teardown();
});

function agent(): Actor {
  return { userId: fixture.users.agent.user.id, roles: ['agent'] };
}

function settings({ policy = {}, rules = [] }: { policy?: SlaPolicyOverrides; rules?: TriageRule[] } = {}) {
  const chosen: ThreadSettings = {
    ...DEFAULT_THREAD_SETTINGS,
    slaPolicy: slaPolicyWithDefaults({ overrides: policy }),
    triageRules: { ...DEFAULT_THREAD_SETTINGS.triageRules, rules },
  };
  return chosen;
}

const conversation = (extra: Partial<ThreadLifecycleInput> = {}): ThreadLifecycleInput =>
  conversationOf(fixture, extra);

const customerWrites = (input: ThreadLifecycleInput, message: Partial<InboundMessageSignal> = {}) =>
  writeAsCustomer(harness, input, { text: 'Any update on my order?', ...message });

const stateWhen = (handle: WorkflowHandle, ready: (state: ThreadState) => boolean) =>
  stateWhenWithin(handle, ready, { waitMs: 20_000 });

async function slaEvents(threadId: string): Promise<{ clockId: string; event: string; kind: string; at: string }[]> {
  const rows: { clock_id: string; event: string; kind: string; at: Date }[] = await harness
    .db('sla_events')
    .where({ thread_id: threadId })
    .orderBy([{ column: 'at' }, { column: 'id' }]);
  return rows.map((row) => ({ clockId: row.clock_id, event: row.event, kind: row.kind, at: row.at.toISOString() }));
}

const reply = (handle: WorkflowHandle, text = 'Looking into it now.') =>
  handle.executeUpdate(replyToThread, { args: [{ by: agent(), text }] });

describe('next response', () => {
  it('is judged from the oldest unanswered message, and each miss is recorded', async () => {
    const input = conversation();
    const handle = await customerWrites(input);
    await stateWhen(handle, (state) => state.status === 'open');
    await reply(handle);

    const second = await customerWrites(input, { text: 'Thanks, and the invoice?' }).then(() =>
      stateWhen(handle, (state) => state.sla.running.some((clock) => clock.kind === 'next_response')),
    );
    const oldestAt = Date.parse(second.sla.running.find((clock) => clock.kind === 'next_response')!.startedAt);
    await harness.env.sleep(HOUR_MS);
    await customerWrites(input, { text: 'Hello?' });
    // Normal priority: 8 hours to the next response, counted from the oldest unanswered message.
    await harness.env.sleep(8 * HOUR_MS);
    await stateWhen(handle, (state) => state.sla.running.some((clock) => clock.breachedAt !== null));
    await reply(handle, 'Sorry for the wait: here is the invoice.');

    await customerWrites(input, { text: 'It shows the wrong address.' });
    await harness.env.sleep(9 * HOUR_MS);
    await stateWhen(handle, (state) => state.sla.running.some((clock) => clock.breachedAt !== null));
    await reply(handle, 'Fixed, a corrected invoice is attached.');

    const state = await handle.query(getThreadState);
    const nextResponses = state.sla.finished.filter((clock) => clock.kind === 'next_response');
    expect(nextResponses.map((clock) => clock.outcome)).toEqual(['breached', 'breached']);
    expect(nextResponses[0]?.customerMessageIds).toHaveLength(2);
    expect(nextResponses[0]?.breachedAt).toBe(new Date(oldestAt + 8 * HOUR_MS).toISOString());
    const misses = (await slaEvents(state.threadId)).filter((e) => e.kind === 'next_response' && e.event === 'breach');
    expect(misses).toHaveLength(2);
    expect(misses[0]?.at).toBe(new Date(oldestAt + 8 * HOUR_MS).toISOString());

    const breachedThreads = await listWorkflowIds(
      `WorkflowId = '${threadWorkflowId(state.threadId)}' AND SlaBreached = true AND ThreadStatus = 'open'`,
    );
    expect(breachedThreads).toEqual([threadWorkflowId(state.threadId)]);
  });
});

async function listWorkflowIds(query: string): Promise<string[]> {
  const giveUpAt = Date.now() + 10_000;
  for (;;) {
    const ids: string[] = [];
    for await (const execution of harness.env.client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length > 0 || Date.now() > giveUpAt) return ids;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('pending', () => {
  it('pauses the resolution clock until the customer writes again', async () => {
    const input = conversation();
    const handle = await customerWrites(input);
    await stateWhen(handle, (state) => state.status === 'open');
    await reply(handle, 'Could you send us your order number?');
    await handle.executeUpdate(setThreadPending, { args: [{ by: agent() }] });

    // Far past the 40-hour resolution target, but the customer has the ball.
    await harness.env.sleep(5 * DAY_MS);
    const paused = await handle.query(getThreadState);
    const pausedClock = paused.sla.running.find((clock) => clock.kind === 'resolution')!;
    expect(paused.status).toBe('pending');
    expect(pausedClock).toMatchObject({ dueAt: null, breachedAt: null });
    expect(pausedClock.pausedAt).not.toBeNull();

    await customerWrites(input, { text: 'It is 12345.' });
    const resumed = await stateWhen(handle, (state) => state.status === 'open');
    const clock = resumed.sla.running.find((candidate) => candidate.kind === 'resolution')!;
    expect(clock.pausedAt).toBeNull();
    expect(clock.pausedCalendarMinutes).toBeCloseTo((5 * DAY_MS) / MINUTE_MS, 0);
    // The minutes used before the pause still count: due 40 hours of counting after the start.
    const countedBefore = clock.consumedCalendarMinutes;
    expect(Date.parse(clock.dueAt!)).toBe(Date.parse(clock.countingFrom) + (40 * 60 - countedBefore) * MINUTE_MS);
    expect((await slaEvents(resumed.threadId)).map((event) => event.event)).not.toContain('breach');
  });
});

describe('resolve and reopen', () => {
  const shortWindow = () => settings({ policy: { reopenWindowMinutes: 60 } });

  it('continues the same cycle when the customer writes within the reopen window', async () => {
    const input = conversation({ settings: shortWindow() });
    const handle = await customerWrites(input);
    await stateWhen(handle, (state) => state.status === 'open');
    await reply(handle, 'Your parcel is at the depot.');
    await handle.executeUpdate(resolveThread, { args: [{ by: agent(), reason: 'Parcel located' }] });
    const resolved = await handle.query(getThreadState);
    expect(resolved.closure).toMatchObject({ outcome: 'resolved', reason: 'Parcel located', by: agent().userId });

    await harness.env.sleep(30 * MINUTE_MS);
    await customerWrites(input, { text: 'It is not there.' });
    const state = await stateWhen(handle, (current) => current.status === 'open');
    expect(state.sla.cycle).toBe(1);
    expect(state.closure).toBeNull();
    expect(state.sla.running.map((clock) => [clock.kind, clock.cycle]).sort()).toEqual([
      ['next_response', 1],
      ['resolution', 1],
    ]);
    const projected = await harness.db('threads').where({ id: state.threadId }).first();
    expect(projected).toMatchObject({ status: 'open', cycle: 1 });
  });

  it('starts a new cycle, with a new first response clock, after the reopen window', async () => {
    const input = conversation({ settings: shortWindow() });
    const handle = await customerWrites(input);
    await stateWhen(handle, (state) => state.status === 'open');
    await reply(handle, 'Refund issued.');
    await handle.executeUpdate(resolveThread, { args: [{ by: agent(), reason: 'Refunded' }] });

    await harness.env.sleep(2 * HOUR_MS);
    await customerWrites(input, { text: 'Another question about a new order.' });
    const state = await stateWhen(handle, (current) => current.status === 'open');
    expect(state.sla.cycle).toBe(2);
    expect(state.sla.running.map((clock) => [clock.kind, clock.cycle]).sort()).toEqual([
      ['first_response', 2],
      ['resolution', 2],
    ]);
    await stateWhen(handle, (current) => current.sequence >= state.sequence);
    const projected = await harness.db('threads').where({ id: state.threadId }).first();
    expect(projected).toMatchObject({ status: 'open', cycle: 2 });
    const clocks: { kind: string; cycle: number; status: string }[] = await harness
      .db('sla_clocks')
      .where({ thread_id: state.threadId })
      .orderBy('started_at');
    expect(clocks.map((clock) => [clock.kind, clock.cycle, clock.status]).sort()).toEqual([
      ['first_response', 1, 'met'],
      ['first_response', 2, 'running'],
      ['resolution', 1, 'met'],
      ['resolution', 2, 'running'],
    ]);
    await recordHistoryIfAsked(handle, 'thread-reopened-in-new-cycle');
  });
});

describe('inactivity', () => {
  const quickClose = () => settings({ policy: { inactivityCloseMinutes: 120 } });

  it('closes a conversation nobody touches, as the system, and the customer can open it again', async () => {
    const input = conversation({ settings: quickClose() });
    const handle = await customerWrites(input);
    const opened = await stateWhen(handle, (state) => state.status === 'open');
    await harness.env.sleep(60 * MINUTE_MS);
    // A note is activity: the limit counts from it.
    await handle.executeUpdate(addThreadNote, { args: [{ by: agent(), text: 'Asking the warehouse.' }] });
    await harness.env.sleep(90 * MINUTE_MS);
    expect((await handle.query(getThreadState)).status).toBe('open');

    await harness.env.sleep(31 * MINUTE_MS);
    const closed = await stateWhen(handle, (state) => state.status === 'closed');
    expect(closed.status).toBe('closed');
    expect(closed.closure).toMatchObject({ outcome: 'closed_inactive', by: 'system' });
    expect(closed.sla.running).toEqual([]);
    expect(closed.sla.finished.map((clock) => [clock.kind, clock.outcome, clock.endedBy]).sort()).toEqual([
      ['first_response', 'closed_unanswered', 'inactivity'],
      ['resolution', 'closed_unanswered', 'inactivity'],
    ]);
    const audit = await harness.db('audit_log').where({ entity: `thread:${opened.threadId}`, action: 'closed' });
    expect(audit).toEqual([expect.objectContaining({ actor_id: 'system', to_stage: 'closed' })]);
    expect(
      await listWorkflowIds(`WorkflowId = '${threadWorkflowId(opened.threadId)}' AND ThreadStatus = 'closed'`),
    ).toEqual([threadWorkflowId(opened.threadId)]);

    await customerWrites(input, { text: 'Still waiting.' });
    const reopened = await stateWhen(handle, (state) => state.status === 'open');
    expect(reopened.sla.cycle).toBe(2);
    expect(reopened.sla.running.map((clock) => clock.kind).sort()).toEqual(['first_response', 'resolution']);
    await recordHistoryIfAsked(handle, 'thread-closed-inactive-then-reopened');
  });

  it('keeps a resolved conversation resolved through a reopen window longer than the limit', async () => {
    const input = conversation({
      settings: settings({ policy: { inactivityCloseMinutes: 120, reopenWindowMinutes: 600 } }),
    });
    const handle = await customerWrites(input);
    await stateWhen(handle, (state) => state.status === 'open');
    await reply(handle, 'Refund issued.');
    await handle.executeUpdate(resolveThread, { args: [{ by: agent(), reason: 'Refunded' }] });

    await harness.env.sleep(5 * HOUR_MS);
    expect((await handle.query(getThreadState)).status).toBe('resolved');
    await customerWrites(input, { text: 'The refund has not arrived.' });
    const reopened = await stateWhen(handle, (state) => state.status === 'open');
    expect(reopened.sla.cycle).toBe(1);

    await reply(handle, 'It is on its way.');
    await handle.executeUpdate(resolveThread, { args: [{ by: agent(), reason: 'Refund on its way' }] });
    await harness.env.sleep(601 * MINUTE_MS);
    const closed = await stateWhen(handle, (state) => state.status === 'closed');
    expect(closed.closure).toMatchObject({ outcome: 'closed_inactive', by: 'system' });
  });

  it('closes a pending conversation whose customer never answers', async () => {
    const input = conversation({ settings: quickClose() });
    const handle = await customerWrites(input);
    await stateWhen(handle, (state) => state.status === 'open');
    await reply(handle, 'Which size did you order?');
    await handle.executeUpdate(setThreadPending, { args: [{ by: agent() }] });
    await harness.env.sleep(121 * MINUTE_MS);
    const state = await stateWhen(handle, (current) => current.status === 'closed');
    expect(state.status).toBe('closed');
    expect(state.sla.finished.find((clock) => clock.kind === 'resolution')).toMatchObject({
      outcome: 'closed_unanswered',
      endedBy: 'inactivity',
    });
  });
});

describe('spam', () => {
  const spamRule: TriageRule = {
    id: 'free-crypto',
    phrases: ['free crypto'],
    category: 'spam',
    closeWithoutReply: true,
  };

  it('is closed without a reply when its triage rule says so', async () => {
    const input = conversation({ settings: settings({ rules: [spamRule] }) });
    const handle = await customerWrites(input, { text: 'Claim your FREE CRYPTO today' });
    const state = await stateWhen(handle, (current) => current.status === 'closed');
    expect(state).toMatchObject({ status: 'closed', category: 'spam' });
    expect(state.closure).toMatchObject({ outcome: 'closed_without_reply', by: 'system' });
    expect(state.sla.finished.map((clock) => clock.outcome)).toEqual(['closed_without_reply', 'closed_without_reply']);
    const events = await slaEvents(state.threadId);
    expect(events.map((event) => event.event)).toEqual(['closed_without_reply', 'closed_without_reply']);
    expect(await harness.db('sandbox_replies').where({ thread_external_id: input.externalThreadId })).toEqual([]);
    const audit = await harness
      .db('audit_log')
      .where({ entity: `thread:${state.threadId}`, action: 'closed_without_reply' });
    expect(audit).toHaveLength(1);
    await recordHistoryIfAsked(handle, 'thread-spam-closed-without-reply');
  });

  it('can be closed without a reply by an agent, and only spam can', async () => {
    const flagOnly: TriageRule = { id: 'promo', phrases: ['promo code'], category: 'spam' };
    const spam = conversation({ settings: settings({ rules: [flagOnly] }) });
    const spamHandle = await customerWrites(spam, { text: 'Use promo code WIN' });
    await stateWhen(spamHandle, (state) => state.status === 'open');
    await spamHandle.executeUpdate(resolveThread, {
      args: [{ by: agent(), reason: 'Promotional bot', closeWithoutReply: true }],
    });
    const closed = await spamHandle.query(getThreadState);
    expect(closed.status).toBe('closed');
    expect(closed.sla.finished.every((clock) => clock.outcome === 'closed_without_reply')).toBe(true);

    const customer = conversation();
    const handle = await customerWrites(customer);
    const before = await stateWhen(handle, (state) => state.status === 'open');
    await expect(
      handle.executeUpdate(resolveThread, { args: [{ by: agent(), reason: 'Not spam', closeWithoutReply: true }] }),
    ).rejects.toMatchObject({
      cause: { type: 'InvalidTransition', message: expect.stringMatching(/only a conversation triaged as spam/) },
    });
    const after = await handle.query(getThreadState);
    expect(after.sequence).toBe(before.sequence);
    expect(after.status).toBe('open');
  });
});

describe('continue-as-new', () => {
  it('keeps every clock and every message through many runs, with signals flooding across the boundaries', async () => {
    const input = conversation({ historyLimits: { changesPerRun: 7, keptMessages: 5, keptMessageIds: 8 } });
    const first = uniqueId('msg');
    const handle = await customerWrites(input, { messageId: first });
    const opened = await stateWhen(handle, (state) => state.status === 'open');
    const due = Object.fromEntries(opened.sla.running.map((clock) => [clock.kind, clock.dueAt]));

    const ids = [first, ...Array.from({ length: 40 }, (_, index) => `${first}-${index}`)];
    const flood = ids.slice(1).map((messageId, index) =>
      handle.signal(inboundMessage, {
        messageId,
        kind: 'dm',
        author: { id: 'customer-1', handle: '@customer' },
        text: `Message number ${index}`,
        sentAt: opened.updatedAt,
      }),
    );
    const notes = [1, 2, 3].map((index) =>
      handle.executeUpdate(addThreadNote, { args: [{ by: agent(), text: `Note ${index}` }] }),
    );
    await Promise.all([...flood, ...notes]);
    // Redelivered long after their ids left the workflow's state: Postgres still knows them.
    await Promise.all(
      ids.slice(0, 5).map((messageId) =>
        handle.signal(inboundMessage, {
          messageId,
          kind: 'dm',
          author: { id: 'customer-1', handle: '@customer' },
          text: 'Delivered again',
          sentAt: opened.updatedAt,
        }),
      ),
    );
    const marker = `${first}-last`;
    await customerWrites(input, { messageId: marker });
    ids.push(marker);

    const state = await stateWhen(
      handle,
      (current) => current.seenMessageIds.includes(marker) && current.notes.length === 3,
    );
    const firstResponse = state.sla.running.find((clock) => clock.kind === 'first_response')!;
    expect([...firstResponse.customerMessageIds].sort()).toEqual([...ids].sort());
    expect(state.sla.unanswered.map((message) => message.messageId).sort()).toEqual([...ids].sort());
    expect(Object.fromEntries(state.sla.running.map((clock) => [clock.kind, clock.dueAt]))).toEqual(due);
    expect(state.messages.length).toBeLessThanOrEqual(5);
    expect(state.seenMessageIds.length).toBeLessThanOrEqual(8);
    expect(state.notes.map((note) => note.text).sort()).toEqual(['Note 1', 'Note 2', 'Note 3']);

    const stored: { external_message_id: string }[] = await harness
      .db('thread_messages')
      .where({ thread_id: state.threadId });
    expect(stored.map((row) => row.external_message_id).sort()).toEqual([...ids].sort());
    const description = await handle.describe();
    expect(description.runId).not.toBe(handle.signaledRunId);

    // The clocks still fire on time in the latest run.
    await harness.env.sleep(4 * HOUR_MS + MINUTE_MS);
    const breached = await stateWhen(handle, (current) =>
      current.sla.running.some((clock) => clock.kind === 'first_response' && clock.breachedAt !== null),
    );
    expect(breached.sla.running.find((clock) => clock.kind === 'first_response')?.breachedAt).toBe(due.first_response);
    await recordHistoryIfAsked(handle, 'thread-continued-as-new');
  });
});
