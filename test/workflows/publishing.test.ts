import type { PublishVariantInput } from '../../activities';
import { publishNow, retryFailedVariants, type PostState } from '../../workflows/messages';
import { FAILED_POST_RETRY_WINDOW_MS } from '../../workflows/post/publish';
import { setSandboxFailure } from '../helpers/db';
import {
  approveOpenStages,
  brandWithTeam,
  DAY_MS,
  historyEventTypes,
  recordHistoryIfAsked,
  refusal,
  startPost,
  startPostHarness,
  stateOf,
  stateWhen,
  type PostHarness,
} from './postHarness';

let harness: PostHarness;
/** What the workflow asked each publication to carry. */
const publishInputs: PublishVariantInput[] = [];
beforeAll(async () => {
  harness = await startPostHarness({
    wrapActivities: (activities) => ({
      ...activities,
      async publishVariant(input) {
        publishInputs.push(input);
        return activities.publishVariant(input);
      },
    }),
  });
});
afterAll(async () => {
  await harness?.teardown();
});

async function publicationsByAccount(postId: string): Promise<Record<string, number>> {
  const rows: Array<{ account_id: string }> = await harness.db('sandbox_publications').where({ post_id: postId });
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.account_id] = (counts[row.account_id] ?? 0) + 1;
  return counts;
}

