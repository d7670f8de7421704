import type { PostState } from '../../domain/postState';

/** A post's workflow state as the query returns it, for projection tests. */
export function postState(overrides: Partial<PostState> & Pick<PostState, 'postId' | 'brandId'>): PostState {
  return {
    authorId: 'author-1',
    title: 'Autumn blend is back',
    riskTier: 'standard',
    flags: [],
    urgent: false,
    stage: 'drafting',
    openStages: ['drafting'],
    plan: { stages: [], distinctApproversAcrossStages: false, fastTrack: false },
    revision: 0,
    decisions: [],
    deadlines: [],
    qualityIssues: [],
    publishAt: '2026-10-01T08:00:00.000Z',
    timeZone: 'Europe/Berlin',
    paused: false,
    holds: [],
    variants: [],
    snapshots: [],
    updatedAt: '2026-09-01T10:00:00.000Z',
    ...overrides,
  };
}

export function deadline(stage: string, decidingRoles: string[], escalateAt: string) {
  return {
    stage,
    openedAt: '2026-09-01T10:00:00.000Z',
    remindAt: '2026-09-01T14:00:00.000Z',
    escalateAt,
    forceAt: '2026-09-03T10:00:00.000Z',
    escalated: false,
    onTimeout: 'hold' as const,
    decidingRoles,
  };
}
