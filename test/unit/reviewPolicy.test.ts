import {
  ReviewPolicyInputError,
  STAGE_ORDER,
  canDecide,
  decidingRoles,
  deriveReviewPlan,
  findStage,
  quorumReached,
  requiresLegalReview,
  stageDeadlines,
  stageGroups,
  type CanDecideInput,
  type PlanStageName,
} from '../../domain/reviewPolicy';
import {
  REVIEW_STAGES,
  RISK_TIERS,
  SENSITIVITY_FLAGS,
  type ReviewPlan,
  type RiskTier,
  type SensitivityFlag,
  type StageSpec,
} from '../../domain/types';

const HOUR = 3_600_000;
const MINUTE = 60_000;

function stageNames(plan: ReviewPlan): PlanStageName[] {
  return plan.stages.map((spec) => spec.stage);
}

function stageOf(plan: ReviewPlan, stage: PlanStageName): StageSpec {
  const spec = findStage({ plan, stage });
  if (!spec) throw new Error(`plan has no ${stage}: ${stageNames(plan).join(', ')}`);
  return spec;
}

/** Every subset of the sensitivity flags: 32 combinations. */
const FLAG_SETS: SensitivityFlag[][] = Array.from({ length: 1 << SENSITIVITY_FLAGS.length }, (_, mask) =>
  SENSITIVITY_FLAGS.filter((_, bit) => mask & (1 << bit)),
);
const EVERY_INPUT = RISK_TIERS.flatMap((riskTier) =>
  FLAG_SETS.flatMap((flags) => [false, true].map((urgent) => ({ riskTier, flags, urgent }))),
);
const describeInput = ({
  riskTier,
  flags,
  urgent,
}: {
  riskTier: RiskTier;
  flags: SensitivityFlag[];
  urgent: boolean;
}) => `${riskTier}${urgent ? ' urgent' : ''} [${flags.join(',')}]`;

describe('deriveReviewPlan: stages per risk tier', () => {
  it.each<[RiskTier, PlanStageName[]]>([
    ['low', ['drafting', 'copy_edit', 'final_approval']],
    ['standard', ['ideation', 'drafting', 'design', 'copy_edit', 'final_approval']],
    ['high', ['ideation', 'drafting', 'design', 'copy_edit', 'legal_review', 'final_approval']],
    ['regulated', ['ideation', 'drafting', 'design', 'copy_edit', 'legal_review', 'final_approval']],
  ])('a %s post without flags goes through %j', (riskTier, expected) => {
    const plan = deriveReviewPlan({ riskTier, flags: [], urgent: false });
    expect(stageNames(plan)).toEqual(expected);
    expect(plan.fastTrack).toBe(false);
  });

  it('assigns each stage its owner role and the backup role that steps in after escalation', () => {
    const plan = deriveReviewPlan({ riskTier: 'high', flags: [], urgent: false });
    expect(plan.stages.map((s) => [s.stage, s.role, s.backupRole])).toEqual([
      ['ideation', 'manager', 'admin'],
      ['drafting', 'author', 'manager'],
      ['design', 'designer', 'manager'],
      ['copy_edit', 'copy_editor', 'manager'],
      ['legal_review', 'legal', 'admin'],
      ['final_approval', 'final_approver', 'admin'],
    ]);
  });

  it.each(SENSITIVITY_FLAGS)('adds legal review to a low-risk post flagged %s', (flag) => {
    const plan = deriveReviewPlan({ riskTier: 'low', flags: [flag], urgent: false });
    expect(stageNames(plan)).toEqual(['drafting', 'copy_edit', 'legal_review', 'final_approval']);
  });

  it.each(SENSITIVITY_FLAGS)('adds legal review to a standard post flagged %s, before final approval', (flag) => {
    const plan = deriveReviewPlan({ riskTier: 'standard', flags: [flag], urgent: false });
    expect(stageNames(plan)).toEqual(['ideation', 'drafting', 'design', 'copy_edit', 'legal_review', 'final_approval']);
  });

  it('numbers parallel groups one per stage in order when nothing runs in parallel', () => {
    const plan = deriveReviewPlan({ riskTier: 'regulated', flags: [], urgent: false });
    expect(plan.stages.map((s) => s.parallelGroup)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stageGroups(plan).map((group) => group.map((s) => s.stage))).toEqual(STAGE_ORDER.map((stage) => [stage]));
  });

  it('treats a flag given twice like a flag given once', () => {
    expect(deriveReviewPlan({ riskTier: 'low', flags: ['pricing', 'pricing'], urgent: false })).toEqual(
      deriveReviewPlan({ riskTier: 'low', flags: ['pricing'], urgent: false }),
    );
  });

  it('refuses an unknown risk tier or flag with a message naming it', () => {
    expect(() => deriveReviewPlan({ riskTier: 'extreme' as RiskTier, flags: [], urgent: false })).toThrow(
      new ReviewPolicyInputError('unknown risk tier "extreme"; expected one of low, standard, high, regulated'),
    );
    expect(() => deriveReviewPlan({ riskTier: 'low', flags: ['gambling' as SensitivityFlag], urgent: false })).toThrow(
      /unknown sensitivity flag "gambling"/,
    );
  });
});

