/**
 * The review phase: drafting and the review stages of the post's plan, one group at a time.
 * Each open stage runs its clock — remind its reviewers, escalate to the backup role, then force
 * the decision the policy names — while decisions and revisions arrive through updates.
 */
import { decidingRoles, stageDeadlines } from '../../domain/reviewPolicy';
import type { StageSpec } from '../../domain/types';
import type { ReviewDecisionRecord, StageDeadline } from '../messages';
import { nextReviewStep, type ReviewStep } from '../../domain/reviewProgress';
import { nowIso, SYSTEM_ACTOR, type NotificationDraft, type PendingAction, type PostRun } from './run';

export type ReviewOutcome =
  | { kind: 'approved'; settledBy: PendingAction }
  | { kind: 'rejected'; settledBy: PendingAction; stage: string }
  | { kind: 'cancelled' };

type OpenStep = Extract<ReviewStep, { kind: 'drafting' | 'review' }>;

/**
 * Runs the review until every stage of the plan approves the current revision. `startedBy` is the
 * transition that led here; it is recorded together with the first stage it opens.
 */
export async function reviewPost(run: PostRun, startedBy: PendingAction): Promise<ReviewOutcome> {
  let settledBy = startedBy;
  for (;;) {
    const step = nextReviewStep(run.reviewRecord());
    if (step.kind === 'approved') return { kind: 'approved', settledBy };
    if (step.kind === 'rejected') return { kind: 'rejected', settledBy, stage: step.stage };
    await openStep(run, step, settledBy);
    const next = await awaitStep(run, step);
    if (next === 'cancelled') return { kind: 'cancelled' };
    settledBy = next;
  }
}

function specsOf(step: OpenStep): StageSpec[] {
  return step.kind === 'drafting' ? [step.spec] : step.stages;
}

async function openStep(run: PostRun, step: OpenStep, openedBy: PendingAction): Promise<void> {
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
    ...openedBy,
    notifications: [...(openedBy.notifications ?? []), stepDueNotification(run, step)],
  });
}

/** Waits for the open step to settle; returns the transition that settled it, not yet recorded. */
async function awaitStep(run: PostRun, step: OpenStep): Promise<PendingAction | 'cancelled'> {
  for (;;) {
    const due = nextDeadline(run);
    const { timedOut } = await run.waitFor(
      () => run.inbox.length > 0,
      due ? Date.parse(due.at) - Date.now() : undefined,
    );
    if (run.cancellation) return 'cancelled';
    if (run.inbox.length > 0) {
      const settledBy = await recordOrCarry(run, step, run.drainInbox());
      if (settledBy) return settledBy;
    } else if (due && timedOut) {
      const settledBy = await passDeadline(run, step, due);
      if (settledBy) return settledBy;
    }
  }
}

/**
 * Records what happened while the step stays open. When the step has settled, the last action
 * is returned instead, to be recorded together with whatever opens next.
 */
