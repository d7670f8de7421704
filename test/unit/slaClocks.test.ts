import fc from 'fast-check';
import type { BusinessCalendar } from '../../domain/businessHours';
import {
  applyEvent,
  createSlaState,
  DEFAULT_SLA_POLICY,
  eventProblem,
  nextDeadline,
  SlaClockError,
  slaPolicyWithDefaults,
  type ConversationEvent,
  type Priority,
  type SlaDeadline,
  type SlaPolicy,
  type SlaState,
} from '../../domain/sla';

const weekdaysUtc: BusinessCalendar = {
  version: 3,
  timeZone: 'UTC',
  weeklyHours: Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [day, [{ start: '09:00', end: '18:00' }]]),
  ),
  holidays: [],
};

// 2026-12-07 is a Monday.
const MON = '2026-12-07';
const TUE = '2026-12-08';
const WED = '2026-12-09';

function at(day: string, time: string): string {
  return `${day}T${time}:00.000Z`;
}

function run(
  events: ConversationEvent[],
  {
    policy = DEFAULT_SLA_POLICY,
    priority = 'normal',
    calendar = weekdaysUtc,
  }: { policy?: SlaPolicy; priority?: Priority; calendar?: BusinessCalendar } = {},
): { state: SlaState; reached: SlaDeadline[] } {
  let state = createSlaState({ policy, calendar, priority });
  const reached: SlaDeadline[] = [];
  for (const event of events) {
    const applied = applyEvent({ state, event });
    state = applied.state;
    reached.push(...applied.deadlinesReached);
  }
  return { state, reached };
}

function finishedOf(state: SlaState, kind: string) {
  return state.finished.filter((clock) => clock.kind === kind);
}

