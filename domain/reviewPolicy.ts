/**
 * The review policy: which stages a post goes through before it may be scheduled, who decides
 * each one, how long they have, and what happens when they run out of time. Pure and
 * deterministic, so the workflow can call it and the API can use it for early answers.
 */
import {
  RISK_TIERS,
  SENSITIVITY_FLAGS,
  type Actor,
  type ForcedDecision,
  type ReviewDecisionKind,
  type ReviewPlan,
  type RiskTier,
  type Role,
  type SensitivityFlag,
  type StageSpec,
} from './types';

export type PlanStageName = StageSpec['stage'];

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** The order stages run in when nothing runs in parallel. */
export const STAGE_ORDER: readonly PlanStageName[] = [
  'ideation',
  'drafting',
  'design',
  'copy_edit',
  'legal_review',
  'final_approval',
];

/** Who decides each stage, and who may step in once it has been escalated. */
export const STAGE_OWNERS: Readonly<Record<PlanStageName, { role: Role; backupRole: Role }>> = {
  ideation: { role: 'manager', backupRole: 'admin' },
  drafting: { role: 'author', backupRole: 'manager' },
  design: { role: 'designer', backupRole: 'manager' },
  copy_edit: { role: 'copy_editor', backupRole: 'manager' },
  legal_review: { role: 'legal', backupRole: 'admin' },
  final_approval: { role: 'final_approver', backupRole: 'admin' },
};

/** Stages each risk tier goes through; flags may add legal review on top. */
const STAGES_BY_TIER: Readonly<Record<RiskTier, readonly PlanStageName[]>> = {
  low: ['drafting', 'copy_edit', 'final_approval'],
  standard: ['ideation', 'drafting', 'design', 'copy_edit', 'final_approval'],
  high: ['ideation', 'drafting', 'design', 'copy_edit', 'legal_review', 'final_approval'],
  regulated: ['ideation', 'drafting', 'design', 'copy_edit', 'legal_review', 'final_approval'],
};

/** Turnaround time in hours: when it runs out the stage escalates to its backup role. */
const TURNAROUND_HOURS: Readonly<Record<PlanStageName, Readonly<Record<RiskTier, number>>>> = {
  ideation: { low: 24, standard: 24, high: 48, regulated: 48 },
  drafting: { low: 48, standard: 48, high: 72, regulated: 72 },
  design: { low: 24, standard: 24, high: 24, regulated: 48 },
  copy_edit: { low: 4, standard: 8, high: 8, regulated: 12 },
  legal_review: { low: 48, standard: 48, high: 48, regulated: 72 },
  final_approval: { low: 4, standard: 8, high: 8, regulated: 24 },
};

/**
 * The decision forced once the grace period after escalation is over. Nobody can approve a draft
 * that was never written, and legal review never approves itself.
 */
const ON_TIMEOUT: Readonly<Record<PlanStageName, Readonly<Record<RiskTier, ForcedDecision>>>> = {
  ideation: { low: 'auto_approve', standard: 'auto_approve', high: 'hold', regulated: 'hold' },
  drafting: { low: 'hold', standard: 'hold', high: 'hold', regulated: 'hold' },
  design: { low: 'auto_approve', standard: 'auto_approve', high: 'hold', regulated: 'hold' },
  copy_edit: { low: 'auto_approve', standard: 'auto_approve', high: 'hold', regulated: 'hold' },
  legal_review: { low: 'hold', standard: 'hold', high: 'reject', regulated: 'reject' },
  final_approval: { low: 'auto_approve', standard: 'hold', high: 'hold', regulated: 'hold' },
};

interface TierRule {
  legalQuorum: number;
  /** When every approver must be a different person across stages. */
  distinctApprovers: 'always' | 'when_legal_is_flagged' | 'never';
}
const TIER_RULES: Readonly<Record<RiskTier, TierRule>> = {
  low: { legalQuorum: 1, distinctApprovers: 'never' },
  standard: { legalQuorum: 1, distinctApprovers: 'never' },
  high: { legalQuorum: 1, distinctApprovers: 'when_legal_is_flagged' },
  regulated: { legalQuorum: 2, distinctApprovers: 'always' },
};

