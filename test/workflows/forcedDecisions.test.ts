import type { WorkflowHandle } from '@temporalio/client';
import { createNotificationStore } from '../../db/notifications';
import type { PostState } from '../../workflows/messages';
import {
  brandWithTeam,
  decide,
  HOUR_MS,
  recordHistoryIfAsked,
  refusal,
  startPost,
  startPostHarness,
  stateOf,
  stateWhen,
  type PostHarness,
  type Team,
} from './postHarness';

let harness: PostHarness;
beforeAll(async () => {
  harness = await startPostHarness();
});
afterAll(async () => {
  await harness?.teardown();
});

async function notificationKinds(postId: string): Promise<string[]> {
  return (await createNotificationStore(harness.db).listByPost({ postId })).map((notification) => notification.kind);
}

/** Approves every stage before `stage` with the stage's own reviewer. */
async function approveUntil(handle: WorkflowHandle, team: Team, stage: string): Promise<PostState> {
  for (;;) {
    const state = await stateOf(handle);
    if (state.stage === stage) return state;
    const spec = state.plan.stages.find((candidate) => candidate.stage === state.stage)!;
    await decide(handle, team[spec.role], { stage: state.stage, decision: 'approve' });
  }
}

describe('when a review stage runs out of time', () => {
  it('reminds, escalates and then approves a low-risk post automatically', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle, input } = await startPost(harness, fixture, { riskTier: 'low' });
    const opened = await stateOf(handle);
    expect(opened.plan.stages.map((spec) => [spec.stage, spec.onTimeout])).toEqual([
      ['drafting', 'hold'],
      ['copy_edit', 'auto_approve'],
      ['final_approval', 'auto_approve'],
    ]);
    expect(opened.stage).toBe('copy_edit');

    // Copy edit: reminded at 2h, escalated at 4h, forced at 6h; final approval the same after it.
    await harness.env.sleep(3 * HOUR_MS);
    expect(await notificationKinds(input.postId)).toEqual(['review_due', 'review_reminder']);
    await harness.env.sleep(2 * HOUR_MS);
    const escalated = await stateWhen(handle, (state) => state.deadlines[0]?.escalated === true);
    expect(escalated.deadlines[0]).toMatchObject({
      stage: 'copy_edit',
      escalated: true,
      decidingRoles: ['copy_editor', 'manager'],
    });

    await harness.env.sleep(8 * HOUR_MS);
    const scheduled = await stateWhen(handle, (state) => state.stage === 'scheduled');
    expect(scheduled.stage).toBe('scheduled');
    expect(scheduled.decisions.map((decision) => [decision.stage, decision.decision, decision.by])).toEqual([
      ['copy_edit', 'forced_approve', 'system'],
      ['final_approval', 'forced_approve', 'system'],
    ]);
    expect(await notificationKinds(input.postId)).toEqual([
      'review_due',
      'review_reminder',
      'review_escalated',
      'review_forced',
      'review_due',
      'review_reminder',
      'review_escalated',
      'review_forced',
    ]);
    await recordHistoryIfAsked(handle, 'forced-auto-approve');
  });

  it('rejects a high-risk post whose legal review runs out of time', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture, { riskTier: 'high' });
    const atLegal = await approveUntil(handle, fixture.team, 'legal_review');
    expect(atLegal.deadlines[0]).toMatchObject({ stage: 'legal_review', onTimeout: 'reject' });

    const final = (await handle.result()) as PostState;
    expect(final.stage).toBe('rejected');
    expect(final.exitReason).toBe('legal_review ran out of time and the policy rejects the post');
    expect(final.decisions.at(-1)).toMatchObject({ stage: 'legal_review', decision: 'forced_reject', by: 'system' });
    const forcedAt = Date.parse(final.decisions.at(-1)!.at);
    // One and a half times legal's 48-hour turnaround (timers fire after, never before, their time).
    expect(forcedAt - Date.parse(atLegal.deadlines[0].openedAt)).toBeGreaterThanOrEqual(72 * HOUR_MS);
    expect(forcedAt - Date.parse(atLegal.deadlines[0].openedAt)).toBeLessThan(73 * HOUR_MS);
  });

  it('holds a standard post at final approval until the escalated backup decides', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture);
    const { team } = fixture;
    await approveUntil(handle, team, 'final_approval');

    expect(await refusal(decide(handle, team.admin, { stage: 'final_approval', decision: 'approve' }))).toEqual({
      type: 'Forbidden',
      message: 'final_approval is decided by final_approver; admin may step in only once the stage is escalated',
    });

    // Forced at 12h: the policy holds, so nothing moves however long it waits.
    await harness.env.sleep(13 * HOUR_MS);
    const held = await stateWhen(handle, (state) => state.decisions.at(-1)?.decision === 'forced_hold');
    expect(held).toMatchObject({ stage: 'final_approval', openStages: ['final_approval'] });
    expect(held.decisions.at(-1)).toMatchObject({ stage: 'final_approval', decision: 'forced_hold', by: 'system' });
    await harness.env.sleep(5 * 24 * HOUR_MS);
    expect((await stateOf(handle)).stage).toBe('final_approval');

    expect(await decide(handle, team.admin, { stage: 'final_approval', decision: 'approve' })).toEqual({
      stage: 'scheduled',
      revision: 1,
    });
    await recordHistoryIfAsked(handle, 'forced-hold');
  });
});
