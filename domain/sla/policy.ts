/**
 * A brand's SLA policy: how long each kind of clock may run per priority, whether it counts
 * business or calendar time, when to warn, and who hears about a breach. Plain JSON; the version
 * is recorded with every measurement so a report can say which promise was judged.
 */
import type { BusinessCalendar } from '../businessHours';
import { compileCalendar, type CompiledCalendar } from '../businessHours/openings';
import { addBusinessMs } from '../businessHours/businessTime';
import { instantMs, isoInstant, MINUTE_MS } from '../businessHours/instant';

export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const SLA_CLOCK_KINDS = ['first_response', 'next_response', 'resolution'] as const;
export type SlaClockKind = (typeof SLA_CLOCK_KINDS)[number];

/** Business time follows the brand's calendar; calendar time runs around the clock. */
export type SlaTimeBasis = 'business' | 'calendar';

export type SlaWarning = { fractionOfTarget: number } | { minutesBeforeDue: number };

export const ESCALATION_ACTIONS = ['warn_assignee', 'notify_team_lead', 'reassign_to_team_lead'] as const;
export type EscalationAction = (typeof ESCALATION_ACTIONS)[number];

/** One rung of the ladder: `afterMinutes` past the warning or the breach, in the clock's time basis. */
export interface EscalationStep {
  action: EscalationAction;
  from: 'warning' | 'breach';
  afterMinutes: number;
}

export interface SlaPolicy {
  version: number;
  /** Minutes per clock kind and priority. */
  targets: Record<SlaClockKind, Record<Priority, number>>;
  timeBasis: Record<SlaClockKind, SlaTimeBasis>;
  warning: SlaWarning;
  escalationLadder: EscalationStep[];
  /** Whether an automated reply (auto-responder, bot) counts as a response. */
  automatedRepliesStopClocks: boolean;
  /** Calendar minutes after resolving during which the conversation reopens instead of starting over. */
  reopenWindowMinutes: number;
  /** Calendar minutes without any message or action after which an open, pending or resolved conversation closes. */
  inactivityCloseMinutes: number;
}

const HOUR = 60;

/**
 * First response as the issue asks. Next response is more generous (the customer already has an
 * answer and a person on the case); resolution allows a working half-day for urgent up to a
 * working week and a half for low, in business time, so nights and weekends are not counted.
 */
export const DEFAULT_SLA_POLICY: SlaPolicy = {
  version: 1,
  targets: {
    first_response: { urgent: 15, high: 1 * HOUR, normal: 4 * HOUR, low: 24 * HOUR },
    next_response: { urgent: 30, high: 2 * HOUR, normal: 8 * HOUR, low: 24 * HOUR },
    resolution: { urgent: 4 * HOUR, high: 16 * HOUR, normal: 40 * HOUR, low: 80 * HOUR },
  },
  timeBasis: { first_response: 'business', next_response: 'business', resolution: 'business' },
  warning: { fractionOfTarget: 0.75 },
  escalationLadder: [
    { action: 'warn_assignee', from: 'warning', afterMinutes: 0 },
    { action: 'notify_team_lead', from: 'breach', afterMinutes: 0 },
    { action: 'reassign_to_team_lead', from: 'breach', afterMinutes: 30 },
  ],
  automatedRepliesStopClocks: false,
  reopenWindowMinutes: 7 * 24 * HOUR,
  inactivityCloseMinutes: 14 * 24 * HOUR,
};

export interface SlaPolicyOverrides {
  version?: number;
  targets?: Partial<Record<SlaClockKind, Partial<Record<Priority, number>>>>;
  timeBasis?: Partial<Record<SlaClockKind, SlaTimeBasis>>;
  warning?: SlaWarning;
  escalationLadder?: EscalationStep[];
  automatedRepliesStopClocks?: boolean;
  reopenWindowMinutes?: number;
  inactivityCloseMinutes?: number;
}