interface FlagRule {
  requiresLegal: boolean;
  finalApprovalQuorum: number;
  /** Content that must never reach an audience without a person saying yes. */
  neverAutoApprove: boolean;
}
const FLAG_RULES: Readonly<Record<SensitivityFlag, FlagRule>> = {
  pricing: { requiresLegal: true, finalApprovalQuorum: 1, neverAutoApprove: false },
  health_claim: { requiresLegal: true, finalApprovalQuorum: 1, neverAutoApprove: false },
  financial_claim: { requiresLegal: true, finalApprovalQuorum: 1, neverAutoApprove: false },
  sponsored: { requiresLegal: true, finalApprovalQuorum: 1, neverAutoApprove: false },
  crisis_sensitive: { requiresLegal: true, finalApprovalQuorum: 2, neverAutoApprove: true },
};

/** Urgent content: fewer stages, shorter clocks, and the essential checks side by side. */
const FAST_TRACK = {
  skippedStages: ['ideation', 'design', 'copy_edit'] as readonly PlanStageName[],
  /** These share one parallel group; neither is ever skipped. */
  parallelStages: ['legal_review', 'final_approval'] as readonly PlanStageName[],
  turnaroundDivisor: 4,
  minimumTurnaroundMs: 15 * MINUTE_MS,
};

/** Reminders go out halfway through the turnaround time. */
const REMIND_AT_FRACTION_OF_TURNAROUND = 0.5;
/** After escalation the backup role gets half the turnaround again before the decision is forced. */
const FORCE_AT_MULTIPLE_OF_TURNAROUND = 1.5;

export class ReviewPolicyInputError extends Error {
  override readonly name = 'ReviewPolicyInputError';
}

export interface ReviewPolicyInput {
  riskTier: RiskTier;
  flags: readonly SensitivityFlag[];
  urgent: boolean;
}

export function requiresLegalReview({
  riskTier,
  flags,
}: {
  riskTier: RiskTier;
  flags: readonly SensitivityFlag[];
}): boolean {
  return STAGES_BY_TIER[riskTier].includes('legal_review') || flags.some((flag) => FLAG_RULES[flag].requiresLegal);
}

export function deriveReviewPlan(input: ReviewPolicyInput): ReviewPlan {
  const { riskTier, urgent } = input;
  assertKnownInput(input);
  const flags = [...new Set(input.flags)];
  const flagRules = flags.map((flag) => FLAG_RULES[flag]);
  const legalFlagged = flagRules.some((rule) => rule.requiresLegal);
  const neverAutoApprove = flagRules.some((rule) => rule.neverAutoApprove);

  const required = new Set<PlanStageName>(STAGES_BY_TIER[riskTier]);
  if (legalFlagged) required.add('legal_review');
  if (urgent) for (const stage of FAST_TRACK.skippedStages) required.delete(stage);

  const stageNames = STAGE_ORDER.filter((stage) => required.has(stage));
  const stages = stageNames.map((stage, index): StageSpec => {
    const turnaroundMs = turnaround({ stage, riskTier, urgent });
    const forced = ON_TIMEOUT[stage][riskTier];
    return {
      stage,
      ...STAGE_OWNERS[stage],
      quorum: quorumFor({ stage, riskTier, flagRules }),
      remindAfterMs: Math.round(turnaroundMs * REMIND_AT_FRACTION_OF_TURNAROUND),
      escalateAfterMs: turnaroundMs,
      forceAfterMs: Math.round(turnaroundMs * FORCE_AT_MULTIPLE_OF_TURNAROUND),
      onTimeout: forced === 'auto_approve' && neverAutoApprove ? 'hold' : forced,
      parallelGroup: index + 1,
    };
  });
  if (urgent) runInParallel(stages, FAST_TRACK.parallelStages);

  const distinct = TIER_RULES[riskTier].distinctApprovers;
  return {
    stages,
    distinctApproversAcrossStages: distinct === 'always' || (distinct === 'when_legal_is_flagged' && legalFlagged),
    fastTrack: urgent,
  };
}

