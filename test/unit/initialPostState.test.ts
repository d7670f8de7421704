import { initialPostState } from '../../domain/initialPostState';
import type { PostLifecycleInput, RevisionContent } from '../../domain/types';

const NOW = '2026-03-01T09:00:00.000Z';

const draft: RevisionContent = {
  variants: [
    { accountId: 'acc-x', platform: 'x', text: 'Autumn blend is back', media: [] },
    { accountId: 'acc-li', platform: 'linkedin', text: 'Autumn blend is back', media: [] },
  ],
};

function input(overrides: Partial<PostLifecycleInput> = {}): PostLifecycleInput {
  return {
    postId: 'post-1',
    brandId: 'brand-1',
    authorId: 'user-author',
    title: 'Autumn blend launch',
    riskTier: 'standard',
    flags: [],
    urgent: false,
    publishAt: '2026-04-01T10:00:00+02:00',
    timeZone: 'Europe/Berlin',
    ...overrides,
  };
}

describe('a post as its workflow starts', () => {
  it('opens no stage yet and waits at the first stage of its plan, before any revision', () => {
    const state = initialPostState({ input: input({ draft }), now: NOW });
    expect(state.stage).toBe(state.plan.stages[0].stage);
    expect(state.openStages).toEqual([]);
    expect(state.revision).toBe(0);
    expect(state).not.toHaveProperty('content');
    expect(state.variants).toEqual([]);
    expect(state.updatedAt).toBe(NOW);
  });

  it('shows the accounts it is meant for as pending variants', () => {
    const targets = [{ accountId: 'acc-x', platform: 'x' as const }];
    expect(initialPostState({ input: input({ targets }), now: NOW }).variants).toEqual([
      { accountId: 'acc-x', platform: 'x', status: 'pending', attempts: 0 },
    ]);
  });

  it('holds its publish time as a UTC instant', () => {
    expect(initialPostState({ input: input(), now: NOW }).publishAt).toBe('2026-04-01T08:00:00.000Z');
  });

  it('starts held by its campaign or a crisis, once per source, and by nothing else', () => {
    const now = '2026-09-01T10:00:00.000Z';
    const held = initialPostState({
      input: input({
        holds: [
          { source: 'crisis', by: 'mia', reason: 'product recall' },
          { source: 'campaign', by: 'mia' },
          { source: 'crisis', by: 'ole' },
        ],
      }),
      now,
    });
    expect(held.paused).toBe(true);
    expect(held.holds).toEqual([
      { source: 'crisis', by: 'mia', reason: 'product recall', since: now },
      { source: 'campaign', by: 'mia', since: now },
    ]);
    expect(initialPostState({ input: input(), now })).toMatchObject({ paused: false, holds: [] });
    const brand = input({ holds: [{ source: 'brand', by: 'mia' }] as unknown as PostLifecycleInput['holds'] });
    expect(() => initialPostState({ input: brand, now })).toThrow(
      'a post starts held only by its campaign or a crisis, not by "brand"',
    );
    expect(() => initialPostState({ input: input({ holds: [{ source: 'crisis', by: '' }] }), now })).toThrow(
      'a starting hold needs who placed it',
    );
  });

  it('leaves out a campaign it does not belong to', () => {
    expect(initialPostState({ input: input(), now: NOW })).not.toHaveProperty('campaignId');
    expect(initialPostState({ input: input({ campaignId: 'camp-1' }), now: NOW }).campaignId).toBe('camp-1');
  });
});

describe('a post as its creation is expected to leave it', () => {
  it('has its supplied draft as revision 1 and waits on the first stage after drafting', () => {
    const state = initialPostState({ input: input({ draft }), now: NOW, view: 'created' });
    const afterDrafting = state.plan.stages.filter((spec) => spec.stage !== 'drafting');
    expect(state.revision).toBe(1);
    expect(state.content).toEqual(draft);
    expect(state.stage).toBe(afterDrafting[0].stage);
    expect(state.openStages).toContain(afterDrafting[0].stage);
    expect(state.variants.map((variant) => variant.accountId)).toEqual(['acc-x', 'acc-li']);
  });

  it('waits on the first stage of its plan when no draft was supplied', () => {
    const state = initialPostState({ input: input(), now: NOW, view: 'created' });
    expect(state.revision).toBe(0);
    expect(state.openStages[0]).toBe(state.plan.stages[0].stage);
  });
});