describe('first response clock', () => {
  it('starts at the first customer message and stops at the first human public reply', () => {
    const { state } = run([
      { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
      { type: 'customer_message', at: at(MON, '10:20'), messageId: 'm2' },
      { type: 'private_note', at: at(MON, '10:30') },
      { type: 'human_reply', at: at(MON, '11:00') },
    ]);
    expect(finishedOf(state, 'first_response')).toEqual([
      expect.objectContaining({
        startedAt: at(MON, '10:00'),
        endedAt: '2026-12-07T11:00:00.000Z',
        endedBy: 'human_reply',
        outcome: 'met',
        dueAt: '2026-12-07T14:00:00.000Z',
        elapsedCalendarMinutes: 60,
        elapsedBusinessMinutes: 60,
        customerMessageIds: ['m1', 'm2'],
        calendarVersion: 3,
        policyVersion: 1,
      }),
    ]);
    expect(state.running.map((clock) => clock.kind)).toEqual(['resolution']);
    expect(state.status).toBe('open');
  });

  it('records calendar and business time apart when the wait spans a weekend', () => {
    const { state } = run([
      { type: 'customer_message', at: '2026-12-04T17:30:00Z', messageId: 'm1' },
      { type: 'human_reply', at: at(MON, '09:30') },
    ]);
    expect(finishedOf(state, 'first_response')[0]).toMatchObject({
      outcome: 'met',
      elapsedCalendarMinutes: 64 * 60,
      elapsedBusinessMinutes: 60,
    });
  });

  it('is not stopped by a private note: the breach still comes', () => {
    const { state, reached } = run(
      [
        { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
        { type: 'private_note', at: at(MON, '10:05') },
        { type: 'time_reached', at: at(MON, '11:00') },
      ],
      { priority: 'high' },
    );
    expect(reached.map((deadline) => [deadline.step, deadline.action])).toEqual([
      ['warning', undefined],
      ['escalation', 'warn_assignee'],
      ['breach', undefined],
      ['escalation', 'notify_team_lead'],
    ]);
    expect(state.running.find((clock) => clock.kind === 'first_response')?.breachedAt).toBe('2026-12-07T11:00:00.000Z');
  });

  it('is not stopped by an automated reply unless the policy says so', () => {
    const events: ConversationEvent[] = [
      { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
      { type: 'automated_reply', at: at(MON, '10:01') },
    ];
    expect(finishedOf(run(events).state, 'first_response')).toEqual([]);
    const policy = slaPolicyWithDefaults({ overrides: { automatedRepliesStopClocks: true } });
    expect(finishedOf(run(events, { policy }).state, 'first_response')).toEqual([
      expect.objectContaining({ endedBy: 'automated_reply', outcome: 'met', elapsedBusinessMinutes: 1 }),
    ]);
  });

  it('walks the escalation ladder one timer at a time, then stops at a late reply', () => {
    let { state } = run([{ type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' }], { priority: 'high' });
    const steps: (SlaDeadline | null)[] = [];
    for (let i = 0; i < 3; i += 1) {
      const deadline = nextDeadline({ state });
      steps.push(deadline);
      state = applyEvent({ state, event: { type: 'time_reached', at: deadline!.at } }).state;
    }
    expect(steps).toEqual([
      { clockId: 'first_response-2', kind: 'first_response', step: 'warning', at: '2026-12-07T10:45:00.000Z' },
      { clockId: 'first_response-2', kind: 'first_response', step: 'breach', at: '2026-12-07T11:00:00.000Z' },
      {
        clockId: 'first_response-2',
        kind: 'first_response',
        step: 'escalation',
        action: 'reassign_to_team_lead',
        at: '2026-12-07T11:30:00.000Z',
      },
    ]);
    const late = applyEvent({ state, event: { type: 'human_reply', at: at(MON, '11:40') } });
    expect(late.clocksFinished).toEqual([
      expect.objectContaining({ kind: 'first_response', outcome: 'breached', breachedAt: '2026-12-07T11:00:00.000Z' }),
    ]);
    expect(late.deadlinesReached).toEqual([]);
    // Only the resolution clock is left: its warning at 75 % of 16 business hours.
    expect(nextDeadline({ state: late.state })).toEqual(
      expect.objectContaining({ clockId: 'resolution-1', step: 'warning', at: '2026-12-08T13:00:00.000Z' }),
    );
  });

  it('reaches every passed deadline when a late reply comes before any timer fired', () => {
    const { state, reached } = run(
      [
        { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
        { type: 'human_reply', at: at(MON, '12:00') },
      ],
      { priority: 'high' },
    );
    expect(reached.map((deadline) => deadline.step)).toEqual([
      'warning',
      'escalation',
      'breach',
      'escalation',
      'escalation',
    ]);
    expect(finishedOf(state, 'first_response')[0].outcome).toBe('breached');
  });

  it('counts a reply at exactly the due time as met', () => {
    const { state, reached } = run(
      [
        { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
        { type: 'human_reply', at: at(MON, '11:00') },
      ],
      { priority: 'high' },
    );
    expect(finishedOf(state, 'first_response')[0].outcome).toBe('met');
    expect(reached.map((deadline) => deadline.step)).toEqual(['warning', 'escalation']);
  });

  it('closes unanswered when resolved before its due time, and breached when after', () => {
    const early = run([
      { type: 'customer_message', at: at(MON, '10:00'), messageId: 'spam' },
      { type: 'resolve', at: at(MON, '10:20') },
    ]).state;
    expect(early.finished.map((clock) => [clock.kind, clock.outcome, clock.endedBy])).toEqual([
      ['resolution', 'met', 'resolved'],
      ['first_response', 'closed_unanswered', 'resolved'],
    ]);
    const late = run([
      { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
      { type: 'resolve', at: at(MON, '15:00') },
    ]).state;
    expect(finishedOf(late, 'first_response')[0].outcome).toBe('breached');
    expect(late.running).toEqual([]);
    expect(nextDeadline({ state: late })).toBeNull();
  });
});

describe('next response clock', () => {
  it('runs from the oldest unanswered customer message and records several misses', () => {
    const { state } = run([
      { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
      { type: 'human_reply', at: at(MON, '10:30') },
      { type: 'customer_message', at: at(MON, '11:00'), messageId: 'm2' },
      { type: 'customer_message', at: at(MON, '13:00'), messageId: 'm3' },
      { type: 'human_reply', at: at(TUE, '11:00') },
      { type: 'customer_message', at: at(TUE, '12:00'), messageId: 'm4' },
      { type: 'private_note', at: at(TUE, '12:30') },
      { type: 'human_reply', at: at(WED, '12:00') },
      { type: 'customer_message', at: at(WED, '13:00'), messageId: 'm5' },
      { type: 'human_reply', at: at(WED, '13:30') },
    ]);
    expect(
      finishedOf(state, 'next_response').map((clock) => ({
        startedAt: clock.startedAt,
        dueAt: clock.dueAt,
        outcome: clock.outcome,
        business: clock.elapsedBusinessMinutes,
        messages: clock.customerMessageIds,
      })),
    ).toEqual([
      {
        startedAt: at(MON, '11:00'),
        dueAt: '2026-12-08T10:00:00.000Z',
        outcome: 'breached',
        business: 540,
        messages: ['m2', 'm3'],
      },
      {
        startedAt: at(TUE, '12:00'),
        dueAt: '2026-12-09T11:00:00.000Z',
        outcome: 'breached',
        business: 540,
        messages: ['m4'],
      },
      {
        startedAt: at(WED, '13:00'),
        dueAt: '2026-12-10T12:00:00.000Z',
        outcome: 'met',
        business: 30,
        messages: ['m5'],
      },
    ]);
    expect(finishedOf(state, 'first_response')).toHaveLength(1);
  });
});

describe('resolution clock', () => {
  const pendingConversation: ConversationEvent[] = [
    { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
    { type: 'human_reply', at: at(MON, '10:30') },
    { type: 'pending', at: at(MON, '11:00') },
  ];

  it('pauses while pending on the customer, with no deadline running', () => {
    const { state } = run(pendingConversation);
    expect(state.status).toBe('pending');
    expect(state.running[0]).toMatchObject({
      kind: 'resolution',
      pausedAt: at(MON, '11:00'),
      dueAt: null,
      consumedBusinessMinutes: 60,
    });
    expect(nextDeadline({ state })).toBeNull();
  });

  it('resumes at the customer message, excluding the pause from both measures', () => {
    const resumed = run([
      ...pendingConversation,
      { type: 'customer_message', at: at(TUE, '10:00'), messageId: 'm2' },
    ]).state;
    // 2400 min target, 60 used: 2340 business minutes from Tuesday 10:00 → Monday 14 December 13:00.
    expect(resumed.running.find((clock) => clock.kind === 'resolution')?.dueAt).toBe('2026-12-14T13:00:00.000Z');
    expect(resumed.running.map((clock) => clock.kind)).toEqual(['resolution', 'next_response']);
    const { state } = run([
      ...pendingConversation,
      { type: 'customer_message', at: at(TUE, '10:00'), messageId: 'm2' },
      { type: 'human_reply', at: at(TUE, '10:30') },
      { type: 'resolve', at: at(TUE, '11:00') },
    ]);
    expect(finishedOf(state, 'resolution')[0]).toMatchObject({
      outcome: 'met',
      elapsedBusinessMinutes: 120,
      elapsedCalendarMinutes: 120,
      pausedCalendarMinutes: 23 * 60,
      endedAt: '2026-12-08T11:00:00.000Z',
    });
  });

  it('does not restart the warning after a pause once it has been given', () => {
    const policy = slaPolicyWithDefaults({ overrides: { targets: { resolution: { normal: 100 } } } });
    const { state, reached } = run(
      [
        { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
        { type: 'human_reply', at: at(MON, '10:10') },
        { type: 'time_reached', at: at(MON, '11:15') },
        { type: 'pending', at: at(MON, '11:20') },
        { type: 'customer_message', at: at(TUE, '09:00'), messageId: 'm2' },
      ],
      { policy },
    );
    expect(reached.map((deadline) => deadline.step)).toEqual(['warning', 'escalation']);
    const resolution = state.running.find((clock) => clock.kind === 'resolution')!;
    expect(resolution.dueAt).toBe('2026-12-08T09:20:00.000Z');
    expect(nextDeadline({ state })).toMatchObject({ clockId: resolution.id, step: 'breach' });
  });

  it('ends breached when resolved while pending after having gone past its due time', () => {
    const policy = slaPolicyWithDefaults({ overrides: { targets: { resolution: { normal: 60 } } } });
    const { state } = run(
      [
        { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
        { type: 'human_reply', at: at(MON, '10:10') },
        { type: 'pending', at: at(MON, '11:30') },
        { type: 'resolve', at: at(TUE, '11:30') },
      ],
      { policy },
    );
    expect(finishedOf(state, 'resolution')[0]).toMatchObject({
      outcome: 'breached',
      breachedAt: '2026-12-07T11:00:00.000Z',
      elapsedBusinessMinutes: 90,
      pausedCalendarMinutes: 24 * 60,
    });
  });
});

describe('reopening', () => {
  const resolved: ConversationEvent[] = [
    { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
    { type: 'human_reply', at: at(MON, '10:30') },
    { type: 'resolve', at: at(MON, '11:00') },
  ];

  it('continues the conversation when the customer writes within the reopen window', () => {
    const { state } = run([...resolved, { type: 'customer_message', at: at(WED, '10:00'), messageId: 'm2' }]);
    expect(state.status).toBe('open');
    expect(state.cycle).toBe(1);
    expect(state.running.map((clock) => [clock.kind, clock.cycle, clock.startedAt])).toEqual([
      ['resolution', 1, at(WED, '10:00')],
      ['next_response', 1, at(WED, '10:00')],
    ]);
  });

  it('starts over with a first response when the customer writes after the window', () => {
    const { state } = run([...resolved, { type: 'customer_message', at: '2026-12-14T11:01:00Z', messageId: 'm2' }]);
    expect(state.cycle).toBe(2);
    expect(state.running.map((clock) => [clock.kind, clock.cycle])).toEqual([
      ['resolution', 2],
      ['first_response', 2],
    ]);
    expect(state.finished).toHaveLength(2);
  });

  it('lets an agent reopen within the window but not after it', () => {
    const reopened = run([...resolved, { type: 'reopen', at: at(TUE, '09:00') }]).state;
    expect(reopened.status).toBe('open');
    expect(reopened.running.map((clock) => clock.kind)).toEqual(['resolution']);
    const closed = run(resolved).state;
    const tooLate: ConversationEvent = { type: 'reopen', at: '2026-12-14T11:01:00Z' };
    expect(eventProblem({ state: closed, event: tooLate })).toBe(
      'the reopen window of 10080 minutes after resolving has passed',
    );
    expect(() => applyEvent({ state: closed, event: tooLate })).toThrow(SlaClockError);
  });
});

describe('instants', () => {
  it('records every instant in UTC whatever offset the event was written with', () => {
    const { state } = run([
      { type: 'customer_message', at: '2026-12-07T11:00:00+01:00', messageId: 'm1' },
      { type: 'human_reply', at: '2026-12-07T06:30:00-05:00' },
    ]);
    expect(finishedOf(state, 'first_response')[0]).toMatchObject({
      startedAt: '2026-12-07T10:00:00.000Z',
      endedAt: '2026-12-07T11:30:00.000Z',
      elapsedBusinessMinutes: 90,
    });
    expect(state.lastEventAt).toBe('2026-12-07T11:30:00.000Z');
  });

  it('lets a timer that fires behind the last event reach nothing instead of failing', () => {
    const { state } = run([{ type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' }], { priority: 'high' });
    const late = applyEvent({ state, event: { type: 'time_reached', at: at(MON, '09:59') } });
    expect(late.deadlinesReached).toEqual([]);
    expect(late.state.lastEventAt).toBe(at(MON, '10:00'));
  });

  it('keeps a Berlin first response on local business hours across the spring clock change', () => {
    const berlin: BusinessCalendar = { ...weekdaysUtc, timeZone: 'Europe/Berlin' };
    const { state } = run(
      [
        // Friday 27 March 2026 17:30 CET; the reply comes Monday 30 March 09:30 CEST.
        { type: 'customer_message', at: '2026-03-27T16:30:00Z', messageId: 'm1' },
        { type: 'human_reply', at: '2026-03-30T07:30:00Z' },
      ],
      { calendar: berlin, priority: 'high' },
    );
    expect(finishedOf(state, 'first_response')[0]).toMatchObject({
      dueAt: '2026-03-30T07:30:00.000Z',
      outcome: 'met',
      elapsedBusinessMinutes: 60,
      elapsedCalendarMinutes: 63 * 60,
    });
  });

  it('runs a calendar-time clock through the weekend when the policy says so', () => {
    const policy = slaPolicyWithDefaults({ overrides: { timeBasis: { first_response: 'calendar' } } });
    const { state } = run(
      [
        { type: 'customer_message', at: '2026-12-04T17:30:00.000Z', messageId: 'm1' },
        { type: 'human_reply', at: at(MON, '09:30') },
      ],
      { policy, priority: 'high' },
    );
    expect(finishedOf(state, 'first_response')[0]).toMatchObject({
      timeBasis: 'calendar',
      dueAt: '2026-12-04T18:30:00.000Z',
      outcome: 'breached',
      elapsedBusinessMinutes: 60,
    });
  });
});

describe('events that are refused', () => {
  it('refuses an event older than the last one, and transitions that make no sense', () => {
    const { state } = run([{ type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' }]);
    expect(eventProblem({ state, event: { type: 'human_reply', at: at(MON, '09:59') } })).toMatch(
      /is before the last event/,
    );
    expect(eventProblem({ state, event: { type: 'human_reply', at: '10:00' } })).toMatch(/ISO 8601 instant/);
    expect(eventProblem({ state, event: { type: 'reopen', at: at(MON, '10:01') } })).toBe(
      'only a resolved conversation can be reopened, this one is open',
    );
    const fresh = createSlaState({ policy: DEFAULT_SLA_POLICY, calendar: weekdaysUtc, priority: 'low' });
    expect(eventProblem({ state: fresh, event: { type: 'pending', at: at(MON, '10:00') } })).toBe(
      'a conversation that is new cannot be set pending',
    );
    expect(() => applyEvent({ state, event: { type: 'human_reply', at: at(MON, '09:00') } })).toThrow(
      /human_reply: event at .* is before the last event/,
    );
  });

  it('refuses an invalid policy or calendar up front', () => {
    expect(() =>
      createSlaState({
        policy: { ...DEFAULT_SLA_POLICY, reopenWindowMinutes: -1 },
        calendar: weekdaysUtc,
        priority: 'low',
      }),
    ).toThrow(/invalid SLA policy: reopenWindowMinutes/);
    expect(() =>
      createSlaState({
        policy: DEFAULT_SLA_POLICY,
        calendar: { ...weekdaysUtc, timeZone: 'Nowhere' },
        priority: 'low',
      }),
    ).toThrow(/not an IANA time zone/);
  });
});

describe('changes while clocks run', () => {
  it('keeps measuring running clocks on the calendar they started with; new clocks take the new one', () => {
    const roundTheClock: BusinessCalendar = {
      version: 4,
      timeZone: 'UTC',
      weeklyHours: Object.fromEntries(
        ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((day) => [
          day,
          [{ start: '00:00', end: '24:00' }],
        ]),
      ),
      holidays: [],
    };
    const { state } = run([
      { type: 'customer_message', at: '2026-12-04T17:30:00Z', messageId: 'm1' },
      { type: 'calendar_changed', at: '2026-12-04T17:45:00Z', calendar: roundTheClock },
      { type: 'human_reply', at: at(MON, '09:30') },
      { type: 'customer_message', at: at(MON, '20:00'), messageId: 'm2' },
    ]);
    expect(finishedOf(state, 'first_response')[0]).toMatchObject({ calendarVersion: 3, elapsedBusinessMinutes: 60 });
    expect(state.running.map((clock) => [clock.kind, clock.calendarVersion])).toEqual([
      ['resolution', 3],
      ['next_response', 4],
    ]);
    expect(state.running[1].dueAt).toBe('2026-12-08T04:00:00.000Z');
    expect(state.earlierCalendars.map((calendar) => calendar.version)).toEqual([3]);
    const after = applyEvent({ state, event: { type: 'resolve', at: at(TUE, '10:00') } }).state;
    expect(after.earlierCalendars).toEqual([]);
    expect(after.finished.map((clock) => clock.calendarVersion)).toEqual([3, 3, 4]);
  });

  it('refuses a calendar that is not newer or not valid', () => {
    const { state } = run([{ type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' }]);
    expect(
      eventProblem({ state, event: { type: 'calendar_changed', at: at(MON, '10:01'), calendar: weekdaysUtc } }),
    ).toBe('calendar version 3 is not newer than version 3');
    expect(
      eventProblem({
        state,
        event: {
          type: 'calendar_changed',
          at: at(MON, '10:01'),
          calendar: { ...weekdaysUtc, version: 4, weeklyHours: {} },
        },
      }),
    ).toMatch(/calendar.weeklyHours opens on no day/);
  });

  it('re-plans running clocks when the priority changes, keeping what was measured', () => {
    const { state } = run([
      { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
      { type: 'priority_changed', at: at(MON, '10:05'), priority: 'urgent' },
    ]);
    expect(state.running.map((clock) => [clock.kind, clock.priority, clock.targetMinutes, clock.dueAt])).toEqual([
      ['resolution', 'urgent', 240, '2026-12-07T14:00:00.000Z'],
      ['first_response', 'urgent', 15, '2026-12-07T10:15:00.000Z'],
    ]);
  });
});

describe('determinism', () => {
  const events: ConversationEvent[] = [
    { type: 'customer_message', at: at(MON, '10:00'), messageId: 'm1' },
    { type: 'human_reply', at: at(MON, '10:30') },
    { type: 'pending', at: at(MON, '11:00') },
    { type: 'customer_message', at: at(TUE, '10:00'), messageId: 'm2' },
  ];

  it('gives the same state for the same events and never changes the state it is given', () => {
    const first = run(events).state;
    const frozen = JSON.stringify(first);
    applyEvent({ state: first, event: { type: 'resolve', at: at(WED, '10:00') } });
    expect(JSON.stringify(first)).toBe(frozen);
    expect(run(events).state).toEqual(first);
    expect(JSON.parse(frozen)).toEqual(first);
  });

  it('keeps its invariants under any order of events', () => {
    const eventTypes = fc.constantFrom(
      'customer_message',
      'human_reply',
      'automated_reply',
      'private_note',
      'pending',
      'resolve',
      'reopen',
      'close',
      'time_reached',
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(eventTypes, fc.integer({ min: 0, max: 3 * 24 * 60 })), { maxLength: 25 }),
        fc.constantFrom<Priority>('urgent', 'high', 'normal', 'low'),
        (steps, priority) => {
          let state = createSlaState({ policy: DEFAULT_SLA_POLICY, calendar: weekdaysUtc, priority });
          let now = Date.parse('2026-12-04T12:00:00Z');
          steps.forEach(([type, gap], index) => {
            now += gap * 60_000;
            const instant = new Date(now).toISOString();
            const event = (
              type === 'customer_message'
                ? { type, at: instant, messageId: `m${index}` }
                : type === 'close'
                  ? { type, at: instant, reason: index % 2 === 0 ? 'inactivity' : 'without_reply' }
                  : { type, at: instant }
            ) as ConversationEvent;
            if (eventProblem({ state, event }) !== undefined) return;
            state = applyEvent({ state, event }).state;
            const next = nextDeadline({ state });
            if (next) expect(Date.parse(next.at)).toBeGreaterThan(now);
            expect(state.running.filter((clock) => clock.kind !== 'resolution').length).toBeLessThanOrEqual(1);
          });
          for (const clock of state.finished) {
            expect(clock.elapsedBusinessMinutes).toBeLessThanOrEqual(clock.elapsedCalendarMinutes);
            if (clock.outcome === 'met' && clock.pausedCalendarMinutes === 0) {
              expect(Date.parse(clock.endedAt)).toBeLessThanOrEqual(Date.parse(clock.dueAt!));
            }
            if (clock.outcome === 'breached') expect(clock.breachedAt).not.toBeNull();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
