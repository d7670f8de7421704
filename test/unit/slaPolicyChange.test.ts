import {
  applyEvent,
  createSlaState,
  eventProblem,
  slaPolicyWithDefaults,
  SlaClockError,
  type ConversationEvent,
  type SlaState,
} from '../../domain/sla';
import { ROUND_THE_CLOCK_CALENDAR } from '../../domain/businessHours';

const MINUTE = 60_000;
const START = Date.parse('2026-12-07T10:00:00.000Z');
const at = (minutes: number) => new Date(START + minutes * MINUTE).toISOString();

const v1 = slaPolicyWithDefaults({ overrides: { version: 1, targets: { first_response: { normal: 60 } } } });
const v2 = slaPolicyWithDefaults({
  overrides: {
    version: 2,
    targets: { first_response: { high: 20, normal: 30 }, next_response: { normal: 90 }, resolution: { high: 100 } },
  },
});

function apply(state: SlaState, ...events: ConversationEvent[]): SlaState {
  return events.reduce((current, event) => applyEvent({ state: current, event }).state, state);
}

const clock = (state: SlaState, kind: string) => state.running.find((running) => running.kind === kind)!;

describe('a changed SLA policy', () => {
  it('governs clocks started after it while the running ones keep their targets, even when re-planned', () => {
    let state = createSlaState({ policy: v1, calendar: ROUND_THE_CLOCK_CALENDAR, priority: 'normal' });
    state = apply(state, { type: 'customer_message', at: at(0), messageId: 'm1' });
    state = apply(state, { type: 'policy_changed', at: at(5), policy: v2 });
    expect(clock(state, 'first_response')).toMatchObject({ policyVersion: 1, targetMinutes: 60, dueAt: at(60) });

    // A priority change re-plans the running clock on its own policy (v1 high = 60 by default).
    state = apply(state, { type: 'priority_changed', at: at(10), priority: 'high' });
    expect(clock(state, 'first_response')).toMatchObject({ policyVersion: 1, targetMinutes: 60 });
    expect(clock(state, 'resolution')).toMatchObject({ policyVersion: 1, targetMinutes: v1.targets.resolution.high });

    state = apply(
      state,
      { type: 'human_reply', at: at(20) },
      { type: 'customer_message', at: at(30), messageId: 'm2' },
    );
    expect(clock(state, 'next_response')).toMatchObject({
      policyVersion: 2,
      targetMinutes: v2.targets.next_response.high,
    });
    expect(state.finished[0]).toMatchObject({ kind: 'first_response', policyVersion: 1, outcome: 'met' });
    expect(state.earlierPolicies?.map((policy) => policy.version)).toEqual([1]);

    // Once no clock runs on v1 any more, it is no longer kept.
    state = apply(state, { type: 'resolve', at: at(40) });
    expect(state.earlierPolicies).toEqual([]);
  });

  it('refuses the policy already in force and an invalid one', () => {
    const state = createSlaState({ policy: v1, calendar: ROUND_THE_CLOCK_CALENDAR, priority: 'normal' });
    expect(eventProblem({ state, event: { type: 'policy_changed', at: at(0), policy: v1 } })).toMatch(/in force/);
    const broken = { ...v2, reopenWindowMinutes: -1 };
    expect(() => applyEvent({ state, event: { type: 'policy_changed', at: at(0), policy: broken } })).toThrow(
      SlaClockError,
    );
  });
});