function assertKnownInput({ riskTier, flags, urgent }: ReviewPolicyInput): void {
  if (!RISK_TIERS.includes(riskTier)) {
    throw new ReviewPolicyInputError(
      `unknown risk tier "${String(riskTier)}"; expected one of ${RISK_TIERS.join(', ')}`,
    );
  }
  const unknown = flags.filter((flag) => !SENSITIVITY_FLAGS.includes(flag));
  if (unknown.length > 0) {
    throw new ReviewPolicyInputError(
      `unknown sensitivity flag "${String(unknown[0])}"; expected any of ${SENSITIVITY_FLAGS.join(', ')}`,
    );
  }
  if (typeof urgent !== 'boolean') throw new ReviewPolicyInputError('urgent must be true or false');
}

function turnaround({
  stage,
  riskTier,
  urgent,
}: {
  stage: PlanStageName;
  riskTier: RiskTier;
  urgent: boolean;
}): number {
  const normalMs = TURNAROUND_HOURS[stage][riskTier] * HOUR_MS;
  if (!urgent) return normalMs;
  return Math.max(Math.round(normalMs / FAST_TRACK.turnaroundDivisor), FAST_TRACK.minimumTurnaroundMs);
}

function quorumFor({
  stage,
  riskTier,
  flagRules,
}: {
  stage: PlanStageName;
  riskTier: RiskTier;
  flagRules: FlagRule[];
}): number {
  if (stage === 'legal_review') return TIER_RULES[riskTier].legalQuorum;
  if (stage === 'final_approval') return Math.max(1, ...flagRules.map((rule) => rule.finalApprovalQuorum));
  return 1;
}

/** Gives the named stages the group of the first of them, then renumbers groups consecutively. */
function runInParallel(stages: StageSpec[], names: readonly PlanStageName[]): void {
  const together = stages.filter((spec) => names.includes(spec.stage));
  if (together.length === 0) return;
  const group = together[0].parallelGroup;
  for (const spec of together) spec.parallelGroup = group;
  let next = 0;
  let previous: number | undefined;
  for (const spec of stages) {
    if (spec.parallelGroup !== previous) next += 1;
    previous = spec.parallelGroup;
    spec.parallelGroup = next;
  }
}

/** The plan's stages grouped by what runs at the same time, in running order. */
export function stageGroups(plan: ReviewPlan): StageSpec[][] {
  const groups = new Map<number, StageSpec[]>();
  for (const spec of plan.stages) groups.set(spec.parallelGroup, [...(groups.get(spec.parallelGroup) ?? []), spec]);
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, specs]) => specs);
}

export function findStage({ plan, stage }: { plan: ReviewPlan; stage: string }): StageSpec | undefined {
  return plan.stages.find((spec) => spec.stage === stage);
}

/** Roles that may decide the stage right now; the backup role joins once it is escalated. */
export function decidingRoles({ stage, escalated }: { stage: StageSpec; escalated: boolean }): Role[] {
  return escalated && stage.backupRole !== stage.role ? [stage.role, stage.backupRole] : [stage.role];
}

/** Whether enough different people have approved the stage. */
export function quorumReached({ stage, approverIds }: { stage: StageSpec; approverIds: readonly string[] }): boolean {
  return new Set(approverIds).size >= stage.quorum;
}

