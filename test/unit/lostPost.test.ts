import { lostPostState, lostReason } from '../../domain/lostPost';
import { postState } from '../activities/postStateFixture';

describe('the reason a post was lost', () => {
  it.each([
    [{ kind: 'not_found', neverStarted: false } as const, 'the workflow no longer exists in Temporal'],
    [{ kind: 'not_found', neverStarted: true } as const, 'the workflow never started in Temporal'],
    [{ kind: 'terminated', reason: 'bad deploy' } as const, 'the workflow was terminated by an admin: bad deploy'],
    [{ kind: 'terminated' } as const, 'the workflow was terminated by an admin'],
    [{ kind: 'timed_out' } as const, 'the workflow timed out in Temporal'],
    [{ kind: 'failed', message: 'boom' } as const, 'the workflow failed: boom'],
    [{ kind: 'cancelled' } as const, 'the workflow was cancelled in Temporal'],
  ])('%j reads "%s"', (gone, reason) => {
    expect(lostReason(gone)).toBe(reason);
  });
});

describe('the state of a lost post', () => {
  const state = postState({
    postId: 'post-1',
    brandId: 'brand-1',
    stage: 'legal_review',
    openStages: ['legal_review'],
    deadlines: [
      {
        stage: 'legal_review',
        openedAt: '2026-09-01T10:00:00.000Z',
        remindAt: '2026-09-01T14:00:00.000Z',
        escalateAt: '2026-09-02T10:00:00.000Z',
        forceAt: '2026-09-03T10:00:00.000Z',
        escalated: false,
        onTimeout: 'hold',
        decidingRoles: ['legal'],
      },
    ],
    variants: [
      { accountId: 'acc-x', platform: 'x', status: 'pending', attempts: 0 },
      { accountId: 'acc-li', platform: 'linkedin', status: 'failed', failureType: 'ContentRefused', attempts: 1 },
    ],
  });

  it('is terminal with no open stage or deadline, and keeps unpublished variants as they were', () => {
    const lost = lostPostState({ state, reason: 'the workflow timed out in Temporal', publications: [], at: 'now' });
    expect(lost).toMatchObject({
      stage: 'lost',
      openStages: [],
      deadlines: [],
      exitReason: 'the workflow timed out in Temporal',
      updatedAt: 'now',
    });
    expect(lost.variants).toEqual(state.variants);
  });

  it('takes what the ledger shows as published over what the projection said', () => {
    const lost = lostPostState({
      state,
      reason: 'the workflow no longer exists in Temporal',
      publications: [
        { accountId: 'acc-li', externalId: 'li-1', url: 'https://li/1', publishedAt: '2026-09-02T00:00:00.000Z' },
      ],
      at: 'now',
    });
    expect(lost.variants[1]).toEqual({
      accountId: 'acc-li',
      platform: 'linkedin',
      status: 'published',
      externalId: 'li-1',
      url: 'https://li/1',
      publishedAt: '2026-09-02T00:00:00.000Z',
      attempts: 1,
    });
    expect(lost.exitReason).toBe(
      'the workflow no longer exists in Temporal; published before it was lost: linkedin (acc-li)',
    );
  });
});
