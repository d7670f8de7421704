import {
  forcedDecision,
  forcedDecisionKind,
  nextDeadline,
  progressAfter,
  type DeadlineProgress,
} from '../../domain/deadlineProgress';
import type { StageDeadline } from '../../domain/postState';
import type { StageSpec } from '../../domain/types';

function deadline(stage: string, remindAt: string, escalateAt: string, forceAt: string): StageDeadline {
  return {
    stage,
    openedAt: '2026-03-01T09:00:00.000Z',
    remindAt,
    escalateAt,
    forceAt,
    escalated: false,
    onTimeout: 'hold',
    decidingRoles: ['legal'],
  };
}

const legal = deadline(
  'legal_review',
  '2026-03-01T12:00:00.000Z',
  '2026-03-01T15:00:00.000Z',
  '2026-03-01T18:00:00.000Z',
);
const copy = deadline('copy_edit', '2026-03-01T11:00:00.000Z', '2026-03-01T16:00:00.000Z', '2026-03-01T17:00:00.000Z');

function spec(overrides: Partial<StageSpec>): StageSpec {
  return {
    stage: 'legal_review',
    role: 'legal',
    backupRole: 'manager',
    quorum: 1,
    remindAfterMs: 3_600_000,
    escalateAfterMs: 7_200_000,
    forceAfterMs: 10_800_000,
    onTimeout: 'hold',
    parallelGroup: 1,
    ...overrides,
  };
}

describe('a stage clock', () => {
  it('reminds, then escalates, then forces the decision, each once', () => {
    const progress: Record<string, DeadlineProgress> = {};
    const steps: string[] = [];
    for (;;) {
      const due = nextDeadline({ deadlines: [legal], progress });
      if (!due) break;
      steps.push(`${due.step}@${due.at}`);
      progress[due.deadline.stage] = progressAfter(due.step);
    }
    expect(steps).toEqual([
      'remind@2026-03-01T12:00:00.000Z',
      'escalate@2026-03-01T15:00:00.000Z',
      'force@2026-03-01T18:00:00.000Z',
    ]);
    expect(progress.legal_review).toBe('forced');
  });

  it('acts on the earliest step across stages reviewed side by side', () => {
    expect(nextDeadline({ deadlines: [legal, copy], progress: {} })).toMatchObject({
      step: 'remind',
      at: copy.remindAt,
    });
    const due = nextDeadline({ deadlines: [legal, copy], progress: { copy_edit: 'reminded' } });
    expect(due).toMatchObject({ step: 'remind', at: legal.remindAt, deadline: { stage: 'legal_review' } });
  });

  it('lets the first stage listed win a tie', () => {
    const twin = { ...legal, stage: 'final_approval' };
    expect(nextDeadline({ deadlines: [twin, legal], progress: {} })?.deadline.stage).toBe('final_approval');
  });

  it('has nothing left to time once every stage is forced', () => {
    expect(nextDeadline({ deadlines: [legal, copy], progress: { legal_review: 'forced', copy_edit: 'forced' } })).toBe(
      undefined,
    );
    expect(nextDeadline({ deadlines: [], progress: {} })).toBe(undefined);
  });
});

describe('a forced decision', () => {
  it('follows the stage policy', () => {
    expect(forcedDecision(spec({ onTimeout: 'auto_approve' }))).toBe('auto_approve');
    expect(forcedDecision(spec({ onTimeout: 'reject' }))).toBe('reject');
    expect(forcedDecision(spec({ onTimeout: 'hold' }))).toBe('hold');
  });

  it('never approves a draft that was never written', () => {
    expect(forcedDecision(spec({ stage: 'drafting', onTimeout: 'auto_approve' }))).toBe('hold');
  });

  it('is kept among the decisions as forced', () => {
    expect(forcedDecisionKind('auto_approve')).toBe('forced_approve');
    expect(forcedDecisionKind('reject')).toBe('forced_reject');
    expect(forcedDecisionKind('hold')).toBe('forced_hold');
  });
});
