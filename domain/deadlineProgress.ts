/**
 * How far an open stage's clock has run: its reviewers are reminded, the stage is escalated to its
 * backup role, then the policy's decision is forced. Each step is reached once, in that order.
 * Pure: the workflow asks which step is due next and records it when its timer fires.
 */
import type { ReviewDecisionRecord, StageDeadline } from './postState';
import type { ForcedDecision, StageSpec } from './types';

export type DeadlineProgress = 'waiting' | 'reminded' | 'escalated' | 'forced';

export type DeadlineStep = 'remind' | 'escalate' | 'force';

export interface DueDeadline {
  deadline: StageDeadline;
  step: DeadlineStep;
  at: string;
}

const NEXT_STEP: Record<DeadlineProgress, DeadlineStep | undefined> = {
  waiting: 'remind',
  reminded: 'escalate',
  escalated: 'force',
  forced: undefined,
};

const REACHED: Record<DeadlineStep, DeadlineProgress> = {
  remind: 'reminded',
  escalate: 'escalated',
  force: 'forced',
};

function dueAt(deadline: StageDeadline, step: DeadlineStep): string {
  if (step === 'remind') return deadline.remindAt;
  return step === 'escalate' ? deadline.escalateAt : deadline.forceAt;
}

/** The earliest step due across the open stages; the first stage listed wins a tie. */
export function nextDeadline({
  deadlines,
  progress,
}: {
  deadlines: readonly StageDeadline[];
  progress: Readonly<Record<string, DeadlineProgress>>;
}): DueDeadline | undefined {
  let earliest: DueDeadline | undefined;
  for (const deadline of deadlines) {
    const step = NEXT_STEP[progress[deadline.stage] ?? 'waiting'];
    const candidate = step ? { deadline, step, at: dueAt(deadline, step) } : undefined;
    if (candidate && (!earliest || Date.parse(candidate.at) < Date.parse(earliest.at))) earliest = candidate;
  }
  return earliest;
}

/** Where a stage's clock stands once `step` has been acted on. */
export function progressAfter(step: DeadlineStep): DeadlineProgress {
  return REACHED[step];
}

/** Nobody can approve a draft that was never written: drafting only ever holds. */
export function forcedDecision(spec: StageSpec): ForcedDecision {
  return spec.stage === 'drafting' && spec.onTimeout === 'auto_approve' ? 'hold' : spec.onTimeout;
}

/** How a forced decision is kept among the post's decisions. */
export function forcedDecisionKind(forced: ForcedDecision): ReviewDecisionRecord['decision'] {
  if (forced === 'auto_approve') return 'forced_approve';
  return forced === 'reject' ? 'forced_reject' : 'forced_hold';
}
