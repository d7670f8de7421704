import { deriveReviewPlan } from '../../domain/reviewPolicy';
import type { ReviewPlan } from '../../domain/types';
import type { QualityIssue, ReviewDecisionRecord } from '../../workflows/messages';
import {
  countedApprovals,
  draftReady,
  judgesIdea,
  nextReviewStep,
  stageStatus,
  type ReviewRecord,
  type ReviewStep,
} from '../../domain/reviewProgress';

const standard = deriveReviewPlan({ riskTier: 'standard', flags: [], urgent: false });
const fastTrack = deriveReviewPlan({ riskTier: 'standard', flags: ['pricing'], urgent: true });
const crisis = deriveReviewPlan({ riskTier: 'standard', flags: ['crisis_sensitive'], urgent: false });

function decision(
  stage: string,
  revision: number,
  kind: ReviewDecisionRecord['decision'],
  by: string,
): ReviewDecisionRecord {
  return { stage, revision, decision: kind, by, at: '2026-11-01T09:00:00.000Z' };
}

function record(
  plan: ReviewPlan,
  revision: number,
  decisions: ReviewDecisionRecord[] = [],
  qualityIssues: QualityIssue[] = [],
): ReviewRecord {
  return { plan, revision, decisions, qualityIssues };
}

function spec(plan: ReviewPlan, stage: string) {
  return plan.stages.find((candidate) => candidate.stage === stage)!;
}

/** The step reduced to what a reader checks: its kind and the stages it waits on. */
function waitsOn(step: ReviewStep): [string, string[]] {
  switch (step.kind) {
    case 'drafting':
      return ['drafting', ['drafting']];
    case 'review':
      return ['review', step.stages.map((stage) => stage.stage)];
    case 'rejected':
      return ['rejected', [step.stage]];
    case 'approved':
      return ['approved', []];
  }
}

describe('judgesIdea', () => {
  it('is true only for stages before drafting', () => {
    expect(judgesIdea({ plan: standard, stage: 'ideation' })).toBe(true);
    expect(judgesIdea({ plan: standard, stage: 'drafting' })).toBe(false);
    expect(judgesIdea({ plan: standard, stage: 'design' })).toBe(false);
    expect(judgesIdea({ plan: standard, stage: 'final_approval' })).toBe(false);
  });

  it('is false for a plan without drafting and for stages the plan lacks', () => {
    const noDrafting: ReviewPlan = {
      ...standard,
      stages: standard.stages.filter((stage) => stage.stage !== 'drafting'),
    };
    expect(judgesIdea({ plan: noDrafting, stage: 'ideation' })).toBe(false);
    expect(judgesIdea({ plan: standard, stage: 'legal_review' })).toBe(false);
  });
});

describe('stageStatus', () => {
  const design = spec(standard, 'design');
  const ideation = spec(standard, 'ideation');

  it('is open until the quorum of approvals on the current revision is reached', () => {
    expect(stageStatus({ record: record(standard, 1), spec: design })).toBe('open');
    expect(stageStatus({ record: record(standard, 1, [decision('design', 1, 'approve', 'dana')]), spec: design })).toBe(
      'approved',
    );
  });

  it('counts each approver once towards a quorum', () => {
    const finalApproval = spec(crisis, 'final_approval');
    expect(finalApproval.quorum).toBe(2);
    const twiceBySame = [
      decision('final_approval', 1, 'approve', 'fay'),
      decision('final_approval', 1, 'approve', 'fay'),
    ];
    expect(stageStatus({ record: record(crisis, 1, twiceBySame), spec: finalApproval })).toBe('open');
    const twoPeople = [
      decision('final_approval', 1, 'approve', 'fay'),
      decision('final_approval', 1, 'approve', 'gus'),
    ];
    expect(stageStatus({ record: record(crisis, 1, twoPeople), spec: finalApproval })).toBe('approved');
  });

  it('ignores approvals of an older revision for a stage that judges the content', () => {
    expect(stageStatus({ record: record(standard, 2, [decision('design', 1, 'approve', 'dana')]), spec: design })).toBe(
      'open',
    );
  });

  it('keeps approvals of an older revision for a stage that judges the idea', () => {
    expect(
      stageStatus({ record: record(standard, 3, [decision('ideation', 1, 'approve', 'max')]), spec: ideation }),
    ).toBe('approved');
  });

  it('reports changes requested on the current revision, but not on an older one', () => {
    const requested = [decision('design', 1, 'request_changes', 'dana')];
    expect(stageStatus({ record: record(standard, 1, requested), spec: design })).toBe('changes_requested');
    expect(stageStatus({ record: record(standard, 2, requested), spec: design })).toBe('open');
    const ideaSentBack = [decision('ideation', 0, 'request_changes', 'max')];
    expect(stageStatus({ record: record(standard, 1, ideaSentBack), spec: ideation })).toBe('open');
  });

  it('is rejected by a rejection on any revision, human or forced', () => {
    expect(stageStatus({ record: record(standard, 2, [decision('design', 1, 'reject', 'dana')]), spec: design })).toBe(
      'rejected',
    );
    expect(
      stageStatus({ record: record(standard, 1, [decision('design', 1, 'forced_reject', 'system')]), spec: design }),
    ).toBe('rejected');
  });

  it('is approved by a forced approval, and stays open on a hold', () => {
    expect(
      stageStatus({ record: record(standard, 1, [decision('design', 1, 'forced_approve', 'system')]), spec: design }),
    ).toBe('approved');
    expect(
      stageStatus({ record: record(standard, 1, [decision('design', 1, 'forced_hold', 'system')]), spec: design }),
    ).toBe('open');
  });
});