describe('deriveReviewPlan: turnaround times and forced decisions', () => {
  it('gives a standard post design 24h, copy edit 8h and final approval 8h', () => {
    const plan = deriveReviewPlan({ riskTier: 'standard', flags: ['pricing'], urgent: false });
    expect(stageOf(plan, 'design').escalateAfterMs).toBe(24 * HOUR);
    expect(stageOf(plan, 'copy_edit').escalateAfterMs).toBe(8 * HOUR);
    expect(stageOf(plan, 'legal_review').escalateAfterMs).toBe(48 * HOUR);
    expect(stageOf(plan, 'final_approval').escalateAfterMs).toBe(8 * HOUR);
  });

  it('reminds at half the turnaround and forces the decision half a turnaround after escalation', () => {
    const legal = stageOf(deriveReviewPlan({ riskTier: 'high', flags: [], urgent: false }), 'legal_review');
    expect(legal).toMatchObject({ remindAfterMs: 24 * HOUR, escalateAfterMs: 48 * HOUR, forceAfterMs: 72 * HOUR });
  });

  it.each<[RiskTier, Partial<Record<PlanStageName, string>>]>([
    ['low', { drafting: 'hold', copy_edit: 'auto_approve', legal_review: 'hold', final_approval: 'auto_approve' }],
    [
      'standard',
      {
        ideation: 'auto_approve',
        drafting: 'hold',
        design: 'auto_approve',
        copy_edit: 'auto_approve',
        legal_review: 'hold',
        final_approval: 'hold',
      },
    ],
    [
      'high',
      {
        ideation: 'hold',
        drafting: 'hold',
        design: 'hold',
        copy_edit: 'hold',
        legal_review: 'reject',
        final_approval: 'hold',
      },
    ],
    [
      'regulated',
      {
        ideation: 'hold',
        drafting: 'hold',
        design: 'hold',
        copy_edit: 'hold',
        legal_review: 'reject',
        final_approval: 'hold',
      },
    ],
  ])('a %s post (flagged for pricing) takes these forced decisions: %j', (riskTier, expected) => {
    const plan = deriveReviewPlan({ riskTier, flags: ['pricing'], urgent: false });
    expect(Object.fromEntries(plan.stages.map((s) => [s.stage, s.onTimeout]))).toEqual(expected);
  });

  it('never auto-approves any stage of crisis-sensitive content, even at low risk', () => {
    const plan = deriveReviewPlan({ riskTier: 'low', flags: ['crisis_sensitive'], urgent: false });
    expect(plan.stages.map((s) => s.onTimeout)).toEqual(['hold', 'hold', 'hold', 'hold']);
  });
});

describe('deriveReviewPlan: quorum and distinct approvers', () => {
  it('asks two legal approvals and distinct approvers across stages for a regulated brand', () => {
    const plan = deriveReviewPlan({ riskTier: 'regulated', flags: [], urgent: false });
    expect(stageOf(plan, 'legal_review').quorum).toBe(2);
    expect(stageOf(plan, 'final_approval').quorum).toBe(1);
    expect(plan.distinctApproversAcrossStages).toBe(true);
  });

  it('raises the final approval quorum to two for crisis-sensitive content', () => {
    const plan = deriveReviewPlan({ riskTier: 'standard', flags: ['crisis_sensitive'], urgent: false });
    expect(stageOf(plan, 'final_approval').quorum).toBe(2);
    expect(stageOf(plan, 'legal_review').quorum).toBe(1);
  });

  it('requires distinct approvers for a high-risk post only when a flag calls for legal review', () => {
    expect(deriveReviewPlan({ riskTier: 'high', flags: [], urgent: false }).distinctApproversAcrossStages).toBe(false);
    expect(
      deriveReviewPlan({ riskTier: 'high', flags: ['health_claim'], urgent: false }).distinctApproversAcrossStages,
    ).toBe(true);
    expect(
      deriveReviewPlan({ riskTier: 'standard', flags: ['health_claim'], urgent: false }).distinctApproversAcrossStages,
    ).toBe(false);
  });
});

