import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import type { PostActivities, RecordTransitionInput } from '../../activities/contract';
import { ErrorType } from '../../activities/contract';
import { createAuditLog, postEntity } from '../../db/audit';
import { createPostStore } from '../../db/posts';
import { brandPause, cancel, reschedule, type PostState } from '../../workflows/messages';
import { uniqueId } from '../helpers/db';
import {
  brandWithTeam,
  DAY_MS,
  decide,
  historyEventTypes,
  recordHistoryIfAsked,
  refusal,
  startPost,
  startPostHarness,
  stateOf,
  stateWhen,
  type PostHarness,
  type Team,
} from './postHarness';

/** Posts whose ids start with one of these get that transition written with a publish time Postgres refuses. */
const UNWRITABLE: Record<string, string> = {
  'unwritable-reschedule': 'rescheduled',
  'unwritable-approval': 'approved',
};

function unwritable(postId: string, action: string): boolean {
  return Object.entries(UNWRITABLE).some(([prefix, refused]) => postId.startsWith(prefix) && action === refused);
}

interface RecordAttempt {
  sequence: number;
  action: string;
  refused?: { type?: string; nonRetryable: boolean };
}

const attempts = new Map<string, RecordAttempt[]>();

function attemptsOf(postId: string): RecordAttempt[] {
  return attempts.get(postId) ?? [];
}

/** The real activities, with every attempt at recording a transition noted per post. */
function watched<Activities extends PostActivities>(activities: Activities): Activities {
  return {
    ...activities,
    async recordTransition(input: RecordTransitionInput) {
      const { postId } = input.state;
      const noted = attempts.get(postId) ?? [];
      attempts.set(postId, noted);
      const attempt: RecordAttempt = { sequence: input.sequence, action: input.action };
      noted.push(attempt);
      const sent = unwritable(postId, input.action)
        ? { ...input, state: { ...input.state, publishAt: 'next tuesday-ish' } }
        : input;
      try {
        return await activities.recordTransition(sent);
      } catch (error) {
        const failure = error instanceof ActivityFailure ? error.cause : error;
        attempt.refused = {
          type: failure instanceof ApplicationFailure ? (failure.type ?? undefined) : undefined,
          nonRetryable: failure instanceof ApplicationFailure && failure.nonRetryable === true,
        };
        throw error;
      }
    },
  };
}

let harness: PostHarness;
beforeAll(async () => {
  harness = await startPostHarness({ wrapActivities: watched });
});
afterAll(async () => {
  await harness?.teardown();
});

/** The first review stage that is open, with the team member who decides it. */
async function openReview(handle: Parameters<typeof stateOf>[0], team: Team) {
  const state = await stateOf(handle);
  const stage = state.openStages.find((open) => open !== 'drafting')!;
  const spec = state.plan.stages.find((candidate) => candidate.stage === stage)!;
  return { stage, reviewer: team[spec.role], state };
}

const updateEvents = (events: string[]): string[] => events.filter((event) => event.includes('UPDATE'));