describe('publishing a post', () => {
  it('fails only the variant whose account was revoked, notifies, and publishes it once retried', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const [x, linkedin, facebook] = fixture.accounts;
    await harness.db('accounts').where({ id: linkedin.id }).update({ status: 'revoked' });
    const { handle, input } = await startPost(harness, fixture, { publishInMs: DAY_MS });
    await approveOpenStages(handle, team);
    await harness.env.sleep(DAY_MS);

    const published = await stateWhen(handle, (state) => state.stage === 'published');
    const byAccount = Object.fromEntries(published.variants.map((variant) => [variant.accountId, variant]));
    expect(byAccount[x.id]).toMatchObject({ status: 'published' });
    expect(byAccount[facebook.id]).toMatchObject({ status: 'published' });
    expect(byAccount[linkedin.id]).toMatchObject({ status: 'failed', failureType: 'AccountRevoked', attempts: 1 });
    expect(byAccount[linkedin.id].failureReason).toContain('revoked');

    const failedNotice = await harness.db('notifications').where({ post_id: input.postId, kind: 'publish_failed' });
    expect(failedNotice).toHaveLength(1);
    expect(failedNotice[0].payload.data.failed.map((variant: { accountId: string }) => variant.accountId)).toEqual([
      linkedin.id,
    ]);
    const variantRows = await harness.db('post_variants').where({ post_id: input.postId, account_id: linkedin.id });
    expect(variantRows[0]).toMatchObject({ status: 'failed', failure_type: 'AccountRevoked' });

    expect(await refusal(handle.executeUpdate(retryFailedVariants, { args: [{ by: team.designer }] }))).toMatchObject({
      type: 'Forbidden',
    });
    await harness.db('accounts').where({ id: linkedin.id }).update({ status: 'active' });
    expect(await handle.executeUpdate(retryFailedVariants, { args: [{ by: team.author }] })).toEqual({ retried: 1 });

    const final = (await handle.result()) as PostState;
    expect(final.stage).toBe('completed');
    expect(final.variants.every((variant) => variant.status === 'published')).toBe(true);
    expect(await publicationsByAccount(input.postId)).toEqual({ [x.id]: 1, [linkedin.id]: 1, [facebook.id]: 1 });
    // The retried variant is tracked from when it went live.
    const snapshots = await harness.db('metric_snapshots').where({ post_id: input.postId, account_id: linkedin.id });
    expect(snapshots).toHaveLength(3);
    await recordHistoryIfAsked(handle, 'revoked-account-retried');
  });

  it("hands the platform a variant's languages and the post it quotes", async () => {
    const fixture = await brandWithTeam(harness);
    const [first, second] = fixture.accounts;
    const quoteOf = 'at://did:plc:someone/app.bsky.feed.post/3l3qo2vuowo2b';
    const draft = {
      variants: [
        { accountId: first.id, platform: first.platform, text: 'Herbst ist da', media: [], languages: ['de'], quoteOf },
        { accountId: second.id, platform: second.platform, text: 'Autumn is here', media: [] },
      ],
    };
    const { handle, input } = await startPost(harness, fixture, { publishInMs: DAY_MS, draft });
    await approveOpenStages(handle, fixture.team);
    await harness.env.sleep(DAY_MS);
    await stateWhen(handle, (state) => state.stage === 'published');

    const asked = Object.fromEntries(
      publishInputs.filter((sent) => sent.postId === input.postId).map((sent) => [sent.accountId, sent]),
    );
    expect(asked[first.id]).toMatchObject({ languages: ['de'], quoteOf });
    expect(asked[second.id]).not.toHaveProperty('languages');
    expect(asked[second.id]).not.toHaveProperty('quoteOf');
  });

  it("builds a retried variant's record key from the time fixed at its first attempt", async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const [x, linkedin] = fixture.accounts;
    await harness.db('accounts').where({ id: linkedin.id }).update({ status: 'revoked' });
    const { handle } = await startPost(harness, fixture, { publishInMs: DAY_MS });
    await approveOpenStages(handle, team);
    await harness.env.sleep(DAY_MS);
    const first = await stateWhen(handle, (state) => state.stage === 'published');
    const fixedAt = first.variants.find((variant) => variant.accountId === linkedin.id)?.keyFixedAt;

    await harness.env.sleep(60 * 60 * 1000);
    await harness.db('accounts').where({ id: linkedin.id }).update({ status: 'active' });
    await handle.executeUpdate(retryFailedVariants, { args: [{ by: team.author }] });
    const retried = await stateWhen(handle, (state) =>
      state.variants.every((variant) => variant.status === 'published'),
    );

    const byAccount = Object.fromEntries(retried.variants.map((variant) => [variant.accountId, variant]));
    expect(fixedAt).toBeDefined();
    expect(byAccount[linkedin.id]).toMatchObject({ attempts: 2, keyFixedAt: fixedAt });
    expect(byAccount[x.id].keyFixedAt).toBeDefined();
  });

  it('retries a rate-limited publication and publishes it exactly once', async () => {
    const fixture = await brandWithTeam(harness);
    const [x] = fixture.accounts;
    await setSandboxFailure(harness.db, [x.id], { mode: 'rate_limit', retryAfterSeconds: 90, times: 2 });
    const { handle, input } = await startPost(harness, fixture);
    await approveOpenStages(handle, fixture.team);
    await handle.executeUpdate(publishNow, { args: [{ by: fixture.team.manager }] });
    // Two rate limits, each asking to come back in 90 seconds.
    await harness.env.sleep(5 * 60 * 1000);

    const published = await stateWhen(handle, (state) => state.stage === 'published');
    expect(published.variants.find((variant) => variant.accountId === x.id)).toMatchObject({
      status: 'published',
      attempts: 1,
    });
    expect(await publicationsByAccount(input.postId)).toEqual(
      Object.fromEntries(fixture.accounts.map((account) => [account.id, 1])),
    );
    // Temporal retried the one activity; the workflow scheduled one publication per variant.
    const events = await historyEventTypes(handle);
    expect(events.filter((type) => type === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED')).toHaveLength(3);
    const history = await handle.fetchHistory();
    const attempts = (history.events ?? [])
      .map((event) => event.activityTaskStartedEventAttributes?.attempt)
      .filter((attempt): attempt is number => typeof attempt === 'number');
    expect(Math.max(...attempts)).toBe(3);
    await recordHistoryIfAsked(handle, 'rate-limited-publish');
  });

  it('fails the post when every variant fails, and still accepts a retry for a while', async () => {
    const fixture = await brandWithTeam(harness, ['x', 'linkedin']);
    const accountIds = fixture.accounts.map((account) => account.id);
    await setSandboxFailure(harness.db, accountIds, { mode: 'refused' });
    const { handle, input } = await startPost(harness, fixture);
    await approveOpenStages(handle, fixture.team);
    await handle.executeUpdate(publishNow, { args: [{ by: fixture.team.manager }] });

    const failed = await stateWhen(handle, (state) => state.stage === 'failed');
    expect(failed.stage).toBe('failed');
    expect(failed.exitReason).toMatch(/^every variant failed to publish: /);
    expect(failed.variants.map((variant) => variant.failureType)).toEqual(['ContentRefused', 'ContentRefused']);

    await setSandboxFailure(harness.db, accountIds, null);
    expect(await handle.executeUpdate(retryFailedVariants, { args: [{ by: fixture.team.manager }] })).toEqual({
      retried: 2,
    });
    const final = (await handle.result()) as PostState;
    expect(final.stage).toBe('completed');
    expect(final.exitReason).toBeUndefined();
    expect(Object.values(await publicationsByAccount(input.postId))).toEqual([1, 1]);
  });

  it('closes a failed post once nobody retried it within the retry window', async () => {
    const fixture = await brandWithTeam(harness, ['x']);
    await harness.db('accounts').where({ id: fixture.accounts[0].id }).update({ status: 'revoked' });
    const { handle, input } = await startPost(harness, fixture);
    await approveOpenStages(handle, fixture.team);
    await handle.executeUpdate(publishNow, { args: [{ by: fixture.team.manager }] });
    await stateWhen(handle, (state) => state.stage === 'failed');

    const final = (await handle.result()) as PostState;
    expect(final.stage).toBe('failed');
    const audit = await harness
      .db('audit_log')
      .where({ entity: `post:${input.postId}` })
      .orderBy('sequence');
    const [failedAt, closedAt] = audit.slice(-2).map((row: { at: Date }) => new Date(row.at).getTime());
    expect(audit.slice(-2).map((row: { action: string }) => row.action)).toEqual([
      'publish_failed',
      'retry_window_closed',
    ]);
    expect(closedAt - failedAt).toBeGreaterThanOrEqual(FAILED_POST_RETRY_WINDOW_MS);
  });

  it('sends content that no longer passes the brand rules back to drafting instead of publishing it', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle, input } = await startPost(harness, fixture);
    await approveOpenStages(handle, fixture.team);
    await harness
      .db('brands')
      .where({ id: fixture.brand.id })
      .update({ banned_phrases: JSON.stringify(['autumn blend']) });

    await handle.executeUpdate(publishNow, { args: [{ by: fixture.team.manager }] });
    const blocked = await stateWhen(handle, (state) => state.stage === 'drafting');
    expect(blocked).toMatchObject({ stage: 'drafting', revision: 1 });
    expect(blocked.qualityIssues.length).toBeGreaterThan(0);
    expect(await publicationsByAccount(input.postId)).toEqual({});
    const notices = await harness.db('notifications').where({ post_id: input.postId, kind: 'quality_blocked' });
    expect(notices).toHaveLength(1);
    expect(notices[0].payload.userIds).toEqual([fixture.team.author.userId]);
    expect((await stateOf(handle)).decisions).toHaveLength(4);
  });

  it('measures a published post at custom offsets and summarizes it', async () => {
    const fixture = await brandWithTeam(harness, ['x', 'bluesky']);
    const { handle, input } = await startPost(harness, fixture, {
      trackingOffsetsMs: [2 * 60 * 60 * 1000, 3 * DAY_MS],
    });
    await approveOpenStages(handle, fixture.team);
    const final = (await handle.result()) as PostState;
    expect(final.stage).toBe('completed');
    const rows = await harness
      .db('metric_snapshots')
      .where({ post_id: input.postId })
      .orderBy(['account_id', 'offset_ms']);
    expect(rows.map((row: { offset_ms: number }) => row.offset_ms).sort((a: number, b: number) => a - b)).toEqual([
      2 * 60 * 60 * 1000,
      2 * 60 * 60 * 1000,
      3 * DAY_MS,
      3 * DAY_MS,
    ]);
    const summary = await harness
      .db('notifications')
      .where({ post_id: input.postId, kind: 'performance_summary' })
      .first();
    expect(Object.keys(summary.payload.data.byPlatform).sort()).toEqual(['bluesky', 'x']);
  });
});