describe('deriveReviewPlan: fast-track', () => {
  it('skips ideation, design and copy edit and runs legal review beside final approval', () => {
    const plan = deriveReviewPlan({ riskTier: 'regulated', flags: ['financial_claim'], urgent: true });
    expect(plan.fastTrack).toBe(true);
    expect(stageGroups(plan).map((group) => group.map((s) => s.stage))).toEqual([
      ['drafting'],
      ['legal_review', 'final_approval'],
    ]);
    expect(plan.stages.map((s) => s.parallelGroup)).toEqual([1, 2, 2]);
  });

  it('keeps final approval for an urgent post that needs no legal review', () => {
    const plan = deriveReviewPlan({ riskTier: 'standard', flags: [], urgent: true });
    expect(stageNames(plan)).toEqual(['drafting', 'final_approval']);
    expect(plan.stages.map((s) => s.parallelGroup)).toEqual([1, 2]);
  });

  it('divides turnaround times by four', () => {
    const plan = deriveReviewPlan({ riskTier: 'standard', flags: ['sponsored'], urgent: true });
    expect(stageOf(plan, 'legal_review')).toMatchObject({
      remindAfterMs: 6 * HOUR,
      escalateAfterMs: 12 * HOUR,
      forceAfterMs: 18 * HOUR,
    });
    expect(stageOf(plan, 'final_approval').escalateAfterMs).toBe(2 * HOUR);
  });

  it('keeps the regulated legal quorum and the crisis final approval quorum', () => {
    const plan = deriveReviewPlan({ riskTier: 'regulated', flags: ['crisis_sensitive'], urgent: true });
    expect(stageOf(plan, 'legal_review').quorum).toBe(2);
    expect(stageOf(plan, 'final_approval').quorum).toBe(2);
    expect(plan.distinctApproversAcrossStages).toBe(true);
  });
});

describe('deriveReviewPlan: rules that hold for every tier, flag set and urgency', () => {
  it.each(EVERY_INPUT.map((input) => [describeInput(input), input] as const))('%s', (_, input) => {
    const plan = deriveReviewPlan(input);
    const names = stageNames(plan);
    const legalNeeded = input.flags.length > 0 || input.riskTier === 'high' || input.riskTier === 'regulated';

    // The essential checks are never skipped.
    expect(names).toContain('drafting');
    expect(names).toContain('final_approval');
    expect(names.includes('legal_review')).toBe(legalNeeded);
    expect(requiresLegalReview(input)).toBe(legalNeeded);

    // Stages keep their normal order, and parallel groups never go backwards or skip a number.
    expect(names).toEqual(STAGE_ORDER.filter((stage) => names.includes(stage)));
    const groups = plan.stages.map((s) => s.parallelGroup);
    groups.forEach((group, i) => expect(group - (i === 0 ? 0 : groups[i - 1])).toBeLessThanOrEqual(1));
    expect(groups[0]).toBe(1);

    for (const spec of plan.stages) {
      expect(spec.onTimeout === 'auto_approve' && spec.stage === 'legal_review').toBe(false);
      if (spec.stage === 'drafting') expect(spec.onTimeout).toBe('hold');
      expect(spec.remindAfterMs).toBe(Math.round(spec.escalateAfterMs / 2));
      expect(spec.forceAfterMs).toBe(Math.round(spec.escalateAfterMs * 1.5));
      expect(spec.remindAfterMs).toBeLessThan(spec.escalateAfterMs);
      expect(spec.escalateAfterMs).toBeLessThan(spec.forceAfterMs);
      expect(spec.escalateAfterMs).toBeGreaterThanOrEqual(15 * MINUTE);
      expect(spec.quorum).toBe(
        spec.stage === 'legal_review' && input.riskTier === 'regulated'
          ? 2
          : spec.stage === 'final_approval' && input.flags.includes('crisis_sensitive')
            ? 2
            : 1,
      );
    }

    expect(plan.distinctApproversAcrossStages).toBe(
      input.riskTier === 'regulated' || (input.riskTier === 'high' && input.flags.length > 0),
    );

    if (input.urgent) {
      expect(names.filter((stage) => ['ideation', 'design', 'copy_edit'].includes(stage))).toEqual([]);
      const normal = deriveReviewPlan({ ...input, urgent: false });
      for (const spec of plan.stages) {
        const normalSpec = stageOf(normal, spec.stage);
        expect(spec.escalateAfterMs).toBe(Math.max(normalSpec.escalateAfterMs / 4, 15 * MINUTE));
        expect({ ...spec, remindAfterMs: 0, escalateAfterMs: 0, forceAfterMs: 0, parallelGroup: 0 }).toEqual({
          ...normalSpec,
          remindAfterMs: 0,
          escalateAfterMs: 0,
          forceAfterMs: 0,
          parallelGroup: 0,
        });
      }
      if (legalNeeded) {
        expect(stageOf(plan, 'legal_review').parallelGroup).toBe(stageOf(plan, 'final_approval').parallelGroup);
      }
    } else {
      expect(groups).toEqual(plan.stages.map((_, i) => i + 1));
    }
  });
});