describe('values a client sends straight to the workflow', () => {
  it.each([
    ['a NUL', 'looks good\u0000', 'comment contains the control character U+0000 at position 10'],
    [
      'a lone surrogate',
      'looks good \ud83d',
      'comment contains an unpaired UTF-16 surrogate at position 11 (not valid Unicode text)',
    ],
  ])(
    'refuses a review comment with %s, leaving no trace, and takes valid decisions afterwards',
    async (_, comment, why) => {
      const fixture = await brandWithTeam(harness);
      const { handle } = await startPost(harness, fixture);
      const { stage, reviewer, state } = await openReview(handle, fixture.team);
      const before = updateEvents(await historyEventTypes(handle));

      expect(await refusal(decide(handle, reviewer, { stage, decision: 'approve', comment }))).toEqual({
        type: 'InvalidInput',
        message: why,
      });
      expect(updateEvents(await historyEventTypes(handle))).toEqual(before);

      const answer = await decide(handle, reviewer, { stage, decision: 'approve', comment: 'looks good 👍' });
      expect(answer.stage).not.toBe(stage);
      const after = await stateOf(handle);
      expect(after.decisions).toEqual([
        expect.objectContaining({ stage, decision: 'approve', comment: 'looks good 👍', revision: state.revision }),
      ]);
    },
  );

  it('counts comments in graphemes inside the workflow, with the limit the API uses', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture);
    const { stage, reviewer } = await openReview(handle, fixture.team);
    const family = '👨‍👩‍👧‍👦';

    expect(
      await refusal(decide(handle, reviewer, { stage, decision: 'approve', comment: family.repeat(5001) })),
    ).toEqual({ type: 'InvalidInput', message: 'comment must be at most 5000 characters' });
    // 55,000 UTF-16 code units, but 5,000 characters as a reader counts them.
    await decide(handle, reviewer, { stage, decision: 'approve', comment: family.repeat(5000) });
    expect((await stateOf(handle)).decisions[0].comment).toBe(family.repeat(5000));
  });

  it('refuses a cancel reason with NUL, a lone surrogate or beyond the shared limit, then cancels with a valid one', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture);

    const cancelWith = (reason: string) => handle.executeUpdate(cancel, { args: [{ by: team.manager, reason }] });
    expect(await refusal(cancelWith('pulled\u0000'))).toEqual({
      type: 'InvalidInput',
      message: 'reason contains the control character U+0000 at position 6',
    });
    expect(await refusal(cancelWith('\udc00 pulled'))).toEqual({
      type: 'InvalidInput',
      message: 'reason contains an unpaired UTF-16 surrogate at position 0 (not valid Unicode text)',
    });
    expect(await refusal(cancelWith('x'.repeat(2001)))).toEqual({
      type: 'InvalidInput',
      message: 'reason must be at most 2000 characters',
    });
    expect(await refusal(cancelWith(' \u200b '))).toEqual({
      type: 'InvalidInput',
      message: 'reason must contain visible text',
    });

    // Longer than the workflow's own limit used to be, as long as the API allows.
    const reason = `campaign pulled: ${'x'.repeat(1500)}`;
    expect(await cancelWith(reason)).toEqual({ stage: 'cancelled' });
    const final = (await handle.result()) as PostState;
    expect(final).toMatchObject({ stage: 'cancelled', exitReason: `cancelled by ${team.manager.userId}: ${reason}` });
    expect(await createPostStore(harness.db).findById(input.postId)).toMatchObject({ stage: 'cancelled' });
  });

  it('records a brand pause whose reason Postgres could not store with the reason made storable', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture);
    const { stage, reviewer } = await openReview(handle, team);

    await handle.signal(brandPause, { paused: true, by: team.manager.userId, reason: 'legal\u0000hold \ud83d' });
    await stateWhen(handle, (state) => state.paused);
    await handle.signal(brandPause, { paused: false, by: team.manager.userId });
    await stateWhen(handle, (state) => !state.paused);

    const entries = await createAuditLog(harness.db).listByEntity({ entity: postEntity(input.postId) });
    expect(entries.filter((entry) => entry.action.startsWith('brand_'))).toEqual([
      expect.objectContaining({ action: 'brand_paused', detail: { reason: 'legal\ufffdhold \ufffd' } }),
      expect.objectContaining({ action: 'brand_resumed' }),
    ]);
    const answer = await decide(handle, reviewer, { stage, decision: 'approve' });
    expect(answer.stage).not.toBe(stage);
  });
});

