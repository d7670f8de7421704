/**
 * Response KPIs from a conversation's SLA clocks, as the clocks recorded them: each clock knows
 * when it started (the oldest unanswered customer message), how it ended and its elapsed
 * calendar and business minutes (the brand's hours as they were then).
 */
import type { SlaClockKind } from '../sla/policy';
import { SLA_CLOCK_KINDS } from '../sla/policy';
import { summarizeHistogram } from './histogram';
import { periodOf } from './periods';
import { rollupGroups, type RollupCell, type RollupGroup } from './rollupCells';
import { groupBy, share, summarize, type Summary } from './statistics';

export const RESPONSE_GROUPS = ['brand', 'queue', 'agent', 'priority', 'day', 'week'] as const;
export type ResponseGroup = (typeof RESPONSE_GROUPS)[number];

export interface ClockFact {
  kind: SlaClockKind;
  /** `running` or `paused` while open; the outcome (`met`, `breached`, `closed_unanswered`, `closed_without_reply`) once finished. */
  status: string;
  endedBy: string | null;
  startedAt: string;
  elapsedCalendarMinutes: number | null;
  elapsedBusinessMinutes: number | null;
  brandId: string;
  queue: string | null;
  assigneeId: string | null;
  priority: string;
}

export interface DurationPair {
  calendarMinutes: Summary;
  businessMinutes: Summary;
}

export interface TargetAttainment {
  met: number;
  breached: number;
  /** met / (met + breached); null when no target of this kind finished either way. */
  attainment: number | null;
}

export interface ResponseRow {
  group: string;
  /** Conversation cycles that needed an answer: every first-response clock except spam closed without reply. */
  conversations: number;
  /** Of those, the ones a person answered publicly. */
  responded: number;
  responseRate: number | null;
  firstResponse: DurationPair;
  /** Every reply: first and next responses, each from the oldest customer message it answered. */
  allReplies: DurationPair;
  sla: Record<SlaClockKind, TargetAttainment>;
}

const answered = (clock: ClockFact): boolean => clock.endedBy === 'human_reply';
const isResponseClock = (clock: ClockFact): boolean =>
  clock.kind === 'first_response' || clock.kind === 'next_response';

function durations(clocks: readonly ClockFact[]): DurationPair {
  return {
    calendarMinutes: summarize(clocks.flatMap((clock) => clock.elapsedCalendarMinutes ?? [])),
    businessMinutes: summarize(clocks.flatMap((clock) => clock.elapsedBusinessMinutes ?? [])),
  };
}

/** Finished targets only: a clock still running (even past its due time) is neither met nor breached yet. */
export function attainment(clocks: readonly ClockFact[]): TargetAttainment {
  const met = clocks.filter((clock) => clock.status === 'met').length;
  const breached = clocks.filter((clock) => clock.status === 'breached').length;
  return { met, breached, attainment: share(met, met + breached) };
}

export function responseGroupKey(clock: ClockFact, by: ResponseGroup, timeZone: string): string {
  switch (by) {
    case 'brand':
      return clock.brandId;
    case 'queue':
      return clock.queue ?? '(none)';
    case 'agent':
      return clock.assigneeId ?? '(unassigned)';
    case 'priority':
      return clock.priority;
    case 'day':
    case 'week':
      return periodOf({ instant: clock.startedAt, timeZone, period: by });
  }
}

export function responseRow(group: string, clocks: readonly ClockFact[]): ResponseRow {
  const first = clocks.filter((clock) => clock.kind === 'first_response');
  const needing = first.filter((clock) => clock.status !== 'closed_without_reply');
  const responded = needing.filter(answered);
  return {
    group,
    conversations: needing.length,
    responded: responded.length,
    responseRate: share(responded.length, needing.length),
    firstResponse: durations(responded),
    allReplies: durations(clocks.filter((clock) => isResponseClock(clock) && answered(clock))),
    sla: Object.fromEntries(
      SLA_CLOCK_KINDS.map((kind) => [kind, attainment(clocks.filter((clock) => clock.kind === kind))]),
    ) as Record<SlaClockKind, TargetAttainment>,
  };
}

/** One row per group, groups in order; clocks are those that started in the report's range. */
export function responsesReport({
  clocks,
  by,
  timeZone,
}: {
  clocks: readonly ClockFact[];
  by: ResponseGroup;
  timeZone: string;
}): ResponseRow[] {
  const groups = groupBy(clocks, (clock) => responseGroupKey(clock, by, timeZone));
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, members]) => responseRow(group, members));
}

function durationsFromRollup(group: RollupGroup, kinds: readonly SlaClockKind[]): DurationPair {
  return {
    calendarMinutes: summarizeHistogram(group.histogram(kinds, 'calendarMinutes')),
    businessMinutes: summarizeHistogram(group.histogram(kinds, 'businessMinutes')),
  };
}

/**
 * The same rows from the daily rollups (subjects are clock kinds): counts and means exact, medians
 * and 90th percentiles from the merged histograms.
 */
export function responsesFromRollups(cells: readonly RollupCell[]): ResponseRow[] {
  return rollupGroups(cells).map(([group, rollup]) => {
    const conversations = rollup.count('first_response', 'needing');
    const responded = rollup.count('first_response', 'answered');
    return {
      group,
      conversations,
      responded,
      responseRate: share(responded, conversations),
      firstResponse: durationsFromRollup(rollup, ['first_response']),
      allReplies: durationsFromRollup(rollup, ['first_response', 'next_response']),
      sla: Object.fromEntries(
        SLA_CLOCK_KINDS.map((kind) => {
          const met = rollup.count(kind, 'met');
          const breached = rollup.count(kind, 'breached');
          return [kind, { met, breached, attainment: share(met, met + breached) }];
        }),
      ) as Record<SlaClockKind, TargetAttainment>,
    };
  });
}

/** The fact a report reads for a clock, as the conversation's projection records it. */
export function clockFactOf({
  clock,
  brandId,
  queue,
  assigneeId,
}: {
  clock: {
    kind: SlaClockKind;
    priority: string;
    startedAt: string;
    outcome?: string;
    pausedAt?: string | null;
    endedBy?: string;
    elapsedCalendarMinutes?: number;
    elapsedBusinessMinutes?: number;
  };
  brandId: string;
  queue: string | null;
  assigneeId: string | null;
}): ClockFact {
  const status = clock.outcome ?? (clock.pausedAt ? 'paused' : 'running');
  return {
    kind: clock.kind,
    status,
    endedBy: clock.endedBy ?? null,
    startedAt: clock.startedAt,
    elapsedCalendarMinutes: clock.elapsedCalendarMinutes ?? null,
    elapsedBusinessMinutes: clock.elapsedBusinessMinutes ?? null,
    brandId,
    queue,
    assigneeId,
    priority: clock.priority,
  };
}