/** When the stage's reminder, escalation and forced decision fall, given when it opened. */
export function stageDeadlines({ stage, openedAt }: { stage: StageSpec; openedAt: string }): {
  remindAt: string;
  escalateAt: string;
  forceAt: string;
} {
  const opened = Date.parse(openedAt);
  if (Number.isNaN(opened)) throw new ReviewPolicyInputError(`openedAt "${openedAt}" is not an ISO-8601 instant`);
  const at = (offsetMs: number): string => new Date(opened + offsetMs).toISOString();
  return { remindAt: at(stage.remindAfterMs), escalateAt: at(stage.escalateAfterMs), forceAt: at(stage.forceAfterMs) };
}

export type DecisionRefusal =
  | 'stage_not_in_plan'
  | 'not_a_review_stage'
  | 'own_post'
  | 'missing_role'
  | 'already_approved'
  | 'approved_another_stage';

export type DecisionCheck = { ok: true } | { ok: false; code: DecisionRefusal; reason: string };

/** An approval already given to the current revision. */
export interface StageApproval {
  stage: string;
  userId: string;
}

export interface CanDecideInput {
  plan: ReviewPlan;
  stage: string;
  decision: ReviewDecisionKind;
  actor: Actor;
  /** Whoever created the post. */
  authorId: string;
  /** Everyone who submitted a revision of the post; they count as its authors too. */
  revisionAuthorIds?: readonly string[];
  /** Whether the stage has been escalated, letting its backup role decide. */
  escalated: boolean;
  /** Approvals of the current revision given so far, at any stage. */
  priorApprovers: readonly StageApproval[];
}

/**
 * Separation of duties. Holding 'admin' does not lift any of these rules: it only counts where
 * admin is a stage's role or, after escalation, its backup role.
 */
export function canDecide(input: CanDecideInput): DecisionCheck {
  const { plan, stage, decision, actor, authorId, revisionAuthorIds = [], escalated, priorApprovers } = input;
  const spec = findStage({ plan, stage });
  if (!spec) {
    return refuse('stage_not_in_plan', `this post's review has no ${stage} stage`);
  }
  if (spec.stage === 'drafting') {
    return refuse('not_a_review_stage', 'drafting ends with a submitted revision, not a review decision');
  }
  if (actor.userId === authorId || revisionAuthorIds.includes(actor.userId)) {
    return refuse('own_post', `${actor.userId} wrote this post and cannot review it`);
  }
  const roleCheck = holdsStageRole({ spec, actor, escalated });
  if (!roleCheck.ok) return roleCheck;
  if (decision !== 'approve') return { ok: true };

  if (priorApprovers.some((approval) => approval.stage === spec.stage && approval.userId === actor.userId)) {
    return refuse(
      'already_approved',
      `${actor.userId} has already approved ${spec.stage}; its quorum of ${spec.quorum} needs different people`,
    );
  }
  if (plan.distinctApproversAcrossStages) {
    const earlier = priorApprovers.find(
      (approval) => approval.stage !== spec.stage && approval.userId === actor.userId,
    );
    if (earlier) {
      return refuse(
        'approved_another_stage',
        `${actor.userId} approved ${earlier.stage}; this post needs a different approver at every stage`,
      );
    }
  }
  return { ok: true };
}

function holdsStageRole({
  spec,
  actor,
  escalated,
}: {
  spec: StageSpec;
  actor: Actor;
  escalated: boolean;
}): DecisionCheck {
  if (actor.roles.includes(spec.role)) return { ok: true };
  if (escalated && actor.roles.includes(spec.backupRole)) return { ok: true };
  const backupNote = escalated
    ? ` or, since it was escalated, by ${spec.backupRole}`
    : actor.roles.includes(spec.backupRole)
      ? `; ${spec.backupRole} may step in only once the stage is escalated`
      : '';
  return refuse('missing_role', `${spec.stage} is decided by ${spec.role}${backupNote}`);
}

function refuse(code: DecisionRefusal, reason: string): DecisionCheck {
  return { ok: false, code, reason };
}
