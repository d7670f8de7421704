import type { BusinessCalendar } from '../../domain/businessHours';
import {
  applyEvent,
  createSlaState,
  cycleOfCustomerMessage,
  DEFAULT_SLA_POLICY,
  eventProblem,
  inactivityCloseAt,
  nextDeadline,
  outcomeOf,
  slaPolicyWithDefaults,
  type ConversationEvent,
  type SlaPolicy,
  type SlaState,
} from '../../domain/sla';
import { boundedThreadState, threadHistoryLimits } from '../../domain/threadHistory';
import { slaBreached } from '../../workflows/thread/searchAttributes';
import { resolveProblem } from '../../domain/threadResolution';
import type { ThreadMessage, ThreadState } from '../../domain/threadState';

const aroundTheClock: BusinessCalendar = {
  version: 1,
  timeZone: 'UTC',
  weeklyHours: Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [
      day,
      [{ start: '00:00', end: '24:00' }],
    ]),
  ),
  holidays: [],
};

const policy: SlaPolicy = slaPolicyWithDefaults({
  overrides: { reopenWindowMinutes: 60, inactivityCloseMinutes: 120 },
});

const T0 = Date.parse('2026-12-07T10:00:00.000Z');
const minutes = (count: number): string => new Date(T0 + count * 60_000).toISOString();

function run(
  events: ConversationEvent[],
  start: SlaState = createSlaState({ policy, calendar: aroundTheClock, priority: 'normal' }),
) {
  let state = start;
  const finished = [];
  for (const event of events) {
    const applied = applyEvent({ state, event });
    state = applied.state;
    finished.push(...applied.clocksFinished);
  }
  return { state, finished };
}

const resolvedAt30: ConversationEvent[] = [
  { type: 'customer_message', at: minutes(0), messageId: 'm1' },
  { type: 'human_reply', at: minutes(10) },
  { type: 'resolve', at: minutes(30) },
];

describe('which cycle a returning customer belongs to', () => {
  it('keeps the cycle while the conversation runs', () => {
    const { state } = run(resolvedAt30.slice(0, 1));
    expect(cycleOfCustomerMessage({ state, at: T0 + 24 * 60 * 60_000 })).toBe(1);
  });

  it('keeps the cycle up to the last minute of the reopen window and starts a new one after it', () => {
    const { state } = run(resolvedAt30);
    expect(cycleOfCustomerMessage({ state, at: Date.parse(minutes(90)) })).toBe(1);
    expect(cycleOfCustomerMessage({ state, at: Date.parse(minutes(90)) + 1 })).toBe(2);
  });

  it('starts a new cycle for any message on a closed conversation, however soon', () => {
    const { state } = run([...resolvedAt30.slice(0, 1), { type: 'close', at: minutes(5), reason: 'inactivity' }]);
    expect(cycleOfCustomerMessage({ state, at: Date.parse(minutes(6)) })).toBe(2);
  });

  it('reopens a closed conversation with a new first response clock when the customer writes', () => {
    const closed = run([...resolvedAt30.slice(0, 2), { type: 'close', at: minutes(20), reason: 'inactivity' }]).state;
    const { state } = run([{ type: 'customer_message', at: minutes(25), messageId: 'm2' }], closed);
    expect(state.status).toBe('open');
    expect(state.cycle).toBe(2);
    expect(state.running.map((clock) => [clock.kind, clock.cycle])).toEqual([
      ['resolution', 2],
      ['first_response', 2],
    ]);
  });
});

