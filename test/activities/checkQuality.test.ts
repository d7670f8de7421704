import type { Knex } from 'knex';
import { createPostActivities } from '../../activities';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { ErrorType, type CheckQualityInput } from '../../activities/contract';
import { createWebhookNotifier } from '../../activities/notifier';
import { createBrandStore } from '../../db/brands';
import { createTestKnex, insertBrand, insertCampaign, uniqueId } from '../helpers/db';
import { quietActivityEnvironment } from './activityEnvironment';

let db: Knex;
let activities: ReturnType<typeof createPostActivities>;
const env = quietActivityEnvironment();

beforeAll(() => {
  db = createTestKnex();
  activities = createPostActivities({ db, connectors: createConnectorRegistry([]), notifier: createWebhookNotifier() });
});
afterAll(async () => {
  await db.destroy();
});

function input(overrides: Partial<CheckQualityInput> & Pick<CheckQualityInput, 'brandId'>): CheckQualityInput {
  return {
    postId: uniqueId('post'),
    revision: 1,
    sponsored: false,
    content: {
      variants: [
        {
          accountId: 'acc-li',
          platform: 'linkedin',
          text: 'Our autumn blend is back: https://shop.example.com/autumn',
          media: [],
        },
      ],
    },
    ...overrides,
  };
}

describe('checkQuality', () => {
  it('blocks a phrase the brand has banned', async () => {
    const brand = await insertBrand(db, { bannedPhrases: ['guaranteed results'] });
    const result = await env.run(
      activities.checkQuality,
      input({
        brandId: brand.id,
        content: {
          variants: [{ accountId: 'acc-x', platform: 'x', text: 'Guaranteed   results with every cup', media: [] }],
        },
      }),
    );
    expect(result.issues).toEqual([expect.objectContaining({ accountId: 'acc-x', code: 'banned_phrase' })]);
  });

  it('applies the brand rules as they are when the check runs', async () => {
    const brand = await insertBrand(db, { bannedPhrases: [] });
    const check = input({
      brandId: brand.id,
      content: { variants: [{ accountId: 'acc-x', platform: 'x', text: 'A miracle cure for Mondays', media: [] }] },
    });
    expect((await env.run(activities.checkQuality, check)).issues).toEqual([]);

    await db('brands')
      .where({ id: brand.id })
      .update({ banned_phrases: JSON.stringify(['miracle cure']) });
    expect((await env.run(activities.checkQuality, check)).issues.map((issue) => issue.code)).toEqual([
      'banned_phrase',
    ]);
  });

  it("tags links with the brand's UTM source, the campaign's UTM name and the post id", async () => {
    const brand = await insertBrand(db, { utmSource: 'demo-coffee' });
    const campaign = await insertCampaign(db, { brandId: brand.id, utmCampaign: 'autumn-launch' });
    const check = input({ brandId: brand.id, campaignId: campaign.id });
    const result = await env.run(activities.checkQuality, check);

    expect(result.issues).toEqual([]);
    const link = new URL(result.content.variants[0].text.split(': ')[1]);
    expect(Object.fromEntries(link.searchParams)).toEqual({
      utm_source: 'demo-coffee',
      utm_medium: 'social',
      utm_campaign: 'autumn-launch',
      utm_content: check.postId,
    });
  });

  it('leaves utm_campaign off the links of a post outside any campaign', async () => {
    const brand = await insertBrand(db);
    const result = await env.run(activities.checkQuality, input({ brandId: brand.id }));
    const link = new URL(result.content.variants[0].text.split(': ')[1]);
    expect(link.searchParams.get('utm_source')).toBe('socialops');
    expect(link.searchParams.has('utm_campaign')).toBe(false);
  });

  it('requires the sponsor disclosure on sponsored posts', async () => {
    const brand = await insertBrand(db);
    const result = await env.run(activities.checkQuality, input({ brandId: brand.id, sponsored: true }));
    expect(result.issues.map((issue) => issue.code)).toEqual(['sponsor_disclosure_missing']);
  });

  it('fails without retrying when the brand does not exist', async () => {
    const brandId = uniqueId('missing-brand');
    expect(await createBrandStore(db).findById(brandId)).toBeUndefined();
    await expect(env.run(activities.checkQuality, input({ brandId }))).rejects.toMatchObject({
      type: ErrorType.BrandNotFound,
      nonRetryable: true,
    });
  });

  it('fails without retrying when Postgres refuses the brand id itself', async () => {
    await expect(env.run(activities.checkQuality, input({ brandId: 'brand\u0000one' }))).rejects.toMatchObject({
      type: ErrorType.UnstorableValue,
      nonRetryable: true,
    });
  });

  it('fails without retrying when the checks cannot read the content, since a retry reads it the same way', async () => {
    const brand = await insertBrand(db);
    const unreadable = input({
      brandId: brand.id,
      content: { variants: null } as unknown as CheckQualityInput['content'],
    });
    await expect(env.run(activities.checkQuality, unreadable)).rejects.toMatchObject({
      type: ErrorType.UncheckableContent,
      nonRetryable: true,
    });
  });
});