describe('canDecide: separation of duties', () => {
  const regulated = deriveReviewPlan({ riskTier: 'regulated', flags: [], urgent: false });
  const standard = deriveReviewPlan({ riskTier: 'standard', flags: [], urgent: false });
  const base = (over: Partial<CanDecideInput>): CanDecideInput => ({
    plan: standard,
    stage: 'copy_edit',
    decision: 'approve',
    actor: { userId: 'cora', roles: ['copy_editor'] },
    authorId: 'ann',
    escalated: false,
    priorApprovers: [],
    ...over,
  });

  it('lets a copy editor approve copy edit', () => {
    expect(canDecide(base({}))).toEqual({ ok: true });
  });

  it.each(['approve', 'reject', 'request_changes'] as const)(
    'refuses an author who decides %s on their own post, whatever roles they hold',
    (decision) => {
      const check = canDecide(
        base({ decision, actor: { userId: 'ann', roles: ['copy_editor', 'admin', 'manager'] }, escalated: true }),
      );
      expect(check).toEqual({ ok: false, code: 'own_post', reason: 'ann wrote this post and cannot review it' });
    },
  );

  it('treats whoever submitted a revision as an author of the post', () => {
    const check = canDecide(
      base({ actor: { userId: 'rob', roles: ['copy_editor'] }, revisionAuthorIds: ['ann', 'rob'] }),
    );
    expect(check).toMatchObject({ ok: false, code: 'own_post' });
  });

  it('refuses someone who does not hold the stage role', () => {
    const check = canDecide(base({ actor: { userId: 'dan', roles: ['designer'] } }));
    expect(check).toEqual({ ok: false, code: 'missing_role', reason: 'copy_edit is decided by copy_editor' });
  });

  it('refuses the backup role until the stage is escalated, then accepts it', () => {
    const manager = { userId: 'max', roles: ['manager' as const] };
    expect(canDecide(base({ actor: manager }))).toEqual({
      ok: false,
      code: 'missing_role',
      reason: 'copy_edit is decided by copy_editor; manager may step in only once the stage is escalated',
    });
    expect(canDecide(base({ actor: manager, escalated: true }))).toEqual({ ok: true });
  });

  it('does not let admin decide a stage whose backup role is someone else, even after escalation', () => {
    const check = canDecide(base({ actor: { userId: 'ada', roles: ['admin'] }, escalated: true }));
    expect(check).toEqual({
      ok: false,
      code: 'missing_role',
      reason: 'copy_edit is decided by copy_editor or, since it was escalated, by manager',
    });
  });

  it('lets admin decide an escalated legal review, whose backup role is admin', () => {
    const check = canDecide(
      base({ plan: regulated, stage: 'legal_review', actor: { userId: 'ada', roles: ['admin'] }, escalated: true }),
    );
    expect(check).toEqual({ ok: true });
  });

  it('does not count the same person twice toward a quorum of two legal approvals', () => {
    const legal = { userId: 'lee', roles: ['legal' as const] };
    const priorApprovers = [{ stage: 'legal_review', userId: 'lee' }];
    expect(canDecide(base({ plan: regulated, stage: 'legal_review', actor: legal, priorApprovers }))).toEqual({
      ok: false,
      code: 'already_approved',
      reason: 'lee has already approved legal_review; its quorum of 2 needs different people',
    });
    expect(
      canDecide(
        base({ plan: regulated, stage: 'legal_review', actor: { userId: 'liz', roles: ['legal'] }, priorApprovers }),
      ),
    ).toEqual({ ok: true });
  });

  it('refuses an approver of an earlier stage when the plan needs distinct approvers', () => {
    const both = { userId: 'sam', roles: ['copy_editor' as const, 'final_approver' as const] };
    const priorApprovers = [{ stage: 'copy_edit', userId: 'sam' }];
    expect(canDecide(base({ plan: regulated, stage: 'final_approval', actor: both, priorApprovers }))).toEqual({
      ok: false,
      code: 'approved_another_stage',
      reason: 'sam approved copy_edit; this post needs a different approver at every stage',
    });
    expect(canDecide(base({ plan: standard, stage: 'final_approval', actor: both, priorApprovers }))).toEqual({
      ok: true,
    });
  });

  it('still lets an earlier approver reject or request changes when the plan needs distinct approvers', () => {
    const both = { userId: 'sam', roles: ['copy_editor' as const, 'final_approver' as const] };
    const priorApprovers = [{ stage: 'copy_edit', userId: 'sam' }];
    for (const decision of ['reject', 'request_changes'] as const) {
      expect(
        canDecide(base({ plan: regulated, stage: 'final_approval', decision, actor: both, priorApprovers })),
      ).toEqual({
        ok: true,
      });
    }
  });

  it('refuses a decision on a stage the plan does not have, and on drafting', () => {
    const low = deriveReviewPlan({ riskTier: 'low', flags: [], urgent: false });
    expect(canDecide(base({ plan: low, stage: 'legal_review', actor: { userId: 'lee', roles: ['legal'] } }))).toEqual({
      ok: false,
      code: 'stage_not_in_plan',
      reason: "this post's review has no legal_review stage",
    });
    expect(canDecide(base({ stage: 'drafting', actor: { userId: 'rob', roles: ['author'] } }))).toMatchObject({
      ok: false,
      code: 'not_a_review_stage',
    });
  });
});

