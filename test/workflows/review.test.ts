import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Role } from '../../domain/types';
import { POST_WORKFLOW_TYPE, review, submitRevision, type PostState } from '../../workflows/messages';
import { postWorkflowId } from '../../domain/ids';
import {
  brandWithTeam,
  DAY_MS,
  decide,
  draftFor,
  historyEventTypes,
  historyOnceWaiting,
  postInput,
  recordHistoryIfAsked,
  refusal,
  serverNow,
  startPost,
  startPostHarness,
  stateOf,
  stateWhen,
  type PostFixture,
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

describe('review stages', () => {
  it('fast-tracks urgent content without skipping legal review or final approval, side by side', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture, { urgent: true, flags: ['pricing'] });

    const opened = await stateOf(handle);
    expect(opened.plan.fastTrack).toBe(true);
    expect(opened.plan.stages.map((spec) => spec.stage)).toEqual(['drafting', 'legal_review', 'final_approval']);
    expect(opened.openStages).toEqual(['legal_review', 'final_approval']);
    const legalClock = opened.deadlines.find((deadline) => deadline.stage === 'legal_review')!;
    // A quarter of legal's usual 48 hours.
    expect(Date.parse(legalClock.escalateAt) - Date.parse(legalClock.openedAt)).toBe(12 * 60 * 60 * 1000);

    const { team } = fixture;
    expect(await decide(handle, team.final_approver, { stage: 'final_approval', decision: 'approve' })).toEqual({
      stage: 'legal_review',
      revision: 1,
    });
    expect((await stateOf(handle)).openStages).toEqual(['legal_review']);
    expect(await decide(handle, team.legal, { stage: 'legal_review', decision: 'approve' })).toEqual({
      stage: 'scheduled',
      revision: 1,
    });
    await recordHistoryIfAsked(handle, 'fast-track');
  });

  it('sends the post back to drafting on request changes, and approvals of the old revision stop counting', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle, input } = await startPost(harness, fixture);
    const { team } = fixture;
    await decide(handle, team.manager, { stage: 'ideation', decision: 'approve' });
    await decide(handle, team.designer, { stage: 'design', decision: 'approve' });
    expect(
      await decide(handle, team.copy_editor, {
        stage: 'copy_edit',
        decision: 'request_changes',
        comment: 'shorter, please',
      }),
    ).toEqual({ stage: 'drafting', revision: 1 });

    expect(await refusal(decide(handle, team.copy_editor, { stage: 'copy_edit', decision: 'approve' }))).toEqual({
      type: 'InvalidTransition',
      message: 'post is in drafting, not copy_edit',
    });

    const revised = { variants: draftFor(fixture, 'Autumn blend: back this week').variants, note: 'shorter' };
    expect(await handle.executeUpdate(submitRevision, { args: [{ by: team.author, content: revised }] })).toEqual({
      revision: 2,
    });

    // The idea was approved and stays approved; design judged revision 1 and must look again.
    const reopened = await stateOf(handle);
    expect(reopened).toMatchObject({ stage: 'design', revision: 2, content: revised });
    const variantRows = await harness.db('post_variants').where({ post_id: input.postId });
    expect(variantRows.map((row: { revision: number; status: string }) => [row.revision, row.status])).toEqual(
      revised.variants.map(() => [2, 'pending']),
    );
    expect(await refusal(decide(handle, team.designer, { stage: 'design', decision: 'approve', revision: 1 }))).toEqual(
      {
        type: 'StaleRevision',
        message: 'the decision is for revision 1, but the post is at revision 2',
      },
    );
    await decide(handle, team.designer, { stage: 'design', decision: 'approve' });
    await decide(handle, team.copy_editor, { stage: 'copy_edit', decision: 'approve' });
    const approved = await decide(handle, team.final_approver, { stage: 'final_approval', decision: 'approve' });
    expect(approved).toEqual({ stage: 'scheduled', revision: 2 });

    const { decisions } = await stateOf(handle);
    expect(decisions.map((decision) => [decision.stage, decision.revision, decision.decision])).toEqual([
      ['ideation', 1, 'approve'],
      ['design', 1, 'approve'],
      ['copy_edit', 1, 'request_changes'],
      ['design', 2, 'approve'],
      ['copy_edit', 2, 'approve'],
      ['final_approval', 2, 'approve'],
    ]);
    await recordHistoryIfAsked(handle, 'request-changes');
  });

  it('refuses an approval by the post’s author, by the wrong role or at the wrong stage, leaving no trace in history', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture);
    const { team } = fixture;
    const eventsBefore = (await historyOnceWaiting(handle)).length;

    const authorAsManager = { userId: team.author.userId, roles: [...team.author.roles, 'manager' as const] };
    const own = await refusal(decide(handle, authorAsManager, { stage: 'ideation', decision: 'approve' }));
    expect(own.type).toBe('Forbidden');
    expect(own.message).toContain('wrote this post');

    expect(await refusal(decide(handle, team.designer, { stage: 'ideation', decision: 'approve' }))).toMatchObject({
      type: 'Forbidden',
      message: 'ideation is decided by manager',
    });
    expect(await refusal(decide(handle, team.designer, { stage: 'design', decision: 'approve' }))).toEqual({
      type: 'InvalidTransition',
      message: 'post is in ideation, not design',
    });
    expect(await refusal(decide(handle, team.legal, { stage: 'legal_review', decision: 'approve' }))).toEqual({
      type: 'InvalidTransition',
      message: "this post's review has no legal_review stage",
    });
    expect(
      await refusal(decide(handle, team.manager, { stage: 'ideation', decision: 'maybe' as unknown as 'approve' })),
    ).toMatchObject({ type: 'InvalidInput' });

    expect((await historyEventTypes(handle)).length).toBe(eventsBefore);
    const state = await stateOf(handle);
    expect(state).toMatchObject({ stage: 'ideation', decisions: [] });
  });

  it('records a revision that fails the quality checks with its issues and keeps the post in drafting', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture, { riskTier: 'low', draft: undefined });
    const { team } = fixture;
    expect((await stateOf(handle)).stage).toBe('drafting');

    const tooLongForX = draftFor(fixture, 'Autumn blend '.repeat(40));
    const failure = await refusal(
      handle.executeUpdate(submitRevision, { args: [{ by: team.author, content: tooLongForX }] }),
    );
    expect(failure.type).toBe('QualityCheckFailed');
    expect(failure.message).toMatch(/^revision 1 was recorded but does not pass the quality checks: x: /);

    const blocked = await stateOf(handle);
    expect(blocked).toMatchObject({ stage: 'drafting', revision: 1, content: tooLongForX });
    expect(blocked.qualityIssues.map((issue) => issue.platform)).toContain('x');

    expect(
      await handle.executeUpdate(submitRevision, { args: [{ by: team.author, content: draftFor(fixture) }] }),
    ).toEqual({
      revision: 2,
    });
    expect(await stateOf(handle)).toMatchObject({ stage: 'copy_edit', revision: 2, qualityIssues: [] });

    const audit = await harness
      .db('audit_log')
      .where({ entity: `post:${blocked.postId}` })
      .orderBy('sequence');
    expect(audit.map((row: { action: string }) => row.action)).toEqual([
      'created',
      'revision_blocked',
      'revision_submitted',
    ]);
  });

  it('ends the post when a reviewer rejects it', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture);
    await decide(handle, fixture.team.manager, { stage: 'ideation', decision: 'reject', comment: 'off brand' });
    const final = (await handle.result()) as PostState;
    expect(final).toMatchObject({
      stage: 'rejected',
      openStages: [],
      exitReason: `rejected at ideation by ${fixture.team.manager.userId}: off brand`,
    });
    const post = await harness.db('posts').where({ id: final.postId }).first();
    expect(post.stage).toBe('rejected');
  });

  /** Starts a post together with a decision, so the decision reaches the workflow in its very first task. */
  async function startWithDecision(
    fixture: PostFixture,
    by: Team[Role],
    request: { stage: string; decision: 'approve' },
  ) {
    const input = postInput(fixture, {
      riskTier: 'low',
      publishAt: new Date((await serverNow(harness)) + 30 * DAY_MS).toISOString(),
    });
    const startWorkflowOperation = new WithStartWorkflowOperation(POST_WORKFLOW_TYPE, {
      workflowId: postWorkflowId(input.postId),
      taskQueue: harness.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
    });
    const answer = harness.env.client.workflow.executeUpdateWithStart(review, {
      args: [{ ...request, by, revision: 1 }],
      startWorkflowOperation,
    });
    return { answer, handle: await startWorkflowOperation.workflowHandle() };
  }

  it('holds a decision that arrives with the post’s first task until its stage opens, instead of refusing it', async () => {
    const fixture = await brandWithTeam(harness);
    // Low risk with a draft starts in copy edit once the draft has passed its checks.
    const { answer, handle } = await startWithDecision(fixture, fixture.team.copy_editor, {
      stage: 'copy_edit',
      decision: 'approve',
    });
    expect(await answer).toEqual({ stage: 'final_approval', revision: 1 });
    const state = await stateOf(handle);
    expect(state.decisions).toEqual([
      expect.objectContaining({ stage: 'copy_edit', decision: 'approve', by: fixture.team.copy_editor.userId }),
    ]);
  });

  it('still refuses such an early decision once the stage it names turns out not to be open', async () => {
    const fixture = await brandWithTeam(harness);
    const { answer, handle } = await startWithDecision(fixture, fixture.team.final_approver, {
      stage: 'final_approval',
      decision: 'approve',
    });
    expect(await refusal(answer)).toMatchObject({
      type: 'InvalidTransition',
      message: 'post is in copy_edit, not final_approval',
    });
    expect((await stateOf(handle)).decisions).toEqual([]);
  });

  it('shows the accounts a post is meant for as pending variants until its first revision names them', async () => {
    const fixture = await brandWithTeam(harness);
    const targets = fixture.accounts.map((account) => ({ accountId: account.id, platform: account.platform }));
    const { handle } = await startPost(harness, fixture, { draft: undefined, targets });
    const state = await stateOf(handle);
    expect(state.variants).toEqual(targets.map((target) => ({ ...target, status: 'pending', attempts: 0 })));
    const post = await harness.db('post_variants').where({ post_id: state.postId }).orderBy('account_id');
    expect(post.map((row: { account_id: string }) => row.account_id)).toEqual(targets.map((t) => t.accountId).sort());
  });
});

