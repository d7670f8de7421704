import type { BusinessCalendar } from '../../domain/businessHours';
import {
  DEFAULT_SLA_POLICY,
  planSlaClock,
  slaPolicyWithDefaults,
  validateSlaPolicy,
  type SlaPolicy,
} from '../../domain/sla';

const weekdaysUtc: BusinessCalendar = {
  version: 3,
  timeZone: 'UTC',
  weeklyHours: Object.fromEntries(
    ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [day, [{ start: '09:00', end: '18:00' }]]),
  ),
  holidays: [],
};

describe('default SLA policy', () => {
  it('promises a first response in 15 min, 1 h, 4 h and 24 h of business time by priority', () => {
    expect(DEFAULT_SLA_POLICY.targets.first_response).toEqual({ urgent: 15, high: 60, normal: 240, low: 1440 });
    expect(DEFAULT_SLA_POLICY.timeBasis).toEqual({
      first_response: 'business',
      next_response: 'business',
      resolution: 'business',
    });
    expect(DEFAULT_SLA_POLICY.automatedRepliesStopClocks).toBe(false);
    expect(validateSlaPolicy({ policy: DEFAULT_SLA_POLICY })).toEqual([]);
  });

  it('keeps what a brand leaves out and takes what it sets', () => {
    const policy = slaPolicyWithDefaults({
      overrides: {
        version: 4,
        targets: { first_response: { urgent: 10 } },
        timeBasis: { resolution: 'calendar' },
        automatedRepliesStopClocks: true,
      },
    });
    expect(policy.targets.first_response).toEqual({ urgent: 10, high: 60, normal: 240, low: 1440 });
    expect(policy.targets.resolution).toEqual(DEFAULT_SLA_POLICY.targets.resolution);
    expect(policy.timeBasis.resolution).toBe('calendar');
    expect(policy.timeBasis.first_response).toBe('business');
    expect(policy.automatedRepliesStopClocks).toBe(true);
    expect(policy.version).toBe(4);
  });
});

