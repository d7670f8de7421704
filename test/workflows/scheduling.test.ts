import { brandPause, cancel, publishNow, reschedule, type PostState } from '../../workflows/messages';
import {
  approveOpenStages,
  brandWithTeam,
  DAY_MS,
  decide,
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

describe('a scheduled post', () => {
  it('follows a reschedule and can be cancelled before it publishes', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture, { publishInMs: 2 * DAY_MS });
    expect((await approveOpenStages(handle, team)).stage).toBe('scheduled');

    const yesterday = new Date((await serverNow(harness)) - DAY_MS).toISOString();
    const past = await refusal(handle.executeUpdate(reschedule, { args: [{ by: team.author, publishAt: yesterday }] }));
    expect(past).toEqual({ type: 'InvalidInput', message: `publish time ${yesterday} is in the past` });
    expect(
      await refusal(handle.executeUpdate(reschedule, { args: [{ by: team.designer, publishAt: input.publishAt }] })),
    ).toEqual({ type: 'Forbidden', message: 'a post is rescheduled only by its author or manager or admin' });

    const later = new Date(Date.parse(input.publishAt) + 3 * DAY_MS).toISOString();
    expect(
      await handle.executeUpdate(reschedule, {
        args: [{ by: team.author, publishAt: later, timeZone: 'America/New_York' }],
      }),
    ).toEqual({ publishAt: later });
    expect(await stateOf(handle)).toMatchObject({ stage: 'scheduled', publishAt: later, timeZone: 'America/New_York' });

    // Past the original publish time, nothing goes out.
    await harness.env.sleep(3 * DAY_MS);
    expect((await stateOf(handle)).stage).toBe('scheduled');
    expect(await publicationsOf(harness, input.postId)).toBe(0);

    expect(await handle.executeUpdate(cancel, { args: [{ by: team.manager, reason: 'campaign pulled' }] })).toEqual({
      stage: 'cancelled',
    });
    const final = (await handle.result()) as PostState;
    expect(final).toMatchObject({
      stage: 'cancelled',
      exitReason: `cancelled by ${team.manager.userId}: campaign pulled`,
    });
    expect(await publicationsOf(harness, input.postId)).toBe(0);
    const audit = await harness
      .db('audit_log')
      .where({ entity: `post:${input.postId}` })
      .orderBy('sequence');
    expect(audit.map((row: { action: string }) => row.action).slice(-2)).toEqual(['rescheduled', 'cancelled']);
    expect(audit.at(-1)).toMatchObject({
      actor_id: team.manager.userId,
      from_stage: 'scheduled',
      to_stage: 'cancelled',
    });
    await recordHistoryIfAsked(handle, 'reschedule-cancel');
  });

  it('can be cancelled while still in review', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture);
    await decide(handle, fixture.team.manager, { stage: 'ideation', decision: 'approve' });
    expect(await handle.executeUpdate(cancel, { args: [{ by: fixture.team.author, reason: 'duplicate' }] })).toEqual({
      stage: 'cancelled',
    });
    expect(((await handle.result()) as PostState).stage).toBe('cancelled');
  });

  it('waits at its publish time while the brand is paused and publishes once resumed', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture, { publishInMs: DAY_MS });
    await approveOpenStages(handle, team);

    await handle.signal(brandPause, { paused: true, by: team.manager.userId, reason: 'crisis review' });
    await harness.env.sleep(2 * DAY_MS);
    const paused = await stateOf(handle);
    expect(paused).toMatchObject({ stage: 'scheduled', paused: true });
    expect(await publicationsOf(harness, input.postId)).toBe(0);
    expect(await refusal(handle.executeUpdate(publishNow, { args: [{ by: team.manager }] }))).toEqual({
      type: 'InvalidTransition',
      message: 'publishing is paused for the brand',
    });

    await handle.signal(brandPause, { paused: false, by: team.manager.userId });
    const resumed = await stateWhen(handle, (state) => state.stage === 'published');
    expect(resumed).toMatchObject({ stage: 'published', paused: false });
    expect(await publicationsOf(harness, input.postId)).toBe(3);
    const audit = await harness
      .db('audit_log')
      .where({ entity: `post:${input.postId}` })
      .orderBy('sequence');
    expect(audit.map((row: { action: string }) => row.action).slice(-4)).toEqual([
      'brand_paused',
      'brand_resumed',
      'publish_time_reached',
      'published',
    ]);
    await recordHistoryIfAsked(handle, 'brand-pause');
  });

  it('publishes at once when a manager says publish now, and only a scheduled post', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture);
    expect(await refusal(handle.executeUpdate(publishNow, { args: [{ by: team.manager }] }))).toEqual({
      type: 'InvalidTransition',
      message: 'post is in ideation; only a scheduled post can be published now',
    });
    await approveOpenStages(handle, team);
    expect(await refusal(handle.executeUpdate(publishNow, { args: [{ by: team.author }] }))).toEqual({
      type: 'Forbidden',
      message: 'a post is published now only by manager or admin',
    });

    const answer = await handle.executeUpdate(publishNow, { args: [{ by: team.manager }] });
    expect(answer.stage).toBe('publishing');
    const published = await stateWhen(handle, (state) => state.stage === 'published');
    expect(published.stage).toBe('published');
    expect(await publicationsOf(harness, input.postId)).toBe(3);
    expect(await refusal(handle.executeUpdate(cancel, { args: [{ by: team.manager, reason: 'too late' }] }))).toEqual({
      type: 'InvalidTransition',
      message: 'post is in published; a published post cannot be cancelled',
    });
  });
});
