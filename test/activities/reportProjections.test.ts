/**
 * The report projections follow the records they come from: a post's stay in each stage is
 * written with the transition that leaves it, once, and a variant keeps its latest snapshot.
 */
import type { Knex } from 'knex';
import { quietActivityEnvironment } from './activityEnvironment';
import { createPostActivities } from '../../activities';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { createWebhookNotifier } from '../../activities/notifier';
import type { RecordTransitionInput } from '../../activities/contract';
import { createMetricStore } from '../../db/metrics';
import type { PostStage } from '../../domain/types';
import { createTestKnex, insertBrand, uniqueId } from '../helpers/db';
import { postState } from './postStateFixture';

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

const content = { variants: [{ accountId: 'acc-x', platform: 'x' as const, text: 'Autumn blend is back', media: [] }] };

function transition(
  ids: { postId: string; brandId: string },
  sequence: number,
  fromStage: PostStage | null,
  stage: PostStage,
  at: string,
): RecordTransitionInput {
  return {
    sequence,
    action: `step-${sequence}`,
    actorId: 'author-1',
    fromStage,
    at,
    state: postState({ ...ids, stage, openStages: [stage], revision: 1, content, campaignId: 'autumn' }),
  };
}

it('records each stay in a stage once, from the transition into it to the one out of it', async () => {
  const brand = await insertBrand(db);
  const ids = { postId: uniqueId('post'), brandId: brand.id };
  const steps = [
    transition(ids, 1, null, 'drafting', '2026-09-01T08:00:00.000Z'),
    transition(ids, 2, 'drafting', 'design', '2026-09-01T10:00:00.000Z'),
    // A reminder: the post stays where it is.
    transition(ids, 3, 'design', 'design', '2026-09-01T11:00:00.000Z'),
    transition(ids, 4, 'design', 'copy_edit', '2026-09-01T13:00:00.000Z'),
  ];
  for (const step of steps) await env.run(activities.recordTransition, step);
  await env.run(activities.recordTransition, steps[3]);

  const rows = await db('post_stage_durations').where({ post_id: ids.postId }).orderBy('sequence');
  expect(
    rows.map((row: { stage: string; to_stage: string; duration_ms: string; campaign_id: string }) => [
      row.stage,
      row.to_stage,
      Number(row.duration_ms),
      row.campaign_id,
    ]),
  ).toEqual([
    ['drafting', 'design', 2 * 3_600_000, 'autumn'],
    ['design', 'copy_edit', 3 * 3_600_000, 'autumn'],
  ]);
});

it('keeps the latest snapshot of a variant, even when an earlier one is stored late', async () => {
  const brand = await insertBrand(db);
  const postId = uniqueId('post');
  await env.run(
    activities.recordTransition,
    transition({ postId, brandId: brand.id }, 1, null, 'drafting', '2026-09-01T08:00:00.000Z'),
  );
  const metrics = createMetricStore(db);
  const snapshot = (offsetMs: number, likes: number) => ({
    offsetMs,
    takenAt: new Date(Date.parse('2026-09-02T08:00:00.000Z') + offsetMs).toISOString(),
    accountId: 'acc-x',
    platform: 'x' as const,
    impressions: 10,
    reach: 5,
    likes,
    comments: 0,
    shares: 0,
    saves: 0,
    clicks: 0,
  });
  await metrics.upsertSnapshot({ postId, snapshot: snapshot(86_400_000, 40) });
  await metrics.upsertSnapshot({ postId, snapshot: snapshot(3_600_000, 3) });

  const [row] = await db('variant_performance').where({ post_id: postId });
  expect(row).toMatchObject({ brand_id: brand.id, account_id: 'acc-x', likes: 40 });
  expect(Number(row.offset_ms)).toBe(86_400_000);
  expect((row.published_at as Date).toISOString()).toBe('2026-09-02T08:00:00.000Z');
});