describe('stage helpers', () => {
  const plan = deriveReviewPlan({ riskTier: 'regulated', flags: [], urgent: false });
  const legal = stageOf(plan, 'legal_review');

  it('names only the owner role before escalation and adds the backup role after', () => {
    expect(decidingRoles({ stage: legal, escalated: false })).toEqual(['legal']);
    expect(decidingRoles({ stage: legal, escalated: true })).toEqual(['legal', 'admin']);
  });

  it('reaches a quorum only with enough different approvers', () => {
    expect(quorumReached({ stage: legal, approverIds: ['lee'] })).toBe(false);
    expect(quorumReached({ stage: legal, approverIds: ['lee', 'lee'] })).toBe(false);
    expect(quorumReached({ stage: legal, approverIds: ['lee', 'liz'] })).toBe(true);
  });

  it('places reminder, escalation and forced decision after the stage opened', () => {
    expect(stageDeadlines({ stage: legal, openedAt: '2026-12-01T09:00:00.000Z' })).toEqual({
      remindAt: '2026-12-02T21:00:00.000Z',
      escalateAt: '2026-12-04T09:00:00.000Z',
      forceAt: '2026-12-05T21:00:00.000Z',
    });
    expect(() => stageDeadlines({ stage: legal, openedAt: 'yesterday' })).toThrow(ReviewPolicyInputError);
  });

  it('lists every review stage the policy can produce among the review stages workflows wait on', () => {
    const produced = new Set(EVERY_INPUT.flatMap((input) => stageNames(deriveReviewPlan(input))));
    expect([...produced].filter((stage) => stage !== 'drafting').sort()).toEqual([...REVIEW_STAGES].sort());
  });
});
