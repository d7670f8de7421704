/**
 * The review phase: drafting and the review stages of the post's plan, one group at a time.
 * Each open stage runs its clock (domain/deadlineProgress.ts) while revisions and decisions
 * arrive through the inbox.
 */
import {
  forcedDecision,
  forcedDecisionKind,
  nextDeadline,
  progressAfter,
  type DueDeadline,
} from '../../domain/deadlineProgress';
import { decidingRoles, stageDeadlines } from '../../domain/reviewPolicy';
import { nextReviewStep } from '../../domain/reviewProgress';
import type { StageSpec } from '../../domain/types';
import type { StageDeadline } from '../messages';
import { reviewEscalated, reviewForced, reviewReminder, stepDue, type OpenStep } from './notificationText';
import { REVIEW_REQUESTS } from './inbox';
import type { PostRun } from './state';
import { nowIso, reviewTransition, SYSTEM_ACTOR, type PendingTransition } from './transitions';

/** Each outcome hands over the transition that settled the review, recorded by what comes next. */
export type ReviewOutcome =
  | { kind: 'approved'; handover: PendingTransition }
  | { kind: 'rejected'; handover: PendingTransition; stage: string }
  | { kind: 'cancelled' };

/**
 * Runs the review until every stage of the plan approves the current revision. `handover` is the
 * transition that led here; it is recorded together with the first stage it opens.
 */
export async function reviewPost(run: PostRun, handover: PendingTransition): Promise<ReviewOutcome> {
  let settled = handover;
  for (;;) {
    const step = nextReviewStep(run.reviewRecord());
    if (step.kind === 'approved') return { kind: 'approved', handover: settled };
    if (step.kind === 'rejected') return { kind: 'rejected', handover: settled, stage: step.stage };
    await openStep(run, step, settled);
    const next = await awaitStep(run, step);
    if (next === 'cancelled') return { kind: 'cancelled' };
    settled = next;
  }
}

function specsOf(step: OpenStep): StageSpec[] {
  return step.kind === 'drafting' ? [step.spec] : step.stages;
}

async function openStep(run: PostRun, step: OpenStep, handover: PendingTransition): Promise<void> {
  const openedAt = nowIso();
  const specs = specsOf(step);
  const deadlines = specs.map((spec): StageDeadline => {
    run.deadlineProgress[spec.stage] = 'waiting';
    return {
      stage: spec.stage,
      openedAt,
      ...stageDeadlines({ stage: spec, openedAt }),
      escalated: false,
      onTimeout: spec.onTimeout,
      decidingRoles: decidingRoles({ stage: spec, escalated: false }),
    };
  });
  run.enter({ stage: specs[0].stage, openStages: specs.map((spec) => spec.stage), deadlines });
  await run.transition({
    ...handover,
    notifications: [...(handover.notifications ?? []), stepDue(run.state, step)],
  });
}

const hasReviewRequest = (run: PostRun): boolean => REVIEW_REQUESTS.some((kind) => run.inbox.has(kind));

/** Waits for the open step to settle; returns the transition that settled it, not yet recorded. */
async function awaitStep(run: PostRun, step: OpenStep): Promise<PendingTransition | 'cancelled'> {
  for (;;) {
    const due = nextDeadline({ deadlines: run.state.deadlines, progress: run.deadlineProgress });
    const { timedOut } = await run.waitFor(
      () => hasReviewRequest(run),
      due ? Date.parse(due.at) - Date.now() : undefined,
    );
    if (run.cancelling) return 'cancelled';
    if (hasReviewRequest(run)) {
      const settled = await recordOrHandOver(run, step, run.inbox.takeAll(REVIEW_REQUESTS).map(reviewTransition));
      if (settled) return settled;
    } else if (due && timedOut) {
      const settled = await passDeadline(run, step, due);
      if (settled) return settled;
    }
  }
}

/**
 * Records what happened while the step stays open. When the step has settled, the last transition
 * is returned instead, to be recorded together with whatever opens next.
 */
async function recordOrHandOver(
  run: PostRun,
  step: OpenStep,
  transitions: PendingTransition[],
): Promise<PendingTransition | undefined> {
  const next = nextReviewStep(run.reviewRecord());
  const stillOpen =
    (next.kind === 'drafting' || next.kind === 'review') && next.kind === step.kind && next.group === step.group;
  if (stillOpen) {
    if (next.kind === 'review') narrowTo(run, next.stages);
    for (const transition of transitions) await run.transition(transition);
    return undefined;
  }
  const settled = transitions.pop();
  for (const transition of transitions) await run.transition(transition);
  return settled;
}

/** Side-by-side stages that have approved leave the open set; the others keep their clocks. */
function narrowTo(run: PostRun, stillOpen: StageSpec[]): void {
  const names = stillOpen.map((spec) => spec.stage);
  run.enter({
    stage: names[0],
    openStages: names,
    deadlines: run.state.deadlines.filter((deadline) => names.some((name) => name === deadline.stage)),
  });
}

async function passDeadline(run: PostRun, step: OpenStep, due: DueDeadline): Promise<PendingTransition | undefined> {
  const spec = specsOf(step).find((candidate) => candidate.stage === due.deadline.stage)!;
  const { deadline } = due;
  const { state } = run;
  const fromStage = state.stage;
  run.deadlineProgress[spec.stage] = progressAfter(due.step);

  if (due.step === 'remind') {
    await run.transition({
      action: 'review_reminded',
      actorId: SYSTEM_ACTOR,
      fromStage,
      detail: { stage: spec.stage, escalateAt: deadline.escalateAt },
      notifications: [reviewReminder({ state, spec, deadline })],
    });
    return undefined;
  }

  if (due.step === 'escalate') {
    deadline.escalated = true;
    deadline.decidingRoles = decidingRoles({ stage: spec, escalated: true });
    await run.transition({
      action: 'review_escalated',
      actorId: SYSTEM_ACTOR,
      fromStage,
      detail: { stage: spec.stage, backupRole: spec.backupRole, forceAt: deadline.forceAt },
      notifications: [reviewEscalated({ state, spec, deadline })],
    });
    return undefined;
  }

  const forced = forcedDecision(spec);
  state.decisions.push({
    stage: spec.stage,
    revision: state.revision,
    decision: forcedDecisionKind(forced),
    by: SYSTEM_ACTOR,
    at: nowIso(),
  });
  const forcedTransition: PendingTransition = {
    action: 'review_forced',
    actorId: SYSTEM_ACTOR,
    fromStage: spec.stage,
    detail: { stage: spec.stage, decision: forced, revision: state.revision },
    notifications: [reviewForced({ state, spec, deadline, forced })],
  };
  if (forced === 'reject') state.exitReason = `${spec.stage} ran out of time and the policy rejects the post`;
  return recordOrHandOver(run, step, [forcedTransition]);
}
