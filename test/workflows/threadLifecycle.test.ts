import type { WorkerActivities } from '../../activities';
import type { Actor } from '../../domain/types';
import {
  addThreadNote,
  getThreadState,
  replyToThread,
  resolveThread,
  type InboundMessageSignal,
  type ThreadLifecycleInput,
  type ThreadState,
} from '../../workflows/thread/messages';
import { conversationOf, stateWhen, writeAsCustomer } from './threadDriver';
import { insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { HOUR_MS, recordHistoryIfAsked, startPostHarness, type PostHarness } from './postHarness';

const MINUTE_MS = 60_000;

let harness: PostHarness;
let fixture: BrandFixture;
/** The sandbox platform accepted the reply but its answer was lost: the activity is retried. */
let loseNextReplyAnswer = false;

beforeAll(async () => {
  harness = await startPostHarness({
    wrapActivities: (activities): WorkerActivities => ({
      ...activities,
      async sendThreadReply(input) {
        const sent = await activities.sendThreadReply(input);
        if (loseNextReplyAnswer) {
          loseNextReplyAnswer = false;
          throw new Error('connection reset after the platform took the reply');
        }
        return sent;
      },
    }),
  });
  fixture = await insertBrandFixture(harness.db, { platforms: ['x'] });
});

afterAll(async () => {
  await harness.teardown();
});

function agent(): Actor {
  return { userId: fixture.users.agent.user.id, roles: ['agent'] };
}

const conversation = (): ThreadLifecycleInput => conversationOf(fixture);

const customerWrites = (input: ThreadLifecycleInput, message: Partial<InboundMessageSignal> = {}) =>
  writeAsCustomer(harness, input, { text: 'Where is my order? It was due on Monday.', ...message });

const inbound = (state: ThreadState) => state.messages.filter((message) => message.direction === 'inbound');

async function slaEvents(threadId: string): Promise<{ event: string; kind: string; at: string }[]> {
  const rows: { event: string; kind: string; at: Date }[] = await harness
    .db('sla_events')
    .where({ thread_id: threadId })
    .orderBy([{ column: 'at' }, { column: 'id' }]);
  return rows.map((row) => ({ event: row.event, kind: row.kind, at: row.at.toISOString() }));
}

describe('threadLifecycle', () => {
  it('meets the first response clock with a human reply, sent once through the connector', async () => {
    const input = conversation();
    const handle = await customerWrites(input);
    const received = await stateWhen(handle, (state) => inbound(state).length === 1);
    expect(received.status).toBe('open');
    expect(received.priority).toBe('normal');
    expect(received.sla.running.map((clock) => clock.kind).sort()).toEqual(['first_response', 'resolution']);

    await harness.env.sleep(30 * MINUTE_MS);
    const answer = await handle.executeUpdate(replyToThread, {
      args: [{ by: agent(), text: 'Sorry about that, it left our warehouse today.' }],
    });

    const state = await handle.query(getThreadState);
    const firstResponse = state.sla.finished.find((clock) => clock.kind === 'first_response');
    expect(firstResponse).toMatchObject({ outcome: 'met', endedBy: 'human_reply' });
    expect(firstResponse?.elapsedCalendarMinutes).toBeCloseTo(30, 0);
    expect(await slaEvents(state.threadId)).toEqual([
      expect.objectContaining({ kind: 'first_response', event: 'met' }),
    ]);
    const sent = await harness.db('sandbox_replies').where({ thread_external_id: input.externalThreadId });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ external_id: answer.messageId, account_id: input.accountId });
    const projected = await harness.db('threads').where({ id: state.threadId }).first();
    expect(projected).toMatchObject({ status: 'open', last_sequence: state.sequence });
    await recordHistoryIfAsked(handle, 'thread-first-response-met');
  });

  it('records the warning and then the breach at their exact instants', async () => {
    const handle = await customerWrites(conversation());
    const received = await stateWhen(handle, (state) => inbound(state).length === 1);
    const startedAt = Date.parse(received.sla.running.find((clock) => clock.kind === 'first_response')!.startedAt);

    // Normal priority: 240 minutes to the first response, warned at 75 %.
    await harness.env.sleep(4 * HOUR_MS + MINUTE_MS);
    await stateWhen(handle, (state) => state.sla.running.some((clock) => clock.breachedAt !== null));
    const events = (await slaEvents(received.threadId)).filter((event) => event.kind === 'first_response');
    expect(events.slice(0, 3)).toEqual([
      { kind: 'first_response', event: 'warning', at: new Date(startedAt + 180 * MINUTE_MS).toISOString() },
      {
        kind: 'first_response',
        event: 'escalation:warn_assignee',
        at: new Date(startedAt + 180 * MINUTE_MS).toISOString(),
      },
      { kind: 'first_response', event: 'breach', at: new Date(startedAt + 240 * MINUTE_MS).toISOString() },
    ]);
    await recordHistoryIfAsked(handle, 'thread-first-response-breached');
  });

  it('keeps the clock running through a private note', async () => {
    const handle = await customerWrites(conversation());
    const received = await stateWhen(handle, (state) => inbound(state).length === 1);
    await handle.executeUpdate(addThreadNote, { args: [{ by: agent(), text: 'Checking with the warehouse.' }] });

    await harness.env.sleep(4 * HOUR_MS + MINUTE_MS);
    const state = await stateWhen(handle, (current) => current.sla.running.some((clock) => clock.breachedAt !== null));
    expect(state.notes).toHaveLength(1);
    expect(state.sla.finished).toEqual([]);
    expect((await slaEvents(received.threadId)).map((event) => event.event)).toContain('breach');
  });

  it('records a message delivered twice once', async () => {
    const input = conversation();
    const messageId = uniqueId('msg');
    const handle = await customerWrites(input, { messageId });
    await customerWrites(input, { messageId });
    await customerWrites(input, { messageId: uniqueId('msg'), text: 'Any news?' });
    const state = await stateWhen(handle, (current) => inbound(current).length === 2);
    expect(inbound(state).map((message) => message.externalId)[0]).toBe(messageId);
    expect(await harness.db('thread_messages').where({ thread_id: state.threadId })).toHaveLength(2);
  });

  it('ignores the platform echoing our own reply', async () => {
    const input = conversation();
    const handle = await customerWrites(input);
    await stateWhen(handle, (state) => inbound(state).length === 1);
    const { messageId } = await handle.executeUpdate(replyToThread, {
      args: [{ by: agent(), text: 'On its way!' }],
    });
    await customerWrites(input, { messageId, author: { id: input.accountId, handle: '@brand' }, text: 'On its way!' });
    const marker = uniqueId('msg');
    await customerWrites(input, { messageId: marker, text: 'Thanks!' });
    const state = await stateWhen(handle, (current) => inbound(current).some((m) => m.externalId === marker));
    expect(inbound(state).map((message) => message.externalId)).not.toContain(messageId);
    expect(state.messages.filter((message) => message.externalId === messageId)).toHaveLength(1);
  });

  it('sends a reply once when the answer of the first attempt is lost', async () => {
    const input = conversation();
    const handle = await customerWrites(input);
    await stateWhen(handle, (state) => inbound(state).length === 1);
    loseNextReplyAnswer = true;
    await handle.executeUpdate(replyToThread, { args: [{ by: agent(), text: 'We are on it.' }] });
    expect(loseNextReplyAnswer).toBe(false);
    expect(await harness.db('sandbox_replies').where({ thread_external_id: input.externalThreadId })).toHaveLength(1);
  });

  it('refuses the second of two resolves sent at once, and keeps going', async () => {
    const handle = await customerWrites(conversation());
    await stateWhen(handle, (state) => inbound(state).length === 1);
    const outcomes = await Promise.allSettled([
      handle.executeUpdate(resolveThread, { args: [{ by: agent(), reason: 'Answered' }] }),
      handle.executeUpdate(resolveThread, { args: [{ by: agent(), reason: 'Answered' }] }),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const state = await handle.query(getThreadState);
    expect(state.status).toBe('resolved');
  });

  it('refuses a reply from a viewer and changes nothing', async () => {
    const handle = await customerWrites(conversation());
    const before = await stateWhen(handle, (state) => inbound(state).length === 1);
    await expect(
      handle.executeUpdate(replyToThread, { args: [{ by: { userId: 'v', roles: ['viewer'] }, text: 'Hi' }] }),
    ).rejects.toThrow();
    await handle.executeUpdate(resolveThread, { args: [{ by: agent(), reason: 'Answered' }] });
    const after = await handle.query(getThreadState);
    expect(after.sequence).toBe(before.sequence + 1);
    expect(after.status).toBe('resolved');
    expect(after.sla.finished.find((clock) => clock.kind === 'first_response')?.outcome).toBe('closed_unanswered');
  });
});
