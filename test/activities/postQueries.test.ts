import type { Knex } from 'knex';
import { createPostStore } from '../../db/posts';
import type { PostState } from '../../workflows/messages';
import { createTestKnex, insertBrand, uniqueId } from '../helpers/db';
import { deadline, postState } from './postStateFixture';

let db: Knex;
let brandId: string;
let otherBrandId: string;
const posts = () => createPostStore(db);

const variant = (platform: 'x' | 'linkedin' | 'instagram') => ({
  accountId: `acc-${platform}`,
  platform,
  text: 'Autumn',
  media: [],
});

async function project(state: PostState, sequence = 1): Promise<void> {
  await posts().applyProjection({ state, sequence });
}

const ids = {
  legal: uniqueId('post-legal'),
  design: uniqueId('post-design'),
  scheduled: uniqueId('post-scheduled'),
  published: uniqueId('post-published'),
  rejected: uniqueId('post-rejected'),
  elsewhere: uniqueId('post-elsewhere'),
};

beforeAll(async () => {
  db = createTestKnex();
  brandId = (await insertBrand(db, { timeZone: 'America/New_York' })).id;
  otherBrandId = (await insertBrand(db)).id;

  await project(
    postState({
      postId: ids.legal,
      brandId,
      campaignId: 'autumn',
      authorId: 'alice',
      stage: 'legal_review',
      revision: 2,
      publishAt: '2026-10-03T09:00:00.000Z',
      content: { variants: [variant('x'), variant('linkedin')] },
      deadlines: [deadline('legal_review', ['legal'], '2026-09-02T10:00:00.000Z')],
    }),
  );
  await project(
    postState({
      postId: ids.design,
      brandId,
      campaignId: 'autumn',
      authorId: 'bob',
      stage: 'design',
      revision: 1,
      urgent: true,
      publishAt: '2026-10-01T12:00:00.000Z',
      content: { variants: [variant('instagram')] },
      deadlines: [
        deadline('design', ['designer'], '2026-09-01T12:00:00.000Z'),
        deadline('legal_review', ['legal', 'manager'], '2026-09-01T11:00:00.000Z'),
      ],
      decisions: [
        { stage: 'legal_review', revision: 1, decision: 'approve', by: 'leo', at: '2026-09-01T10:30:00.000Z' },
      ],
    }),
  );
  await project(
    postState({
      postId: ids.scheduled,
      brandId,
      authorId: 'alice',
      stage: 'scheduled',
      revision: 1,
      publishAt: '2026-10-02T03:30:00.000Z',
      content: { variants: [variant('x')] },
    }),
  );
  await project(
    postState({
      postId: ids.published,
      brandId,
      campaignId: 'spring',
      authorId: 'alice',
      stage: 'published',
      revision: 1,
      publishAt: '2026-10-01T08:00:00.000Z',
      content: { variants: [variant('linkedin')] },
      variants: [
        {
          accountId: 'acc-linkedin',
          platform: 'linkedin',
          status: 'published',
          url: 'https://example.test/p',
          publishedAt: '2026-10-01T08:00:02.000Z',
          attempts: 1,
        },
      ],
    }),
  );
  await project(
    postState({
      postId: ids.rejected,
      brandId,
      authorId: 'alice',
      stage: 'rejected',
      revision: 1,
      publishAt: '2026-10-01T09:00:00.000Z',
      deadlines: [deadline('legal_review', ['legal'], '2026-09-01T09:00:00.000Z')],
    }),
  );
  await project(
    postState({
      postId: ids.elsewhere,
      brandId: otherBrandId,
      authorId: 'zoe',
      stage: 'legal_review',
      revision: 1,
      publishAt: '2026-10-01T10:00:00.000Z',
      content: { variants: [variant('x')] },
      deadlines: [deadline('legal_review', ['legal'], '2026-09-01T08:00:00.000Z')],
    }),
  );
});
afterAll(async () => {
  await db.destroy();
});

