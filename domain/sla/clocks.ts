/**
 * SLA clocks as a pure state machine. A workflow feeds every conversation event in order through
 * `applyEvent` and sleeps until `nextDeadline`; when its timer fires it applies `time_reached`.
 * Same events, same state: nothing here reads a clock of its own.
 *
 * What starts, stops and pauses each clock is tabled in the README ("SLA clocks").
 */
import { assertValidBusinessCalendar, validateBusinessCalendar, type BusinessCalendar } from '../businessHours';
import { businessMsBetween } from '../businessHours/businessTime';
import { instantMs, isoInstant, MINUTE_MS } from '../businessHours/instant';
import { compileCalendar } from '../businessHours/openings';
import { cycleOfCustomerMessage, reopenWindowOpen } from './cycles';
import { planSlaClock, validateSlaPolicy, type Priority, type SlaClockKind, type SlaPolicy } from './policy';
import type {
  AppliedEvent,
  ClockEndedBy,
  SlaOutcome,
  ConversationEvent,
  FinishedSlaClock,
  RunningSlaClock,
  SlaDeadline,
  SlaState,
} from './clockTypes';

export type SlaClockErrorCode = 'invalid_policy' | 'invalid_event';

export class SlaClockError extends Error {
  override readonly name = 'SlaClockError';
  constructor(
    readonly code: SlaClockErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function createSlaState({
  policy,
  calendar,
  priority,
}: {
  policy: SlaPolicy;
  calendar: BusinessCalendar;
  priority: Priority;
}): SlaState {
  const problems = validateSlaPolicy({ policy });
  if (problems.length > 0) {
    throw new SlaClockError(
      'invalid_policy',
      `invalid SLA policy: ${problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}`,
    );
  }
  assertValidBusinessCalendar({ calendar });
  return {
    policy,
    calendar,
    earlierCalendars: [],
    priority,
    status: 'new',
    cycle: 1,
    firstResponseGiven: false,
    unanswered: [],
    resolvedAt: null,
    lastEventAt: null,
    clockCount: 0,
    running: [],
    finished: [],
  };
}

function calendarOf({ state, clock }: { state: SlaState; clock: RunningSlaClock }): BusinessCalendar {
  if (clock.calendarVersion === state.calendar.version) return state.calendar;
  return state.earlierCalendars.find((calendar) => calendar.version === clock.calendarVersion)!;
}

/** A running clock keeps the policy it started on, so a policy change never moves its targets. */
function policyOf({ state, clock }: { state: SlaState; clock: RunningSlaClock }): SlaPolicy {
  if (clock.policyVersion === state.policy.version) return state.policy;
  return state.earlierPolicies?.find((policy) => policy.version === clock.policyVersion) ?? state.policy;
}

/** Why the event may not be applied now, or undefined. Update validators call this first. */
export function eventProblem({ state, event }: { state: SlaState; event: ConversationEvent }): string | undefined {
  let at: number;
  try {
    at = instantMs({ value: event.at, field: 'at' });
  } catch (error) {
    return (error as Error).message;
  }
  if (
    event.type !== 'time_reached' &&
    state.lastEventAt !== null &&
    at < instantMs({ value: state.lastEventAt, field: 'lastEventAt' })
  ) {
    return `event at ${event.at} is before the last event at ${state.lastEventAt}; events must come in order`;
  }
  switch (event.type) {
    case 'customer_message':
      if (typeof event.messageId !== 'string' || event.messageId.length === 0) return 'messageId is required';
      return undefined;
    case 'pending':
      if (state.status !== 'open') return `a conversation that is ${state.status} cannot be set pending`;
      return undefined;
    case 'resolve':
      if (state.status === 'resolved') return 'the conversation is already resolved';
      if (state.status === 'closed') return 'the conversation is closed';
      return undefined;
    case 'close':
      if (event.reason !== 'inactivity' && event.reason !== 'without_reply') {
        return 'reason must be "inactivity" or "without_reply"';
      }
      if (state.status === 'closed') return 'the conversation is already closed';
      if (state.status === 'new') return 'a conversation without a customer message cannot be closed';
      return undefined;
    case 'reopen':
      if (state.status !== 'resolved')
        return `only a resolved conversation can be reopened, this one is ${state.status}`;
      if (!reopenWindowOpen({ state, at })) {
        return `the reopen window of ${state.policy.reopenWindowMinutes} minutes after resolving has passed`;
      }
      return undefined;
    case 'calendar_changed':
      if (event.calendar.version <= state.calendar.version) {
        return `calendar version ${event.calendar.version} is not newer than version ${state.calendar.version}`;
      }
      return (
        validateBusinessCalendar({ calendar: event.calendar })
          .map((problem) => `calendar.${problem.path} ${problem.message}`)
          .join('; ') || undefined
      );
    case 'policy_changed':
      if (event.policy.version === state.policy.version) {
        return `policy version ${event.policy.version} is the one in force`;
      }
      return (
        validateSlaPolicy({ policy: event.policy })
          .map((problem) => `policy.${problem.path} ${problem.message}`)
          .join('; ') || undefined
      );
    default:
      return undefined;
  }
}

interface KeyedDeadline {
  deadline: SlaDeadline;
  key: string;
  order: number;
}

/** Deadlines of the running clocks not yet reached, keyed the way `reachedSteps` records them. */
function pendingDeadlines(state: SlaState): KeyedDeadline[] {
  return state.running.flatMap((clock, clockOrder) => {
    if (clock.pausedAt !== null || clock.warnAt === null || clock.dueAt === null) return [];
    const base = { clockId: clock.id, kind: clock.kind };
    const all: KeyedDeadline[] = [
      { deadline: { ...base, step: 'warning', at: clock.warnAt }, key: 'warning', order: 0 },
      { deadline: { ...base, step: 'breach', at: clock.dueAt }, key: 'breach', order: 1 },
      ...clock.escalations.map((escalation, index) => ({
        deadline: { ...base, step: 'escalation' as const, action: escalation.action, at: escalation.at },
        key: `escalation:${index}`,
        order: 2 + index,
      })),
    ];
    return all
      .filter(({ key }) => !clock.reachedSteps.includes(key))
      .map((entry) => ({ ...entry, order: clockOrder * 1000 + entry.order }));
  });
}

function byTimeThenOrder(a: KeyedDeadline, b: KeyedDeadline): number {
  return Date.parse(a.deadline.at) - Date.parse(b.deadline.at) || a.order - b.order;
}

/** The earliest deadline not yet reached across the running clocks, or null when none runs. */
export function nextDeadline({ state }: { state: SlaState }): SlaDeadline | null {
  return pendingDeadlines(state).sort(byTimeThenOrder)[0]?.deadline ?? null;
}

function reachDeadlines({ state, at, inclusive }: { state: SlaState; at: number; inclusive: boolean }): SlaDeadline[] {
  const due = pendingDeadlines(state)
    .filter(({ deadline }) => {
      const when = Date.parse(deadline.at);
      return inclusive ? when <= at : when < at;
    })
    .sort(byTimeThenOrder);
  for (const { deadline, key } of due) {
    const clock = state.running.find((candidate) => candidate.id === deadline.clockId)!;
    clock.reachedSteps.push(key);
    if (deadline.step === 'breach') clock.breachedAt ??= deadline.at;
  }
  return due.map(({ deadline }) => deadline);
}

function replan({ state, clock }: { state: SlaState; clock: RunningSlaClock }): void {
  const plan = planSlaClock({
    policy: policyOf({ state, clock }),
    calendar: calendarOf({ state, clock }),
    kind: clock.kind,
    priority: clock.priority,
    startedAt: clock.startedAt,
    countingFrom: clock.countingFrom,
    consumedMinutes: clock.timeBasis === 'business' ? clock.consumedBusinessMinutes : clock.consumedCalendarMinutes,
  });
  clock.targetMinutes = plan.targetMinutes;
  clock.warnAt = plan.warnAt;
  clock.dueAt = plan.dueAt;
  clock.escalations = plan.escalations;
}

function startClock({
  state,
  kind,
  at,
  customerMessageIds,
}: {
  state: SlaState;
  kind: SlaClockKind;
  at: string;
  customerMessageIds: string[];
}): void {
  state.clockCount += 1;
  const clock: RunningSlaClock = {
    id: `${kind}-${state.clockCount}`,
    kind,
    cycle: state.cycle,
    priority: state.priority,
    timeBasis: state.policy.timeBasis[kind],
    targetMinutes: state.policy.targets[kind][state.priority],
    startedAt: at,
    customerMessageIds,
    pausedAt: null,
    countingFrom: at,
    consumedBusinessMinutes: 0,
    consumedCalendarMinutes: 0,
    pausedCalendarMinutes: 0,
    warnAt: null,
    dueAt: null,
    escalations: [],
    reachedSteps: [],
    breachedAt: null,
    calendarVersion: state.calendar.version,
    policyVersion: state.policy.version,
  };
  replan({ state, clock });
  state.running.push(clock);
}

/** Moves the time counted since `countingFrom` into the consumed totals. */
function bankCountedTime({ state, clock, at }: { state: SlaState; clock: RunningSlaClock; at: number }): void {
  if (clock.pausedAt !== null) return;
  const from = instantMs({ value: clock.countingFrom, field: 'countingFrom' });
  const calendar = compileCalendar({ calendar: calendarOf({ state, clock }) });
  clock.consumedBusinessMinutes += businessMsBetween({ calendar, from, to: at }) / MINUTE_MS;
  clock.consumedCalendarMinutes += (at - from) / MINUTE_MS;
  clock.countingFrom = isoInstant(at);
}

/**
 * How a clock's end counts. Spam closed without a reply counts for nothing, breach or not; a
 * breach stays a breach whatever ends the clock; resolving meets the resolution target and leaves
 * an unanswered response clock unanswered; closing for inactivity answers nothing.
 */
export function outcomeOf({
  clock,
  endedBy,
}: {
  clock: Pick<RunningSlaClock, 'kind' | 'breachedAt'>;
  endedBy: ClockEndedBy;
}): SlaOutcome {
  if (endedBy === 'closed_without_reply') return 'closed_without_reply';
  if (clock.breachedAt !== null) return 'breached';
  switch (endedBy) {
    case 'human_reply':
    case 'automated_reply':
      return 'met';
    case 'resolved':
      return clock.kind === 'resolution' ? 'met' : 'closed_unanswered';
    case 'inactivity':
      return 'closed_unanswered';
  }
}

function finishClock({
  state,
  clock,
  at,
  endedBy,
}: {
  state: SlaState;
  clock: RunningSlaClock;
  at: number;
  endedBy: ClockEndedBy;
}): FinishedSlaClock {
  if (clock.pausedAt === null && clock.dueAt !== null && at > Date.parse(clock.dueAt)) {
    clock.breachedAt ??= clock.dueAt;
  }
  bankCountedTime({ state, clock, at });
  if (clock.pausedAt !== null) {
    clock.pausedCalendarMinutes += (at - instantMs({ value: clock.pausedAt, field: 'pausedAt' })) / MINUTE_MS;
  }
  const finished: FinishedSlaClock = {
    id: clock.id,
    kind: clock.kind,
    cycle: clock.cycle,
    priority: clock.priority,
    timeBasis: clock.timeBasis,
    targetMinutes: clock.targetMinutes,
    startedAt: clock.startedAt,
    endedAt: isoInstant(at),
    endedBy,
    dueAt: clock.dueAt,
    outcome: outcomeOf({ clock, endedBy }),
    breachedAt: clock.breachedAt,
    elapsedCalendarMinutes: clock.consumedCalendarMinutes,
    elapsedBusinessMinutes: clock.consumedBusinessMinutes,
    pausedCalendarMinutes: clock.pausedCalendarMinutes,
    customerMessageIds: clock.customerMessageIds,
    calendarVersion: clock.calendarVersion,
    policyVersion: clock.policyVersion,
  };
  state.running = state.running.filter((candidate) => candidate.id !== clock.id);
  state.finished.push(finished);
  return finished;
}

function runningClock(state: SlaState, kinds: SlaClockKind[]): RunningSlaClock | undefined {
  return state.running.find((clock) => kinds.includes(clock.kind));
}

function answerCustomer({ state, at, endedBy }: { state: SlaState; at: number; endedBy: ClockEndedBy }) {
  const clock = runningClock(state, ['first_response', 'next_response']);
  state.unanswered = [];
  if (clock) state.firstResponseGiven = true;
  return clock ? [finishClock({ state, clock, at, endedBy })] : [];
}

function receiveCustomerMessage({
  state,
  event,
  at,
}: {
  state: SlaState;
  event: Extract<ConversationEvent, { type: 'customer_message' }>;
  at: number;
}): FinishedSlaClock[] {
  if (state.status === 'resolved' || state.status === 'closed') {
    const cycle = cycleOfCustomerMessage({ state, at });
    if (cycle !== state.cycle) {
      state.cycle = cycle;
      state.firstResponseGiven = false;
    }
    state.resolvedAt = null;
    startClock({ state, kind: 'resolution', at: event.at, customerMessageIds: [event.messageId] });
  } else if (state.status === 'new') {
    startClock({ state, kind: 'resolution', at: event.at, customerMessageIds: [event.messageId] });
  } else if (state.status === 'pending') {
    const resolution = runningClock(state, ['resolution'])!;
    resolution.pausedCalendarMinutes +=
      (at - instantMs({ value: resolution.pausedAt!, field: 'pausedAt' })) / MINUTE_MS;
    resolution.pausedAt = null;
    resolution.countingFrom = event.at;
    replan({ state, clock: resolution });
  }
  state.status = 'open';
  state.unanswered.push({ messageId: event.messageId, at: event.at });
  const responseClock = runningClock(state, ['first_response', 'next_response']);
  if (responseClock) {
    responseClock.customerMessageIds.push(event.messageId);
  } else {
    startClock({
      state,
      kind: state.firstResponseGiven ? 'next_response' : 'first_response',
      at: event.at,
      customerMessageIds: [event.messageId],
    });
  }
  return [];
}

function applyToClocks({ state, event, at }: { state: SlaState; event: ConversationEvent; at: number }) {
  switch (event.type) {
    case 'customer_message':
      return receiveCustomerMessage({ state, event, at });
    case 'human_reply':
      return answerCustomer({ state, at, endedBy: 'human_reply' });
    case 'automated_reply':
      return state.policy.automatedRepliesStopClocks ? answerCustomer({ state, at, endedBy: 'automated_reply' }) : [];
    case 'pending': {
      state.status = 'pending';
      const resolution = runningClock(state, ['resolution']);
      if (resolution) {
        if (resolution.dueAt !== null && at > Date.parse(resolution.dueAt)) resolution.breachedAt ??= resolution.dueAt;
        bankCountedTime({ state, clock: resolution, at });
        resolution.pausedAt = event.at;
        resolution.warnAt = null;
        resolution.dueAt = null;
        resolution.escalations = [];
      }
      return [];
    }
    case 'resolve': {
      const finished = [...state.running].map((clock) => finishClock({ state, clock, at, endedBy: 'resolved' }));
      state.status = 'resolved';
      state.resolvedAt = event.at;
      state.unanswered = [];
      return finished;
    }
    case 'close': {
      const endedBy: ClockEndedBy = event.reason === 'inactivity' ? 'inactivity' : 'closed_without_reply';
      const finished = [...state.running].map((clock) => finishClock({ state, clock, at, endedBy }));
      state.status = 'closed';
      state.resolvedAt = null;
      state.unanswered = [];
      return finished;
    }
    case 'reopen':
      state.status = 'open';
      state.resolvedAt = null;
      startClock({ state, kind: 'resolution', at: event.at, customerMessageIds: [] });
      return [];
    case 'priority_changed':
      state.priority = event.priority;
      for (const clock of state.running) {
        clock.priority = event.priority;
        if (clock.pausedAt === null) replan({ state, clock });
        else clock.targetMinutes = policyOf({ state, clock }).targets[clock.kind][event.priority];
      }
      return [];
    case 'calendar_changed':
      state.earlierCalendars.push(state.calendar);
      state.calendar = event.calendar;
      return [];
    case 'policy_changed':
      state.earlierPolicies = [...(state.earlierPolicies ?? []), state.policy];
      state.policy = event.policy;
      return [];
    case 'private_note':
    case 'time_reached':
      return [];
  }
}

/**
 * The state after one more event. Deadlines that fall before the event's instant are reached
 * first (a reply after the due time is a breach, and the ladder has had its say); then the event
 * acts; then deadlines at exactly its instant are reached for what still runs.
 */
export function applyEvent({ state, event }: { state: SlaState; event: ConversationEvent }): AppliedEvent {
  const problem = eventProblem({ state, event });
  if (problem !== undefined) throw new SlaClockError('invalid_event', `${event.type}: ${problem}`);
  const next = JSON.parse(JSON.stringify(state)) as SlaState;
  const lastAt = state.lastEventAt === null ? -Infinity : instantMs({ value: state.lastEventAt, field: 'lastEventAt' });
  const at = Math.max(instantMs({ value: event.at, field: 'at' }), lastAt);
  const deadlinesReached = reachDeadlines({ state: next, at, inclusive: false });
  // One spelling of every instant in the state, whatever offset the caller wrote it with.
  const clocksFinished = applyToClocks({ state: next, event: { ...event, at: isoInstant(at) }, at });
  deadlinesReached.push(...reachDeadlines({ state: next, at, inclusive: true }));
  next.lastEventAt = isoInstant(at);
  const versionsInUse = new Set(next.running.map((clock) => clock.calendarVersion));
  next.earlierCalendars = next.earlierCalendars.filter((calendar) => versionsInUse.has(calendar.version));
  if (next.earlierPolicies !== undefined) {
    const policiesInUse = new Set(next.running.map((clock) => clock.policyVersion));
    next.earlierPolicies = next.earlierPolicies.filter((policy) => policiesInUse.has(policy.version));
  }
  return { state: next, deadlinesReached, clocksFinished };
}