/** A brand's settings on top of the defaults: what a brand leaves out, the defaults decide. */
export function slaPolicyWithDefaults({ overrides = {} }: { overrides?: SlaPolicyOverrides }): SlaPolicy {
  const base = DEFAULT_SLA_POLICY;
  const targets = Object.fromEntries(
    SLA_CLOCK_KINDS.map((kind) => [kind, { ...base.targets[kind], ...overrides.targets?.[kind] }]),
  ) as SlaPolicy['targets'];
  return {
    version: overrides.version ?? base.version,
    targets,
    timeBasis: { ...base.timeBasis, ...overrides.timeBasis },
    warning: overrides.warning ?? base.warning,
    escalationLadder: overrides.escalationLadder ?? base.escalationLadder,
    automatedRepliesStopClocks: overrides.automatedRepliesStopClocks ?? base.automatedRepliesStopClocks,
    reopenWindowMinutes: overrides.reopenWindowMinutes ?? base.reopenWindowMinutes,
    inactivityCloseMinutes: overrides.inactivityCloseMinutes ?? base.inactivityCloseMinutes,
  };
}

export interface PolicyProblem {
  path: string;
  message: string;
}

/** A target longer than this is almost certainly a unit mistake (seconds for minutes). */
export const MAX_TARGET_MINUTES = 90 * 24 * HOUR;
export const MAX_ESCALATION_STEPS = 10;

function isWholeMinutes(value: unknown, { min, max }: { min: number; max: number }): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

export function validateSlaPolicy({ policy }: { policy: SlaPolicy }): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (!isWholeMinutes(policy.version, { min: 1, max: Number.MAX_SAFE_INTEGER })) {
    problems.push({ path: 'version', message: 'must be a whole number of at least 1' });
  }
  for (const kind of SLA_CLOCK_KINDS) {
    for (const priority of PRIORITIES) {
      if (!isWholeMinutes(policy.targets?.[kind]?.[priority], { min: 1, max: MAX_TARGET_MINUTES })) {
        problems.push({
          path: `targets.${kind}.${priority}`,
          message: `must be whole minutes from 1 to ${MAX_TARGET_MINUTES} (90 days)`,
        });
      }
    }
    const basis = policy.timeBasis?.[kind];
    if (basis !== 'business' && basis !== 'calendar') {
      problems.push({ path: `timeBasis.${kind}`, message: 'must be "business" or "calendar"' });
    }
  }
  for (const priority of PRIORITIES) {
    const order = PRIORITIES.indexOf(priority);
    const lower = PRIORITIES[order + 1];
    const target = policy.targets?.first_response?.[priority];
    const lowerTarget = lower ? policy.targets?.first_response?.[lower] : undefined;
    const comparable = [target, lowerTarget].every((value) =>
      isWholeMinutes(value, { min: 1, max: MAX_TARGET_MINUTES }),
    );
    if (comparable && target > lowerTarget!) {
      problems.push({
        path: `targets.first_response.${priority}`,
        message: `is longer than the ${lower} target; a higher priority must not wait longer`,
      });
    }
  }
  const warning = policy.warning as Partial<{ fractionOfTarget: number; minutesBeforeDue: number }> | undefined;
  if (warning && 'fractionOfTarget' in warning) {
    const fraction = warning.fractionOfTarget;
    if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
      problems.push({ path: 'warning.fractionOfTarget', message: 'must be a fraction between 0 and 1 (0.75 = 75 %)' });
    }
  } else if (warning && 'minutesBeforeDue' in warning) {
    if (!isWholeMinutes(warning.minutesBeforeDue, { min: 1, max: MAX_TARGET_MINUTES })) {
      problems.push({ path: 'warning.minutesBeforeDue', message: 'must be whole minutes of at least 1' });
    }
  } else {
    problems.push({ path: 'warning', message: 'must give either fractionOfTarget or minutesBeforeDue' });
  }
  if (!Array.isArray(policy.escalationLadder) || policy.escalationLadder.length > MAX_ESCALATION_STEPS) {
    problems.push({ path: 'escalationLadder', message: `must be a list of at most ${MAX_ESCALATION_STEPS} steps` });
  } else {
    policy.escalationLadder.forEach((step, index) => {
      if (!(ESCALATION_ACTIONS as readonly string[]).includes(step?.action)) {
        problems.push({
          path: `escalationLadder[${index}].action`,
          message: `must be one of ${ESCALATION_ACTIONS.join(', ')}`,
        });
      }
      if (step?.from !== 'warning' && step?.from !== 'breach') {
        problems.push({ path: `escalationLadder[${index}].from`, message: 'must be "warning" or "breach"' });
      }
      if (!isWholeMinutes(step?.afterMinutes, { min: 0, max: MAX_TARGET_MINUTES })) {
        problems.push({
          path: `escalationLadder[${index}].afterMinutes`,
          message: 'must be whole minutes of at least 0',
        });
      }
    });
  }
  if (typeof policy.automatedRepliesStopClocks !== 'boolean') {
    problems.push({ path: 'automatedRepliesStopClocks', message: 'must be true or false' });
  }
  if (!isWholeMinutes(policy.reopenWindowMinutes, { min: 0, max: MAX_TARGET_MINUTES })) {
    problems.push({ path: 'reopenWindowMinutes', message: `must be whole minutes from 0 to ${MAX_TARGET_MINUTES}` });
  }
  if (!isWholeMinutes(policy.inactivityCloseMinutes, { min: 60, max: MAX_TARGET_MINUTES })) {
    problems.push({
      path: 'inactivityCloseMinutes',
      message: `must be whole minutes from 60 to ${MAX_TARGET_MINUTES}`,
    });
  }
  return problems;
}