describe('countedApprovals', () => {
  it('lists the approvals that still count, at every stage', () => {
    const decisions = [
      decision('ideation', 1, 'approve', 'max'),
      decision('design', 1, 'approve', 'dana'),
      decision('design', 2, 'approve', 'dora'),
      decision('copy_edit', 2, 'request_changes', 'cy'),
      decision('copy_edit', 2, 'forced_approve', 'system'),
    ];
    expect(countedApprovals(record(standard, 2, decisions))).toEqual([
      { stage: 'ideation', userId: 'max' },
      { stage: 'design', userId: 'dora' },
    ]);
  });
});

describe('draftReady', () => {
  it('needs a written revision without quality issues that nobody sent back', () => {
    expect(draftReady(record(standard, 0))).toBe(false);
    expect(draftReady(record(standard, 1))).toBe(true);
    expect(draftReady(record(standard, 1, [], [{ code: 'too_long', message: 'too long' }]))).toBe(false);
    expect(draftReady(record(standard, 1, [decision('copy_edit', 1, 'request_changes', 'cy')]))).toBe(false);
    expect(draftReady(record(standard, 2, [decision('copy_edit', 1, 'request_changes', 'cy')]))).toBe(true);
  });
});

describe('nextReviewStep', () => {
  it('walks a standard post through ideation, drafting and the content stages in order', () => {
    expect(waitsOn(nextReviewStep(record(standard, 0)))).toEqual(['review', ['ideation']]);
    const ideaApproved = [decision('ideation', 0, 'approve', 'max')];
    expect(waitsOn(nextReviewStep(record(standard, 0, ideaApproved)))).toEqual(['drafting', ['drafting']]);
    expect(waitsOn(nextReviewStep(record(standard, 1, ideaApproved)))).toEqual(['review', ['design']]);
    const allApproved = [
      ...ideaApproved,
      decision('design', 1, 'approve', 'dana'),
      decision('copy_edit', 1, 'approve', 'cy'),
      decision('final_approval', 1, 'approve', 'fay'),
    ];
    expect(waitsOn(nextReviewStep(record(standard, 1, allApproved)))).toEqual(['approved', []]);
  });

  it('reviews the idea before asking for a draft, even when a draft was given', () => {
    expect(waitsOn(nextReviewStep(record(standard, 1)))).toEqual(['review', ['ideation']]);
  });

  it('returns to drafting when changes are requested, then resumes at the first stage judging the content', () => {
    const decisions = [
      decision('ideation', 1, 'approve', 'max'),
      decision('design', 1, 'approve', 'dana'),
      decision('copy_edit', 1, 'request_changes', 'cy'),
    ];
    expect(waitsOn(nextReviewStep(record(standard, 1, decisions)))).toEqual(['drafting', ['drafting']]);
    expect(waitsOn(nextReviewStep(record(standard, 2, decisions)))).toEqual(['review', ['design']]);
  });

  it('asks for a new idea round when ideation itself requests changes', () => {
    const decisions = [decision('ideation', 0, 'request_changes', 'max')];
    expect(waitsOn(nextReviewStep(record(standard, 0, decisions)))).toEqual(['drafting', ['drafting']]);
    expect(waitsOn(nextReviewStep(record(standard, 1, decisions)))).toEqual(['review', ['ideation']]);
  });

  it('keeps a revision with quality issues in drafting', () => {
    const decisions = [decision('ideation', 1, 'approve', 'max')];
    const issues: QualityIssue[] = [{ code: 'banned_phrase', message: 'uses a banned phrase' }];
    expect(waitsOn(nextReviewStep(record(standard, 1, decisions, issues)))).toEqual(['drafting', ['drafting']]);
  });

  it('opens the stages of a parallel group together and keeps waiting on those not yet approved', () => {
    expect(waitsOn(nextReviewStep(record(fastTrack, 1)))).toEqual(['review', ['legal_review', 'final_approval']]);
    const finalApproved = [decision('final_approval', 1, 'approve', 'fay')];
    const step = nextReviewStep(record(fastTrack, 1, finalApproved));
    expect(waitsOn(step)).toEqual(['review', ['legal_review']]);
    expect(step.kind === 'review' && step.group).toBe(spec(fastTrack, 'final_approval').parallelGroup);
  });

  it('ends the review on a rejection', () => {
    const decisions = [decision('ideation', 1, 'approve', 'max'), decision('design', 1, 'reject', 'dana')];
    expect(waitsOn(nextReviewStep(record(standard, 1, decisions)))).toEqual(['rejected', ['design']]);
  });
});