describe('planSlaClock', () => {
  it('warns at 75 % of the target, breaches at the target and reassigns 30 min after', () => {
    const plan = planSlaClock({
      policy: DEFAULT_SLA_POLICY,
      calendar: weekdaysUtc,
      kind: 'first_response',
      priority: 'normal',
      startedAt: '2026-12-07T10:00:00Z',
    });
    expect(plan).toEqual({
      kind: 'first_response',
      priority: 'normal',
      timeBasis: 'business',
      targetMinutes: 240,
      startedAt: '2026-12-07T10:00:00Z',
      countingFrom: '2026-12-07T10:00:00Z',
      consumedMinutes: 0,
      warnAt: '2026-12-07T13:00:00.000Z',
      dueAt: '2026-12-07T14:00:00.000Z',
      escalations: [
        { action: 'warn_assignee', at: '2026-12-07T13:00:00.000Z' },
        { action: 'notify_team_lead', at: '2026-12-07T14:00:00.000Z' },
        { action: 'reassign_to_team_lead', at: '2026-12-07T14:30:00.000Z' },
      ],
      calendarVersion: 3,
      policyVersion: 1,
    });
  });

  it('lays a Friday-evening message out over the weekend in business time', () => {
    const plan = planSlaClock({
      policy: DEFAULT_SLA_POLICY,
      calendar: weekdaysUtc,
      kind: 'first_response',
      priority: 'high',
      startedAt: '2026-12-04T17:55:00Z',
    });
    expect(plan.warnAt).toBe('2026-12-07T09:40:00.000Z');
    expect(plan.dueAt).toBe('2026-12-07T09:55:00.000Z');
    expect(plan.escalations.at(-1)).toEqual({ action: 'reassign_to_team_lead', at: '2026-12-07T10:25:00.000Z' });
  });

  it('runs around the clock when the policy counts calendar time', () => {
    const policy = slaPolicyWithDefaults({ overrides: { timeBasis: { first_response: 'calendar' } } });
    const plan = planSlaClock({
      policy,
      calendar: weekdaysUtc,
      kind: 'first_response',
      priority: 'high',
      startedAt: '2026-12-04T17:55:00Z',
    });
    expect(plan.timeBasis).toBe('calendar');
    expect(plan.dueAt).toBe('2026-12-04T18:55:00.000Z');
    expect(plan.warnAt).toBe('2026-12-04T18:40:00.000Z');
    expect(plan.calendarVersion).toBe(3);
  });

  it('warns a set number of minutes before the due time, or at once when that is before the start', () => {
    const policy = slaPolicyWithDefaults({ overrides: { warning: { minutesBeforeDue: 30 } } });
    const normal = planSlaClock({
      policy,
      calendar: weekdaysUtc,
      kind: 'first_response',
      priority: 'normal',
      startedAt: '2026-12-07T10:00:00Z',
    });
    expect(normal.warnAt).toBe('2026-12-07T13:30:00.000Z');
    const urgent = planSlaClock({
      policy,
      calendar: weekdaysUtc,
      kind: 'first_response',
      priority: 'urgent',
      startedAt: '2026-12-07T10:00:00Z',
    });
    expect(urgent.warnAt).toBe('2026-12-07T10:00:00.000Z');
    expect(urgent.dueAt).toBe('2026-12-07T10:15:00.000Z');
  });

  it('lays out only the remaining time for a clock that resumes after a pause', () => {
    const plan = planSlaClock({
      policy: DEFAULT_SLA_POLICY,
      calendar: weekdaysUtc,
      kind: 'resolution',
      priority: 'urgent',
      startedAt: '2026-12-07T10:00:00Z',
      countingFrom: '2026-12-08T10:00:00Z',
      consumedMinutes: 200,
    });
    // 240 min target, 200 used: 40 min left; the warning point (180) is already behind.
    expect(plan.dueAt).toBe('2026-12-08T10:40:00.000Z');
    expect(plan.warnAt).toBe('2026-12-08T10:00:00.000Z');
  });

  it('lets a ladder step follow the warning by some minutes', () => {
    const policy = slaPolicyWithDefaults({
      overrides: { escalationLadder: [{ action: 'notify_team_lead', from: 'warning', afterMinutes: 10 }] },
    });
    const plan = planSlaClock({
      policy,
      calendar: weekdaysUtc,
      kind: 'first_response',
      priority: 'high',
      startedAt: '2026-12-07T10:00:00Z',
    });
    expect(plan.escalations).toEqual([{ action: 'notify_team_lead', at: '2026-12-07T10:55:00.000Z' }]);
  });
});

describe('validateSlaPolicy', () => {
  it('names every bad target, basis, warning, ladder step and window', () => {
    const policy = {
      ...DEFAULT_SLA_POLICY,
      version: 0,
      targets: {
        ...DEFAULT_SLA_POLICY.targets,
        first_response: { urgent: 120, high: 60, normal: 0, low: 1.5 },
      },
      timeBasis: { ...DEFAULT_SLA_POLICY.timeBasis, resolution: 'weekly' },
      warning: { fractionOfTarget: 1.5 },
      escalationLadder: [{ action: 'page_ceo', from: 'lunch', afterMinutes: -5 }],
      automatedRepliesStopClocks: 'no',
      reopenWindowMinutes: -1,
      inactivityCloseMinutes: 5,
    } as unknown as SlaPolicy;
    expect(validateSlaPolicy({ policy }).map((problem) => problem.path)).toEqual([
      'version',
      'targets.first_response.normal',
      'targets.first_response.low',
      'timeBasis.resolution',
      'targets.first_response.urgent',
      'warning.fractionOfTarget',
      'escalationLadder[0].action',
      'escalationLadder[0].from',
      'escalationLadder[0].afterMinutes',
      'automatedRepliesStopClocks',
      'reopenWindowMinutes',
      'inactivityCloseMinutes',
    ]);
  });

  it('refuses a warning that says neither how nor when', () => {
    const policy = { ...DEFAULT_SLA_POLICY, warning: {} } as unknown as SlaPolicy;
    expect(validateSlaPolicy({ policy })).toEqual([
      { path: 'warning', message: 'must give either fractionOfTarget or minutesBeforeDue' },
    ]);
  });
});