describe('closing', () => {
  it('ends every running clock closed_unanswered on inactivity, and a breached one stays breached', () => {
    const { state, finished } = run([
      { type: 'customer_message', at: minutes(0), messageId: 'm1' },
      { type: 'close', at: minutes(300), reason: 'inactivity' },
    ]);
    expect(state.status).toBe('closed');
    expect(state.running).toEqual([]);
    // Normal priority: first response due after 240 minutes, resolution after 2400.
    expect(finished.map((clock) => [clock.kind, clock.outcome, clock.endedBy])).toEqual([
      ['resolution', 'closed_unanswered', 'inactivity'],
      ['first_response', 'breached', 'inactivity'],
    ]);
  });

  it('closes spam without a reply: neither met nor breached, even past the due time', () => {
    const { finished } = run([
      { type: 'customer_message', at: minutes(0), messageId: 'm1' },
      { type: 'close', at: minutes(300), reason: 'without_reply' },
    ]);
    expect(finished.map((clock) => clock.outcome)).toEqual(['closed_without_reply', 'closed_without_reply']);
  });

  it('ends a paused resolution clock when a pending conversation goes quiet', () => {
    const { finished } = run([
      { type: 'customer_message', at: minutes(0), messageId: 'm1' },
      { type: 'human_reply', at: minutes(10) },
      { type: 'pending', at: minutes(11) },
      { type: 'close', at: minutes(131), reason: 'inactivity' },
    ]);
    const resolution = finished.find((clock) => clock.kind === 'resolution');
    expect(resolution).toMatchObject({ outcome: 'closed_unanswered', endedBy: 'inactivity' });
    expect(resolution?.pausedCalendarMinutes).toBe(120);
  });

  it('refuses to close twice, to close before any message, and to resolve or reopen a closed conversation', () => {
    const fresh = createSlaState({ policy, calendar: aroundTheClock, priority: 'normal' });
    expect(eventProblem({ state: fresh, event: { type: 'close', at: minutes(0), reason: 'inactivity' } })).toMatch(
      /without a customer message/,
    );
    const { state } = run([...resolvedAt30.slice(0, 1), { type: 'close', at: minutes(5), reason: 'inactivity' }]);
    expect(eventProblem({ state, event: { type: 'close', at: minutes(6), reason: 'without_reply' } })).toBe(
      'the conversation is already closed',
    );
    expect(eventProblem({ state, event: { type: 'resolve', at: minutes(6) } })).toBe('the conversation is closed');
    expect(eventProblem({ state, event: { type: 'reopen', at: minutes(6) } })).toMatch(/only a resolved/);
    expect(nextDeadline({ state })).toBeNull();
  });

  it('counts each way a clock can end', () => {
    const running = { kind: 'first_response' as const, breachedAt: null };
    const breached = { kind: 'first_response' as const, breachedAt: minutes(1) };
    expect(outcomeOf({ clock: running, endedBy: 'human_reply' })).toBe('met');
    expect(outcomeOf({ clock: running, endedBy: 'automated_reply' })).toBe('met');
    expect(outcomeOf({ clock: running, endedBy: 'resolved' })).toBe('closed_unanswered');
    expect(outcomeOf({ clock: { ...running, kind: 'resolution' }, endedBy: 'resolved' })).toBe('met');
    expect(outcomeOf({ clock: running, endedBy: 'inactivity' })).toBe('closed_unanswered');
    expect(outcomeOf({ clock: breached, endedBy: 'human_reply' })).toBe('breached');
    expect(outcomeOf({ clock: breached, endedBy: 'inactivity' })).toBe('breached');
    expect(outcomeOf({ clock: breached, endedBy: 'closed_without_reply' })).toBe('closed_without_reply');
  });
});

describe('inactivity limit', () => {
  it('falls the policy limit after the last message or action while open, pending or resolved', () => {
    for (const status of ['open', 'pending', 'resolved'] as const) {
      expect(inactivityCloseAt({ status, lastActivityAt: minutes(0), policy })).toBe(minutes(120));
    }
    expect(inactivityCloseAt({ status: 'open', lastActivityAt: minutes(0), policy: DEFAULT_SLA_POLICY })).toBe(
      minutes(14 * 24 * 60),
    );
  });

  it('never applies before the first message or after the conversation closed', () => {
    expect(inactivityCloseAt({ status: 'new', lastActivityAt: null, policy })).toBeNull();
    expect(inactivityCloseAt({ status: 'closed', lastActivityAt: minutes(0), policy })).toBeNull();
  });
});

function threadState(overrides: Partial<ThreadState> = {}): ThreadState {
  return {
    threadId: 'acc:t1',
    accountId: 'acc',
    brandId: 'brand',
    platform: 'x',
    externalThreadId: 't1',
    status: 'open',
    priority: 'normal',
    category: 'support',
    queue: 'customer_care',
    assigneeId: null,
    messages: [],
    notes: [],
    seenMessageIds: [],
    sentReplyIds: [],
    idsForgotten: false,
    repliesSent: 0,
    sla: run(resolvedAt30.slice(0, 1)).state,
    nextDueAt: null,
    closure: null,
    lastActivityAt: null,
    sequence: 1,
    updatedAt: minutes(0),
    ...overrides,
  };
}

