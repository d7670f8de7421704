/**
 * Where a post's review stands, derived from its plan, current revision and decisions alone.
 * Pure: the workflow asks it what to wait for next, the validators ask it who has approved.
 */
import { stageGroups, type StageApproval } from './reviewPolicy';
import type { ReviewPlan, StageSpec } from './types';
import type { QualityIssue, ReviewDecisionRecord } from './postState';

export interface ReviewRecord {
  plan: ReviewPlan;
  revision: number;
  decisions: readonly ReviewDecisionRecord[];
  /** Issues of the current revision; a revision with issues cannot leave drafting. */
  qualityIssues: readonly QualityIssue[];
}

export type StageStatus = 'open' | 'approved' | 'rejected' | 'changes_requested';

export type ReviewStep =
  | { kind: 'drafting'; group: number; spec: StageSpec }
  | { kind: 'review'; group: number; stages: StageSpec[] }
  | { kind: 'approved' }
  | { kind: 'rejected'; stage: string };

/**
 * Stages before drafting judge the idea; a new revision of the content does not change the idea,
 * so their approvals keep counting. Stages after drafting judge the content of one revision.
 */
export function judgesIdea({ plan, stage }: { plan: ReviewPlan; stage: string }): boolean {
  const position = plan.stages.findIndex((spec) => spec.stage === stage);
  const drafting = plan.stages.findIndex((spec) => spec.stage === 'drafting');
  return drafting >= 0 && position >= 0 && position < drafting;
}

function countsFor({ record, spec }: { record: ReviewRecord; spec: StageSpec }): ReviewDecisionRecord[] {
  const anyRevision = judgesIdea({ plan: record.plan, stage: spec.stage });
  return record.decisions.filter(
    (decision) => decision.stage === spec.stage && (anyRevision || decision.revision === record.revision),
  );
}

export function stageStatus({ record, spec }: { record: ReviewRecord; spec: StageSpec }): StageStatus {
  const decisions = countsFor({ record, spec });
  // A rejection ends the post, so one on any revision settles the stage for good.
  const rejectedEver = record.decisions.some(
    (decision) =>
      decision.stage === spec.stage && (decision.decision === 'reject' || decision.decision === 'forced_reject'),
  );
  if (rejectedEver) return 'rejected';
  const changesRequested = decisions.some(
    (decision) => decision.decision === 'request_changes' && decision.revision === record.revision,
  );
  if (changesRequested) return 'changes_requested';
  if (decisions.some((decision) => decision.decision === 'forced_approve')) return 'approved';
  const approvers = new Set(
    decisions.filter((decision) => decision.decision === 'approve').map((decision) => decision.by),
  );
  return approvers.size >= spec.quorum ? 'approved' : 'open';
}

/** Approvals that count towards the current review, at any stage (input to separation of duties). */
export function countedApprovals(record: ReviewRecord): StageApproval[] {
  return record.plan.stages.flatMap((spec) =>
    countsFor({ record, spec })
      .filter((decision) => decision.decision === 'approve')
      .map((decision) => ({ stage: decision.stage, userId: decision.by })),
  );
}

/** Whether the current revision is ready for review: written, passing the checks, not sent back. */
export function draftReady(record: ReviewRecord): boolean {
  if (record.revision < 1 || record.qualityIssues.length > 0) return false;
  return !record.decisions.some(
    (decision) => decision.decision === 'request_changes' && decision.revision === record.revision,
  );
}

/**
 * What the review waits for next: the earliest group of stages in plan order that is not settled.
 * Changes requested anywhere send the post back to drafting first; a rejection ends the review.
 */
export function nextReviewStep(record: ReviewRecord): ReviewStep {
  const statuses = record.plan.stages.map((spec) => ({ spec, status: stageStatus({ record, spec }) }));
  const rejected = statuses.find((entry) => entry.status === 'rejected');
  if (rejected) return { kind: 'rejected', stage: rejected.spec.stage };

  const groups = stageGroups(record.plan);
  const draftingGroup = groups.find((group) => group.some((spec) => spec.stage === 'drafting'));
  const draftingSpec = draftingGroup?.find((spec) => spec.stage === 'drafting');
  if (draftingGroup && draftingSpec && statuses.some((entry) => entry.status === 'changes_requested')) {
    return { kind: 'drafting', group: draftingSpec.parallelGroup, spec: draftingSpec };
  }

  for (const group of groups) {
    if (draftingSpec && group.includes(draftingSpec) && !draftReady(record)) {
      return { kind: 'drafting', group: draftingSpec.parallelGroup, spec: draftingSpec };
    }
    const open = group.filter(
      (spec) => spec.stage !== 'drafting' && statuses.find((entry) => entry.spec === spec)?.status !== 'approved',
    );
    if (open.length > 0) return { kind: 'review', group: group[0].parallelGroup, stages: open };
  }
  return { kind: 'approved' };
}