/** Moves `from` on by `minutes` of the clock's time basis (epoch milliseconds). */
export function advanceByBasis({
  calendar,
  timeBasis,
  from,
  minutes,
}: {
  calendar: CompiledCalendar;
  timeBasis: SlaTimeBasis;
  from: number;
  minutes: number;
}): number {
  const ms = Math.round(Math.max(0, minutes) * MINUTE_MS);
  return timeBasis === 'calendar' ? from + ms : addBusinessMs({ calendar, from, ms });
}

export interface PlannedEscalation {
  action: EscalationAction;
  at: string;
}

export interface SlaClockPlan {
  kind: SlaClockKind;
  priority: Priority;
  timeBasis: SlaTimeBasis;
  targetMinutes: number;
  startedAt: string;
  /** Where counting (re)started: the start, or the end of the last pause. */
  countingFrom: string;
  /** Minutes of the target already used before `countingFrom` (in the clock's time basis). */
  consumedMinutes: number;
  warnAt: string;
  dueAt: string;
  escalations: PlannedEscalation[];
  calendarVersion: number;
  policyVersion: number;
}

/** Minutes into the target at which the warning falls. */
export function warningPointMinutes({
  warning,
  targetMinutes,
}: {
  warning: SlaWarning;
  targetMinutes: number;
}): number {
  if ('fractionOfTarget' in warning) return targetMinutes * warning.fractionOfTarget;
  return Math.max(0, targetMinutes - warning.minutesBeforeDue);
}

/**
 * When a clock warns, falls due and escalates. A clock that resumes after a pause passes the
 * minutes it has already used and the instant counting restarted; the remaining time is laid
 * out from there, so pauses never count against the target.
 */
export function planSlaClock({
  policy,
  calendar,
  kind,
  priority,
  startedAt,
  countingFrom = startedAt,
  consumedMinutes = 0,
}: {
  policy: SlaPolicy;
  calendar: BusinessCalendar;
  kind: SlaClockKind;
  priority: Priority;
  startedAt: string;
  countingFrom?: string;
  consumedMinutes?: number;
}): SlaClockPlan {
  const compiled = compileCalendar({ calendar });
  const timeBasis = policy.timeBasis[kind];
  const targetMinutes = policy.targets[kind][priority];
  const origin = instantMs({ value: countingFrom, field: 'countingFrom' });
  instantMs({ value: startedAt, field: 'startedAt' });
  const advance = (from: number, minutes: number) => advanceByBasis({ calendar: compiled, timeBasis, from, minutes });
  const due = advance(origin, targetMinutes - consumedMinutes);
  const warn = advance(origin, warningPointMinutes({ warning: policy.warning, targetMinutes }) - consumedMinutes);
  return {
    kind,
    priority,
    timeBasis,
    targetMinutes,
    startedAt,
    countingFrom,
    consumedMinutes,
    warnAt: isoInstant(warn),
    dueAt: isoInstant(due),
    escalations: policy.escalationLadder.map((step) => ({
      action: step.action,
      at: isoInstant(advance(step.from === 'warning' ? warn : due, step.afterMinutes)),
    })),
    calendarVersion: calendar.version,
    policyVersion: policy.version,
  };
}