describe('a transition that can never be recorded', () => {
  it('fails the post once, with the reason in its state, audit log and projection', async () => {
    const fixture = await brandWithTeam(harness);
    // Started without the API, whose schema would have refused the title.
    const { handle, input } = await startPost(harness, fixture, { title: 'Autumn\u0000blend' });

    const final = (await handle.result()) as PostState;
    const reason = `could not record transition 1 (created) of post ${input.postId}: state.title contains the control character U+0000 at position 6`;
    expect(final).toMatchObject({ stage: 'failed', exitReason: reason, title: 'Autumn\ufffdblend', openStages: [] });
    expect(await stateOf(handle)).toMatchObject({ stage: 'failed', exitReason: reason });

    expect(attemptsOf(input.postId)).toEqual([
      { sequence: 1, action: 'created', refused: { type: ErrorType.UnstorableValue, nonRetryable: true } },
      { sequence: 2, action: 'recording_failed' },
    ]);
    const entries = await createAuditLog(harness.db).listByEntity({ entity: postEntity(input.postId) });
    expect(entries).toEqual([
      expect.objectContaining({
        sequence: 2,
        action: 'recording_failed',
        toStage: 'failed',
        detail: {
          refusedSequence: 1,
          refusedAction: 'created',
          reason: expect.stringContaining('state.title contains the control character U+0000'),
        },
      }),
    ]);
    const projected = await createPostStore(harness.db).findById(input.postId);
    expect(projected).toMatchObject({ stage: 'failed', title: 'Autumn\ufffdblend' });
    expect(projected?.state.exitReason).toBe(reason);
    await recordHistoryIfAsked(handle, 'unrecordable-title');
  });

  it('answers the update whose transition Postgres refuses with the reason, and fails the post', async () => {
    const fixture = await brandWithTeam(harness);
    const { team } = fixture;
    const { handle, input } = await startPost(harness, fixture, { postId: uniqueId('unwritable-reschedule') });
    const { stage } = await openReview(handle, team);
    const later = new Date(Date.parse(input.publishAt) + DAY_MS).toISOString();

    const refused = await refusal(handle.executeUpdate(reschedule, { args: [{ by: team.manager, publishAt: later }] }));
    expect(refused.type).toBe('InvalidTransition');
    expect(refused.message).toMatch(/^post failed: could not record transition \d+ \(rescheduled\)/);
    expect(refused.message).toContain('SQLSTATE 22007');

    const final = (await handle.result()) as PostState;
    expect(final.stage).toBe('failed');
    expect(final.exitReason).toContain('Postgres refused the data (SQLSTATE 22007)');
    const rescheduled = attemptsOf(input.postId).filter((attempt) => attempt.action === 'rescheduled');
    expect(rescheduled).toEqual([
      expect.objectContaining({ refused: { type: ErrorType.UnstorableValue, nonRetryable: true } }),
    ]);
    const entries = await createAuditLog(harness.db).listByEntity({ entity: postEntity(input.postId) });
    expect(entries.at(-1)).toMatchObject({
      action: 'recording_failed',
      fromStage: stage,
      toStage: 'failed',
      detail: { refusedAction: 'rescheduled' },
    });
    expect(await createPostStore(harness.db).findById(input.postId)).toMatchObject({ stage: 'failed' });
    await recordHistoryIfAsked(handle, 'unrecordable-reschedule');
  });

  it('answers the decision whose transition cannot be recorded with the reason, and fails the post', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle, input } = await startPost(harness, fixture, { postId: uniqueId('unwritable-approval') });
    const { stage, reviewer } = await openReview(handle, fixture.team);

    const refused = await refusal(decide(handle, reviewer, { stage, decision: 'approve' }));
    expect(refused).toEqual({
      type: 'InvalidTransition',
      message: expect.stringMatching(/^post failed: could not record transition \d+ \(approved\) .*SQLSTATE 22007/),
    });
    const final = (await handle.result()) as PostState;
    expect(final).toMatchObject({ stage: 'failed', openStages: [], deadlines: [] });
    expect(final.decisions).toEqual([expect.objectContaining({ stage, decision: 'approve' })]);
    expect(attemptsOf(input.postId).filter((attempt) => attempt.refused)).toEqual([
      expect.objectContaining({ action: 'approved', refused: { type: ErrorType.UnstorableValue, nonRetryable: true } }),
    ]);
    expect(await createPostStore(harness.db).findById(input.postId)).toMatchObject({ stage: 'failed' });
    await recordHistoryIfAsked(handle, 'unrecordable-decision');
  });
});
