import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import { createPostActivities } from '../../activities';
import { createSandboxConnector } from '../../activities/connectors/sandbox';
import { sandboxMetrics } from '../../activities/connectors/sandboxMetrics';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { ErrorType } from '../../activities/contract';
import { createWebhookNotifier } from '../../activities/notifier';
import { createMetricStore, METRIC_NAMES } from '../../db/metrics';
import { createTestKnex, insertAccount, insertBrand, uniqueId } from '../helpers/db';
import { quietActivityEnvironment } from './activityEnvironment';
import { postState } from './postStateFixture';

const HOUR = 3_600_000;
const PUBLISHED_AT = Date.parse('2026-10-01T08:00:00.000Z');

describe('sandbox metrics', () => {
  it('are the same for the same publication and elapsed time', () => {
    expect(sandboxMetrics({ externalId: 'sbx-post-a', elapsedMs: 5 * HOUR })).toEqual(
      sandboxMetrics({ externalId: 'sbx-post-a', elapsedMs: 5 * HOUR }),
    );
  });

  it('differ between publications', () => {
    expect(sandboxMetrics({ externalId: 'sbx-post-a', elapsedMs: 24 * HOUR })).not.toEqual(
      sandboxMetrics({ externalId: 'sbx-post-b', elapsedMs: 24 * HOUR }),
    );
  });

  it('start at zero and never shrink as time passes', () => {
    for (const externalId of ['sbx-post-a', 'sbx-post-b', 'sbx-post-c', 'sbx-post-d']) {
      expect(sandboxMetrics({ externalId, elapsedMs: 0 })).toEqual({
        impressions: 0,
        reach: 0,
        likes: 0,
        comments: 0,
        shares: 0,
        saves: 0,
        clicks: 0,
      });
      let previous = sandboxMetrics({ externalId, elapsedMs: 0 });
      for (let elapsedMs = 10 * 60_000; elapsedMs <= 14 * 24 * HOUR; elapsedMs *= 1.5) {
        const current = sandboxMetrics({ externalId, elapsedMs });
        for (const metric of METRIC_NAMES) expect(current[metric]).toBeGreaterThanOrEqual(previous[metric]);
        previous = current;
      }
      expect(previous.reach).toBeGreaterThan(0);
      expect(previous.impressions).toBeGreaterThanOrEqual(previous.reach);
    }
  });

  it('treat a reading before publication as nothing yet', () => {
    expect(sandboxMetrics({ externalId: 'sbx-post-a', elapsedMs: -HOUR }).impressions).toBe(0);
  });
});