describe('resolving with a reason', () => {
  it('requires a reason that the text policy accepts', () => {
    const state = threadState();
    expect(resolveProblem({ state, request: { reason: undefined }, at: minutes(1) })).toEqual({
      kind: 'invalid_input',
      message: 'reason must be text',
    });
    expect(resolveProblem({ state, request: { reason: '   ' }, at: minutes(1) })?.kind).toBe('invalid_input');
    expect(resolveProblem({ state, request: { reason: 'x'.repeat(2001) }, at: minutes(1) })?.kind).toBe(
      'invalid_input',
    );
    expect(resolveProblem({ state, request: { reason: 'Refund sent' }, at: minutes(1) })).toBeUndefined();
  });

  it('closes without a reply only what triage called spam', () => {
    const request = { reason: 'Bot account', closeWithoutReply: true };
    expect(resolveProblem({ state: threadState(), request, at: minutes(1) })).toMatchObject({
      kind: 'invalid_transition',
    });
    expect(resolveProblem({ state: threadState({ category: 'spam' }), request, at: minutes(1) })).toBeUndefined();
    expect(
      resolveProblem({ state: threadState(), request: { reason: 'x', closeWithoutReply: 'yes' }, at: minutes(1) }),
    ).toMatchObject({ kind: 'invalid_input' });
  });

  it('refuses to resolve a resolved conversation', () => {
    const state = threadState({ sla: run(resolvedAt30).state });
    expect(resolveProblem({ state, request: { reason: 'again' }, at: minutes(40) })).toEqual({
      kind: 'invalid_transition',
      message: 'the conversation is already resolved',
    });
  });
});

describe('bounded conversation state', () => {
  const message = (index: number): ThreadMessage => ({
    externalId: `m${index}`,
    direction: 'inbound',
    kind: 'dm',
    author: { id: 'c', handle: '@c' },
    text: `message ${index}`,
    sentAt: minutes(index),
  });
  const limits = threadHistoryLimits({ keptMessages: 3, keptMessageIds: 4 });

  it('keeps the most recent messages and ids, and notes that older ids were dropped', () => {
    const state = threadState({
      messages: [1, 2, 3, 4, 5].map(message),
      seenMessageIds: ['m1', 'm2', 'm3', 'm4', 'm5'],
      sentReplyIds: ['r1'],
    });
    const bounded = boundedThreadState({ state, limits });
    expect(bounded.messages.map((kept) => kept.externalId)).toEqual(['m3', 'm4', 'm5']);
    expect(bounded.seenMessageIds).toEqual(['m2', 'm3', 'm4', 'm5']);
    expect(bounded.sentReplyIds).toEqual(['r1']);
    expect(bounded.idsForgotten).toBe(true);
    expect(state.messages).toHaveLength(5);
  });

  it('keeps the most recent notes and finished clocks, and remembers a breach it let go', () => {
    const base = threadState();
    const clock = (index: number, outcome: 'met' | 'breached') => ({
      id: `clock-${index}`,
      kind: 'next_response' as const,
      cycle: 1,
      priority: 'normal' as const,
      timeBasis: 'business' as const,
      targetMinutes: 60,
      startedAt: minutes(index),
      endedAt: minutes(index + 1),
      endedBy: 'human_reply' as const,
      dueAt: minutes(index + 60),
      outcome,
      breachedAt: outcome === 'breached' ? minutes(index + 60) : null,
      elapsedCalendarMinutes: 1,
      elapsedBusinessMinutes: 1,
      pausedCalendarMinutes: 0,
      customerMessageIds: [`m${index}`],
      calendarVersion: 1,
      policyVersion: 1,
    });
    const state = threadState({
      notes: [1, 2, 3, 4, 5].map((index) => ({ by: 'agent', text: `note ${index}`, at: minutes(index) })),
      sla: { ...base.sla, finished: [clock(1, 'breached'), clock(2, 'met'), clock(3, 'met'), clock(4, 'met')] },
    });
    const bounded = boundedThreadState({ state, limits: threadHistoryLimits({ keptNotes: 2, keptFinishedClocks: 3 }) });
    expect(bounded.notes.map((note) => note.text)).toEqual(['note 4', 'note 5']);
    expect(bounded.sla.finished.map((kept) => kept.id)).toEqual(['clock-2', 'clock-3', 'clock-4']);
    expect(bounded.sla.finished.some((kept) => kept.outcome === 'breached')).toBe(false);
    expect(slaBreached(bounded)).toBe(true);
    const again = boundedThreadState({
      state: { ...bounded, sla: { ...bounded.sla, finished: [...bounded.sla.finished, clock(5, 'met')] } },
      limits: threadHistoryLimits({ keptFinishedClocks: 3 }),
    });
    expect(slaBreached(again)).toBe(true);
  });

  it('leaves a short conversation as it is', () => {
    const state = threadState({ messages: [message(1)], seenMessageIds: ['m1'] });
    expect(boundedThreadState({ state, limits })).toEqual(state);
  });
});
