import {
  brandPause,
  holdPublishing,
  publishNow,
  reschedule,
  type HoldPublishingSignal,
  type PostState,
} from '../../workflows/messages';
import {
  approveOpenStages,
  brandWithTeam,
  DAY_MS,
  HOUR_MS,
  publicationsOf,
  recordHistoryIfAsked,
  refusal,
  serverNow,
  startPost,
  startPostHarness,
  stateOf,
  stateWhen,
  type PostHarness,
} from './postHarness';

let harness: PostHarness;
beforeAll(async () => {
  harness = await startPostHarness();
});
afterAll(async () => {
  await harness?.teardown();
});

async function auditActions(postId: string): Promise<Array<{ action: string; detail: Record<string, unknown> }>> {
  const rows = await harness
    .db('audit_log')
    .where({ entity: `post:${postId}` })
    .orderBy('sequence');
  return rows.map((row: { action: string; detail: Record<string, unknown> | null }) => ({
    action: row.action,
    detail: row.detail ?? {},
  }));
}

const sources = (state: PostState): string[] => state.holds.map((hold) => hold.source);

describe("a post's holds", () => {
  it('publishes only once every hold is lifted, at once when its publish time passed meanwhile', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture, { publishInMs: DAY_MS });
    await approveOpenStages(handle, team);

    const hold = (signal: Omit<HoldPublishingSignal, 'by'>) =>
      handle.signal(holdPublishing, { by: team.manager.userId, ...signal });
    await hold({ source: 'campaign', held: true, reason: 'launch moved' });
    await hold({ source: 'crisis', held: true, reason: 'outage' });
    // Holding twice changes nothing.
    await hold({ source: 'crisis', held: true, reason: 'outage, again' });
    await harness.env.sleep(2 * DAY_MS);
    const held = await stateOf(handle);
    expect(held).toMatchObject({ stage: 'scheduled', paused: true });
    expect(sources(held)).toEqual(['campaign', 'crisis']);
    expect(held.holds[1]).toMatchObject({ by: team.manager.userId, reason: 'outage' });
    expect(await publicationsOf(harness, input.postId)).toBe(0);
    expect(await refusal(handle.executeUpdate(publishNow, { args: [{ by: team.manager }] }))).toEqual({
      type: 'InvalidTransition',
      message: 'publishing is held: campaign, crisis',
    });

    await hold({ source: 'crisis', held: false });
    await harness.env.sleep(HOUR_MS);
    expect(await stateOf(handle)).toMatchObject({ stage: 'scheduled', paused: true });
    expect(await publicationsOf(harness, input.postId)).toBe(0);

    await hold({ source: 'campaign', held: false });
    const published = await stateWhen(handle, (state) => state.stage === 'published');
    expect(published).toMatchObject({ stage: 'published', paused: false, holds: [] });
    expect(await publicationsOf(harness, input.postId)).toBe(3);
    const actions = (await auditActions(input.postId)).map((entry) => entry.action);
    expect(actions.slice(-6)).toEqual([
      'publishing_held',
      'publishing_held',
      'publishing_released',
      'publishing_released',
      'publish_time_reached',
      'published',
    ]);
  });

  it('holds a post whose publish time passed for a decision when the release asks, until it is rescheduled', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture, { publishInMs: DAY_MS });
    await approveOpenStages(handle, team);

    await handle.signal(holdPublishing, { source: 'crisis', held: true, by: team.manager.userId, reason: 'recall' });
    await harness.env.sleep(2 * DAY_MS);
    await handle.signal(holdPublishing, {
      source: 'crisis',
      held: false,
      by: team.admin.userId,
      reason: 'recall handled',
      passedPublishTime: 'hold_for_review',
    });
    const waiting = await stateWhen(handle, (state) => sources(state).includes('passed_publish_time'));
    expect(waiting).toMatchObject({ stage: 'scheduled', paused: true });
    expect(waiting.holds).toEqual([
      expect.objectContaining({
        source: 'passed_publish_time',
        reason: `the publish time ${input.publishAt} passed while held by crisis`,
      }),
    ]);
    await harness.env.sleep(DAY_MS);
    expect(await publicationsOf(harness, input.postId)).toBe(0);

    const later = new Date((await serverNow(harness)) + 2 * HOUR_MS).toISOString();
    await handle.executeUpdate(reschedule, { args: [{ by: team.author, publishAt: later }] });
    expect(await stateOf(handle)).toMatchObject({ stage: 'scheduled', paused: false, holds: [], publishAt: later });
    await harness.env.sleep(3 * HOUR_MS);
    await stateWhen(handle, (state) => state.stage === 'published');
    expect(await publicationsOf(harness, input.postId)).toBe(3);
    const audit = await auditActions(input.postId);
    expect(audit.find((entry) => entry.action === 'publishing_released')?.detail).toEqual({
      source: 'crisis',
      reason: 'recall handled',
      heldForReview: true,
    });
    expect(audit.find((entry) => entry.action === 'rescheduled')?.detail).toMatchObject({
      to: later,
      releasedHold: 'passed_publish_time',
    });
    await recordHistoryIfAsked(handle, 'held-for-review');
  });

  it('lets a publish-now decide a passed publish time, and set aside a crisis only when confirmed', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture, {
      publishInMs: DAY_MS,
      holds: [{ source: 'crisis', by: team.manager.userId, reason: 'brand under fire' }],
    });
    const started = await stateOf(handle);
    expect(started.holds).toEqual([
      expect.objectContaining({ source: 'crisis', by: team.manager.userId, reason: 'brand under fire' }),
    ]);
    await approveOpenStages(handle, team);
    await harness.env.sleep(2 * DAY_MS);
    expect(await publicationsOf(harness, input.postId)).toBe(0);

    // A brand pause is never set aside, confirmed or not.
    await handle.signal(brandPause, { paused: true, by: team.manager.userId });
    expect(
      await refusal(handle.executeUpdate(publishNow, { args: [{ by: team.manager, overrideHolds: true }] })),
    ).toEqual({ type: 'InvalidTransition', message: 'publishing is paused for the brand' });
    await handle.signal(brandPause, { paused: false, by: team.manager.userId });
    expect(sources(await stateWhen(handle, (state) => sources(state).length === 1))).toEqual(['crisis']);

    expect(await refusal(handle.executeUpdate(publishNow, { args: [{ by: team.manager }] }))).toEqual({
      type: 'InvalidTransition',
      message: 'publishing is held: crisis',
    });
    expect(await handle.executeUpdate(publishNow, { args: [{ by: team.manager, overrideHolds: true }] })).toEqual({
      stage: 'publishing',
    });
    await stateWhen(handle, (state) => state.stage === 'published');
    expect(await publicationsOf(harness, input.postId)).toBe(3);
    const audit = await auditActions(input.postId);
    expect(audit.find((entry) => entry.action === 'publish_now')?.detail).toEqual({ releasedHolds: ['crisis'] });
  });

  it('ignores hold signals it cannot act on', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture, { publishInMs: DAY_MS });
    await approveOpenStages(handle, team);
    for (const signal of [
      { source: 'brand', held: true, by: team.manager.userId },
      { source: 'passed_publish_time', held: true, by: team.manager.userId },
      { source: 'crisis', held: 'yes', by: team.manager.userId },
      { source: 'campaign', held: false, by: team.manager.userId },
      null,
    ]) {
      await handle.signal(holdPublishing, signal as unknown as HoldPublishingSignal);
    }
    expect(await stateOf(handle)).toMatchObject({ stage: 'scheduled', holds: [], paused: false });
    await harness.env.sleep(DAY_MS + HOUR_MS / 2);
    expect((await stateWhen(handle, (state) => state.stage === 'published')).holds).toEqual([]);
    expect(await publicationsOf(harness, input.postId)).toBe(3);
  });
});
