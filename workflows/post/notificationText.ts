/**
 * What the post's notifications say and whom they address. Pure: the phases decide when a
 * notification is due, this module words it from the post's state.
 */
import type { ReviewStep } from '../../domain/reviewProgress';
import type { ForcedDecision, StageSpec } from '../../domain/types';
import type { PerformanceSummary } from '../../activities/contract';
import type { PostState, StageDeadline, VariantState } from '../messages';
import type { NotificationDraft } from './transitions';

export type OpenStep = Extract<ReviewStep, { kind: 'drafting' | 'review' }>;

/** The open step's people are told it is theirs: the author for drafting, the deciding roles for review. */
export function stepDue(state: PostState, step: OpenStep): NotificationDraft {
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

interface StageClock {
  state: PostState;
  spec: StageSpec;
  deadline: StageDeadline;
}

export function reviewReminder({ state, spec, deadline }: StageClock): NotificationDraft {
  return {
    kind: 'review_reminder',
    ...recipients(state, spec, deadline.decidingRoles),
    message: `Reminder: ${describeStage(state, spec)} is due by ${deadline.escalateAt}.`,
    data: { stage: spec.stage, revision: state.revision, escalateAt: deadline.escalateAt },
  };
}

export function reviewEscalated({ state, spec, deadline }: StageClock): NotificationDraft {
  return {
    kind: 'review_escalated',
    ...recipients(state, spec, deadline.decidingRoles),
    message: `${describeStage(state, spec)} ran out of time and is escalated to ${spec.backupRole}; ${forcedOutcome(spec)} at ${deadline.forceAt}.`,
    data: { stage: spec.stage, backupRole: spec.backupRole, forceAt: deadline.forceAt },
  };
}

export function reviewForced({
  state,
  spec,
  deadline,
  forced,
}: StageClock & { forced: ForcedDecision }): NotificationDraft {
  const about = describeStage(state, spec);
  return {
    kind: 'review_forced',
    ...recipients(state, spec, deadline.decidingRoles),
    message:
      forced === 'auto_approve'
        ? `${about} was approved automatically after its time ran out.`
        : forced === 'reject'
          ? `${about} was rejected after its time ran out.`
          : `${about} ran out of time; the post is on hold until someone decides.`,
    data: { stage: spec.stage, decision: forced },
  };
}

export function published(state: PostState, live: VariantState[]): NotificationDraft {
  return {
    kind: 'published',
    roles: ['manager'],
    userIds: [state.authorId],
    message: `"${state.title}" is live on ${live.map((variant) => variant.platform).join(', ')}.`,
    data: { variants: live },
  };
}

export function publishFailed(state: PostState, failed: VariantState[]): NotificationDraft {
  return {
    kind: 'publish_failed',
    roles: ['manager'],
    userIds: [state.authorId],
    message: `"${state.title}" could not be published to ${failed.map(describeFailure).join('; ')}.`,
    data: { failed },
  };
}

export function performanceSummary(state: PostState, summary: PerformanceSummary): NotificationDraft {
  return {
    kind: 'performance_summary',
    roles: ['manager'],
    userIds: [state.authorId],
    message: `"${state.title}" reached ${summary.totals.impressions} impressions and ${summary.totals.clicks} clicks.`,
    data: { ...summary },
  };
}

export function describeFailure(variant: VariantState): string {
  return `${variant.platform} (${variant.accountId}): ${variant.failureType ?? 'Error'} — ${variant.failureReason ?? 'unknown reason'}`;
}

function recipients(state: PostState, spec: StageSpec, roles: string[]): Pick<NotificationDraft, 'roles' | 'userIds'> {
  return spec.stage === 'drafting' ? { roles, userIds: [state.authorId] } : { roles };
}

function describeStage(state: PostState, spec: StageSpec): string {
  return spec.stage === 'drafting'
    ? `Drafting of "${state.title}"`
    : `${spec.stage} of "${state.title}" (revision ${state.revision})`;
}

function forcedOutcome(spec: StageSpec): string {
  if (spec.stage === 'drafting' || spec.onTimeout === 'hold') return 'it is put on hold';
  return spec.onTimeout === 'auto_approve' ? 'it is approved automatically' : 'the post is rejected';
}