async function recordOrCarry(
  run: PostRun,
  step: OpenStep,
  actions: PendingAction[],
): Promise<PendingAction | undefined> {
  const next = nextReviewStep(run.reviewRecord());
  const stillOpen =
    (next.kind === 'drafting' || next.kind === 'review') && next.kind === step.kind && next.group === step.group;
  if (stillOpen) {
    if (next.kind === 'review') narrowTo(run, next.stages);
    for (const action of actions) await run.transition(action);
    return undefined;
  }
  const settledBy = actions.pop();
  for (const action of actions) await run.transition(action);
  return settledBy;
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

interface DueDeadline {
  deadline: StageDeadline;
  kind: 'remind' | 'escalate' | 'force';
  at: string;
}

function nextDeadline(run: PostRun): DueDeadline | undefined {
  let earliest: DueDeadline | undefined;
  for (const deadline of run.state.deadlines) {
    const progress = run.deadlineProgress[deadline.stage] ?? 'waiting';
    const candidate: DueDeadline | undefined =
      progress === 'waiting'
        ? { deadline, kind: 'remind', at: deadline.remindAt }
        : progress === 'reminded'
          ? { deadline, kind: 'escalate', at: deadline.escalateAt }
          : progress === 'escalated'
            ? { deadline, kind: 'force', at: deadline.forceAt }
            : undefined;
    if (candidate && (!earliest || Date.parse(candidate.at) < Date.parse(earliest.at))) earliest = candidate;
  }
  return earliest;
}

async function passDeadline(run: PostRun, step: OpenStep, due: DueDeadline): Promise<PendingAction | undefined> {
  const spec = specsOf(step).find((candidate) => candidate.stage === due.deadline.stage)!;
  const { deadline } = due;
  const fromStage = run.state.stage;
  const about = describeStage(run, spec);

  if (due.kind === 'remind') {
    run.deadlineProgress[spec.stage] = 'reminded';
    await run.transition({
      action: 'review_reminded',
      actorId: SYSTEM_ACTOR,
      fromStage,
      detail: { stage: spec.stage, escalateAt: deadline.escalateAt },
      notifications: [
        {
          kind: 'review_reminder',
          ...recipients(run, spec, deadline.decidingRoles),
          message: `Reminder: ${about} is due by ${deadline.escalateAt}.`,
          data: { stage: spec.stage, revision: run.state.revision, escalateAt: deadline.escalateAt },
        },
      ],
    });
    return undefined;
  }

  if (due.kind === 'escalate') {
    run.deadlineProgress[spec.stage] = 'escalated';
    deadline.escalated = true;
    deadline.decidingRoles = decidingRoles({ stage: spec, escalated: true });
    await run.transition({
      action: 'review_escalated',
      actorId: SYSTEM_ACTOR,
      fromStage,
      detail: { stage: spec.stage, backupRole: spec.backupRole, forceAt: deadline.forceAt },
      notifications: [
        {
          kind: 'review_escalated',
          ...recipients(run, spec, deadline.decidingRoles),
          message: `${about} ran out of time and is escalated to ${spec.backupRole}; ${forcedOutcome(spec)} at ${deadline.forceAt}.`,
          data: { stage: spec.stage, backupRole: spec.backupRole, forceAt: deadline.forceAt },
        },
      ],
    });
    return undefined;
  }

  run.deadlineProgress[spec.stage] = 'forced';
  // Nobody can approve a draft that was never written: drafting only ever holds.
  const forced = spec.stage === 'drafting' && spec.onTimeout === 'auto_approve' ? 'hold' : spec.onTimeout;
  const decision: ReviewDecisionRecord = {
    stage: spec.stage,
    revision: run.state.revision,
    decision: forced === 'auto_approve' ? 'forced_approve' : forced === 'reject' ? 'forced_reject' : 'forced_hold',
    by: SYSTEM_ACTOR,
    at: nowIso(),
  };
  run.state.decisions.push(decision);
  const forcedAction: PendingAction = {
    action: 'review_forced',
    actorId: SYSTEM_ACTOR,
    fromStage: spec.stage,
    detail: { stage: spec.stage, decision: forced, revision: run.state.revision },
    notifications: [
      {
        kind: 'review_forced',
        ...recipients(run, spec, deadline.decidingRoles),
        message:
          forced === 'auto_approve'
            ? `${about} was approved automatically after its time ran out.`
            : forced === 'reject'
              ? `${about} was rejected after its time ran out.`
              : `${about} ran out of time; the post is on hold until someone decides.`,
        data: { stage: spec.stage, decision: forced },
      },
    ],
  };
  if (forced === 'reject') run.state.exitReason = `${spec.stage} ran out of time and the policy rejects the post`;
  return recordOrCarry(run, step, [forcedAction]);
}

function stepDueNotification(run: PostRun, step: OpenStep): NotificationDraft {
  const { state } = run;
  if (step.kind === 'drafting') {
    const author = { roles: [step.spec.role], userIds: [state.authorId] };
    if (state.qualityIssues.length > 0) {
      return {
        kind: 'quality_blocked',
        ...author,
        message: `Revision ${state.revision} of "${state.title}" does not pass the quality checks: ${state.qualityIssues
          .map((issue) => issue.message)
          .join('; ')}`,
        data: { revision: state.revision, issues: state.qualityIssues },
      };
    }
    const changes = state.decisions.filter(
      (decision) => decision.decision === 'request_changes' && decision.revision === state.revision,
    );
    return {
      kind: 'review_due',
      ...author,
      message:
        changes.length > 0
          ? `Changes requested on "${state.title}": ${changes.map((change) => `${change.stage}: ${change.comment ?? 'no comment'}`).join('; ')}`
          : `"${state.title}" is ready to be drafted.`,
      data: { stage: 'drafting', revision: state.revision, changes },
    };
  }
  const roles = [...new Set(state.deadlines.flatMap((deadline) => deadline.decidingRoles))];
  return {
    kind: 'review_due',
    roles,
    message: `"${state.title}" (revision ${state.revision}) is waiting for ${step.stages.map((spec) => spec.stage).join(' and ')}.`,
    data: { stages: step.stages.map((spec) => spec.stage), revision: state.revision, deadlines: state.deadlines },
  };
}

function recipients(run: PostRun, spec: StageSpec, roles: string[]): Pick<NotificationDraft, 'roles' | 'userIds'> {
  return spec.stage === 'drafting' ? { roles, userIds: [run.state.authorId] } : { roles };
}

function describeStage(run: PostRun, spec: StageSpec): string {
  return spec.stage === 'drafting'
    ? `Drafting of "${run.state.title}"`
    : `${spec.stage} of "${run.state.title}" (revision ${run.state.revision})`;
}

function forcedOutcome(spec: StageSpec): string {
  if (spec.stage === 'drafting' || spec.onTimeout === 'hold') return 'it is put on hold';
  return spec.onTimeout === 'auto_approve' ? 'it is approved automatically' : 'the post is rejected';
}