describe('listing posts', () => {
  it("orders a brand's posts by publish time and counts them all", async () => {
    const page = await posts().list({ brandId });
    expect(page.items.map((post) => post.id)).toEqual([
      ids.published,
      ids.rejected,
      ids.design,
      ids.scheduled,
      ids.legal,
    ]);
    expect(page.total).toBe(5);
  });

  it('pages with limit and offset while the total stays the whole count', async () => {
    const page = await posts().list({ brandId, limit: 2, offset: 2 });
    expect(page).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect(page.items.map((post) => post.id)).toEqual([ids.design, ids.scheduled]);
  });

  it('filters by stage, campaign, platform and publish window', async () => {
    const idsOf = async (filter: Parameters<ReturnType<typeof createPostStore>['list']>[0]) =>
      (await posts().list({ brandId, ...filter })).items.map((post) => post.id);

    expect(await idsOf({ stage: 'legal_review' })).toEqual([ids.legal]);
    expect(await idsOf({ stage: ['design', 'scheduled'] })).toEqual([ids.design, ids.scheduled]);
    expect(await idsOf({ campaignId: 'autumn' })).toEqual([ids.design, ids.legal]);
    expect(await idsOf({ platform: 'x' })).toEqual([ids.scheduled, ids.legal]);
    expect(await idsOf({ platform: 'linkedin' })).toEqual([ids.published, ids.legal]);
    expect(await idsOf({ publishFrom: '2026-10-01T09:00:00.000Z', publishTo: '2026-10-02T03:30:00.000Z' })).toEqual([
      ids.rejected,
      ids.design,
    ]);
    expect(await idsOf({ stage: 'legal_review', platform: 'instagram' })).toEqual([]);
  });

  it("restricts the list to the caller's brands", async () => {
    const page = await posts().list({ brandIds: [otherBrandId] });
    expect(page.items.map((post) => post.id)).toEqual([ids.elsewhere]);
  });
});

describe('review queue', () => {
  it('shows what waits on a role with the deadlines of the stages it may decide, soonest first', async () => {
    const queue = await posts().reviewQueue({ roles: ['legal'], brandIds: [brandId] });
    expect(queue.map((item) => item.post.id)).toEqual([ids.design, ids.legal]);
    expect(queue[0].deadlines.map((entry) => entry.stage)).toEqual(['legal_review']);
    expect(queue[1].deadlines).toEqual([
      expect.objectContaining({ stage: 'legal_review', escalateAt: '2026-09-02T10:00:00.000Z' }),
    ]);
  });

  it('leaves out finished posts and roles with nothing to decide', async () => {
    const legalQueue = await posts().reviewQueue({ roles: ['legal'], brandIds: [brandId] });
    expect(legalQueue.map((item) => item.post.id)).not.toContain(ids.rejected);
    expect(await posts().reviewQueue({ roles: ['copy_editor'], brandIds: [brandId] })).toEqual([]);
  });

  it("combines the caller's roles", async () => {
    const queue = await posts().reviewQueue({ roles: ['designer', 'manager'], brandIds: [brandId] });
    expect(queue.map((item) => item.post.id)).toEqual([ids.design]);
    expect(queue[0].deadlines.map((entry) => entry.stage).sort()).toEqual(['design', 'legal_review']);
  });

  it('answers the soonest posts first when the queue is limited', async () => {
    const queue = await posts().reviewQueue({ roles: ['legal'], brandIds: [brandId], limit: 1 });
    expect(queue.map((item) => item.post.id)).toEqual([ids.design]);
  });

  it("leaves out the caller's own posts and stages they already approved at this revision", async () => {
    const forAlice = await posts().reviewQueue({ roles: ['legal'], userId: 'alice', brandIds: [brandId] });
    expect(forAlice.map((item) => item.post.id)).toEqual([ids.design]);
    const forLeo = await posts().reviewQueue({ roles: ['legal'], userId: 'leo', brandIds: [brandId] });
    expect(forLeo.map((item) => item.post.id)).toEqual([ids.legal]);
  });
});

describe('calendar', () => {
  it("lists scheduled and published posts in the window with the brand's time zone", async () => {
    const entries = await posts().calendar({
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-10-08T00:00:00.000Z',
      brandIds: [brandId],
    });
    expect(entries.map((entry) => [entry.id, entry.stage])).toEqual([
      [ids.published, 'published'],
      [ids.scheduled, 'scheduled'],
    ]);
    expect(entries.every((entry) => entry.brandTimeZone === 'America/New_York')).toBe(true);
    expect(entries[0].variants).toEqual([
      expect.objectContaining({ platform: 'linkedin', status: 'published', publishedAt: '2026-10-01T08:00:02.000Z' }),
    ]);
  });

  it('excludes posts outside the window', async () => {
    const entries = await posts().calendar({
      from: '2026-10-01T08:00:01.000Z',
      to: '2026-10-02T03:30:00.000Z',
      brandIds: [brandId],
    });
    expect(entries).toEqual([]);
  });
});