describe('snapshotMetrics and summarizePerformance', () => {
  let db: Knex;
  let now = new Date(PUBLISHED_AT);
  const clock = () => now;
  let activities: ReturnType<typeof createPostActivities>;
  const env = quietActivityEnvironment();

  beforeAll(() => {
    db = createTestKnex();
    activities = createPostActivities({
      db,
      connectors: createConnectorRegistry([createSandboxConnector({ db, clock })]),
      notifier: createWebhookNotifier(),
      clock,
    });
  });
  afterAll(async () => {
    await db.destroy();
  });

  async function publishedPost() {
    const brand = await insertBrand(db);
    const x = await insertAccount(db, { brandId: brand.id, platform: 'x' });
    const linkedin = await insertAccount(db, { brandId: brand.id, platform: 'linkedin' });
    const postId = uniqueId('post');
    await env.run(activities.recordTransition, {
      sequence: 1,
      action: 'published',
      actorId: 'system',
      fromStage: 'publishing',
      at: new Date(PUBLISHED_AT).toISOString(),
      state: postState({ postId, brandId: brand.id, stage: 'published' }),
    });
    now = new Date(PUBLISHED_AT);
    const publish = async (account: typeof x) => ({
      account,
      publication: await env.run(activities.publishVariant, {
        postId,
        revision: 1,
        accountId: account.id,
        platform: account.platform,
        text: 'Autumn',
        media: [],
        idempotencyKey: `${postId}:1:${account.id}`,
      }),
    });
    return { postId, variants: [await publish(x), await publish(linkedin)] };
  }

  it('stores each snapshot at its offset with the counters the platform reports at that time', async () => {
    const { postId, variants } = await publishedPost();
    const [{ account, publication }] = variants;
    now = new Date(PUBLISHED_AT + HOUR);
    const hour = await env.run(activities.snapshotMetrics, {
      postId,
      accountId: account.id,
      platform: account.platform,
      externalId: publication.externalId,
      offsetMs: HOUR,
    });
    expect(hour).toEqual({
      offsetMs: HOUR,
      takenAt: new Date(PUBLISHED_AT + HOUR).toISOString(),
      accountId: account.id,
      platform: 'x',
      ...sandboxMetrics({ externalId: publication.externalId, elapsedMs: HOUR }),
    });
    // The workflow's clock, when given, decides the reading time.
    const day = await env.run(activities.snapshotMetrics, {
      postId,
      accountId: account.id,
      platform: account.platform,
      externalId: publication.externalId,
      offsetMs: 24 * HOUR,
      at: new Date(PUBLISHED_AT + 24 * HOUR).toISOString(),
    });
    expect(day.impressions).toBe(
      sandboxMetrics({ externalId: publication.externalId, elapsedMs: 24 * HOUR }).impressions,
    );
    expect(day.impressions).toBeGreaterThan(hour.impressions);
    expect(await createMetricStore(db).listByPost({ postId })).toEqual([hour, day]);
  });

  it('replaces a snapshot taken again at the same offset instead of adding another', async () => {
    const { postId, variants } = await publishedPost();
    const [{ account, publication }] = variants;
    const input = {
      postId,
      accountId: account.id,
      platform: account.platform,
      externalId: publication.externalId,
      offsetMs: HOUR,
    };
    now = new Date(PUBLISHED_AT + HOUR);
    await env.run(activities.snapshotMetrics, input);
    now = new Date(PUBLISHED_AT + HOUR + 60_000);
    const retried = await env.run(activities.snapshotMetrics, input);
    expect(await createMetricStore(db).listByPost({ postId })).toEqual([retried]);
  });

  it('sums the latest snapshot of every variant, overall and per platform', async () => {
    const { postId, variants } = await publishedPost();
    const taken = [];
    for (const { account, publication } of variants) {
      for (const offsetMs of [HOUR, 24 * HOUR]) {
        taken.push(
          await env.run(activities.snapshotMetrics, {
            postId,
            accountId: account.id,
            platform: account.platform,
            externalId: publication.externalId,
            offsetMs,
            at: new Date(PUBLISHED_AT + offsetMs).toISOString(),
          }),
        );
      }
    }
    const latestX = taken[1];
    const latestLinkedin = taken[3];
    const summary = await env.run(activities.summarizePerformance, { postId });
    expect(summary.byPlatform.x.likes).toBe(latestX.likes);
    expect(summary.byPlatform.linkedin.impressions).toBe(latestLinkedin.impressions);
    for (const metric of METRIC_NAMES) expect(summary.totals[metric]).toBe(latestX[metric] + latestLinkedin[metric]);
  });

  it('reports a publication the platform does not know as PublicationNotFound', async () => {
    const { postId, variants } = await publishedPost();
    const [{ account }] = variants;
    await expect(
      env.run(activities.snapshotMetrics, {
        postId,
        accountId: account.id,
        platform: 'x',
        externalId: 'sbx-post-unknown',
        offsetMs: HOUR,
      }),
    ).rejects.toMatchObject({ type: ErrorType.PublicationNotFound, nonRetryable: true });
  });

  it('takes every snapshot due at one moment in one call, skipping one that can never be taken', async () => {
    const { postId, variants } = await publishedPost();
    const at = new Date(PUBLISHED_AT + HOUR).toISOString();
    const due = variants.map(({ account, publication }) => ({
      accountId: account.id,
      platform: account.platform,
      externalId: publication.externalId,
      offsetMs: HOUR,
      at,
    }));
    const gone = { ...due[0], externalId: 'sbx-post-unknown', offsetMs: 24 * HOUR };

    const result = await env.run(activities.takeSnapshots, { postId, due: [...due, gone] });

    expect(result.taken).toEqual(
      variants.map(({ account, publication }) => ({
        offsetMs: HOUR,
        takenAt: at,
        accountId: account.id,
        platform: account.platform,
        ...sandboxMetrics({ externalId: publication.externalId, elapsedMs: HOUR }),
      })),
    );
    expect(result.skipped).toEqual([
      { accountId: gone.accountId, offsetMs: 24 * HOUR, reason: expect.stringMatching(/sbx-post-unknown/) },
    ]);
    expect(await createMetricStore(db).listByPost({ postId })).toHaveLength(2);
  });

  it('retries only the snapshots an earlier attempt could not take, and on the last attempt skips them so the others count', async () => {
    const { postId, variants } = await publishedPost();
    const [busy, fine] = variants;
    const sandbox = createSandboxConnector({ db, clock });
    let busyCalls = 0;
    let fineCalls = 0;
    const flaky = createPostActivities({
      db,
      connectors: createConnectorRegistry([
        {
          ...sandbox,
          fetchMetrics: (publication, at) => {
            if (publication.accountId === busy.account.id) {
              busyCalls += 1;
              return Promise.reject(ApplicationFailure.retryable('the platform is busy', ErrorType.RateLimited));
            }
            fineCalls += 1;
            return sandbox.fetchMetrics(publication, at);
          },
        },
      ]),
      notifier: createWebhookNotifier(),
      clock,
    });
    const at = new Date(PUBLISHED_AT + HOUR).toISOString();
    const input = {
      postId,
      attempts: 3,
      due: variants.map(({ account, publication }) => ({
        accountId: account.id,
        platform: account.platform,
        externalId: publication.externalId,
        offsetMs: HOUR,
        at,
      })),
    };

    await expect(quietActivityEnvironment({ attempt: 1 }).run(flaky.takeSnapshots, input)).rejects.toThrow(
      'the platform is busy',
    );
    const last = await quietActivityEnvironment({ attempt: 3 }).run(flaky.takeSnapshots, input);

    expect(last.taken).toEqual([expect.objectContaining({ accountId: fine.account.id, offsetMs: HOUR })]);
    expect(last.skipped).toEqual([{ accountId: busy.account.id, offsetMs: HOUR, reason: 'the platform is busy' }]);
    // The stored snapshot was not read from the platform again.
    expect([busyCalls, fineCalls]).toEqual([2, 1]);
    expect(await createMetricStore(db).listByPost({ postId })).toEqual(last.taken);
  });
});