describe('who writes a revision', () => {
  it("keeps a colleague's hands off the draft, and lets the backup role step in once drafting is escalated", async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture, {
      riskTier: 'low',
      draft: undefined,
      targets: fixture.accounts.map((account) => ({ accountId: account.id, platform: account.platform })),
    });
    const { team } = fixture;
    const colleague = { userId: `${team.author.userId}-colleague`, roles: ['author' as Role] };
    const content = draftFor(fixture, 'Someone else wrote this');
    const drafting = await stateWhen(handle, (state) => state.openStages.includes('drafting'));
    const reason = 'a post is revised only by its author, or by manager once drafting has been escalated';

    expect(await refusal(handle.executeUpdate(submitRevision, { args: [{ by: colleague, content }] }))).toEqual({
      type: 'Forbidden',
      message: reason,
    });
    expect(await refusal(handle.executeUpdate(submitRevision, { args: [{ by: team.manager, content }] }))).toEqual({
      type: 'Forbidden',
      message: reason,
    });
    expect((await stateOf(handle)).revision).toBe(0);

    const clock = drafting.deadlines.find((deadline) => deadline.stage === 'drafting')!;
    await harness.env.sleep(Date.parse(clock.escalateAt) - (await serverNow(harness)) + 60_000);
    const escalated = await stateWhen(
      handle,
      (state) => state.deadlines.find((deadline) => deadline.stage === 'drafting')?.escalated === true,
    );
    expect(escalated.openStages).toEqual(['drafting']);

    expect(await refusal(handle.executeUpdate(submitRevision, { args: [{ by: colleague, content }] }))).toEqual({
      type: 'Forbidden',
      message: reason,
    });
    expect(await handle.executeUpdate(submitRevision, { args: [{ by: team.manager, content }] })).toEqual({
      revision: 1,
    });
    expect(await stateOf(handle)).toMatchObject({ revision: 1, content, stage: 'copy_edit' });
  });
});
