import { postEntity } from '../../db/audit';
import type { PostState } from '../../workflows/messages';
import {
  approveOpenStages,
  brandWithTeam,
  DAY_MS,
  decide,
  historyEventTypes,
  HOUR_MS,
  recordHistoryIfAsked,
  startPost,
  startPostHarness,
  stateOf,
  type PostHarness,
} from './postHarness';

let harness: PostHarness;
beforeAll(async () => {
  harness = await startPostHarness();
});
afterAll(async () => {
  await harness?.teardown();
});

/**
 * A standard post's history budget. Each review update costs its accepted and completed events,
 * the stage clock's timer cancelled and restarted, the stage search attribute and one marker for
 * the transition (its notifications ride along); each variant's publication an activity's three
 * events; each snapshot round a timer and one marker for all variants; the patches (the
 * publication key's time among them) a marker and a search attribute each. None of that depends
 * on timing. How many workflow tasks carry it does: publication results arriving in separate
 * tasks is the worst case.
 */
const STANDARD_POST_EVENT_BUDGET = { withoutWorkflowTasks: 63, workflowTasks: 13 };
const WORKFLOW_TASK_EVENTS = new Set([
  'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
  'EVENT_TYPE_WORKFLOW_TASK_STARTED',
  'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
]);

describe('a standard post', () => {
  it('goes from idea through four reviews to published on three platforms and measured at 1h, 24h and 7d', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle, input } = await startPost(harness, fixture, { publishInMs: 2 * DAY_MS });

    const opened = await stateOf(handle);
    expect(opened.plan.stages.map((spec) => spec.stage)).toEqual([
      'ideation',
      'drafting',
      'design',
      'copy_edit',
      'final_approval',
    ]);
    expect(opened).toMatchObject({ stage: 'ideation', openStages: ['ideation'], revision: 1, qualityIssues: [] });

    const { team } = fixture;
    expect(await decide(handle, team.manager, { stage: 'ideation', decision: 'approve' })).toEqual({
      stage: 'design',
      revision: 1,
    });
    expect(await decide(handle, team.designer, { stage: 'design', decision: 'approve' })).toEqual({
      stage: 'copy_edit',
      revision: 1,
    });
    await decide(handle, team.copy_editor, { stage: 'copy_edit', decision: 'approve', comment: 'reads well' });
    expect(await decide(handle, team.final_approver, { stage: 'final_approval', decision: 'approve' })).toEqual({
      stage: 'scheduled',
      revision: 1,
    });

    const final = (await handle.result()) as PostState;
    expect(final.stage).toBe('completed');
    expect(final.decisions.map((decision) => [decision.stage, decision.decision, decision.by])).toEqual([
      ['ideation', 'approve', team.manager.userId],
      ['design', 'approve', team.designer.userId],
      ['copy_edit', 'approve', team.copy_editor.userId],
      ['final_approval', 'approve', team.final_approver.userId],
    ]);
    expect(final.variants).toHaveLength(3);
    for (const variant of final.variants) expect(variant).toMatchObject({ status: 'published', attempts: 1 });

    const publications = await harness.db('sandbox_publications').where({ post_id: input.postId });
    expect(publications).toHaveLength(3);
    expect(publications.map((row: { idempotency_key: string }) => row.idempotency_key).sort()).toEqual(
      fixture.accounts.map((account) => `${input.postId}:1:${account.id}`).sort(),
    );

    const snapshots = await harness
      .db('metric_snapshots')
      .where({ post_id: input.postId })
      .orderBy(['account_id', 'offset_ms']);
    expect(snapshots).toHaveLength(9);
    for (const account of fixture.accounts) {
      const offsets = snapshots
        .filter((row: { account_id: string }) => row.account_id === account.id)
        .map((row: { offset_ms: number }) => row.offset_ms);
      expect(offsets).toEqual([HOUR_MS, DAY_MS, 7 * DAY_MS]);
    }
    expect(final.snapshots).toHaveLength(9);

    const post = await harness.db('posts').where({ id: input.postId }).first();
    expect(post).toMatchObject({ stage: 'completed', revision: 1 });
    const audit = await harness
      .db('audit_log')
      .where({ entity: postEntity(input.postId) })
      .orderBy('sequence');
    expect(audit.map((row: { sequence: number }) => row.sequence)).toEqual(
      audit.map((_row: unknown, index: number) => index + 1),
    );
    expect(audit[0]).toMatchObject({
      action: 'created',
      actor_id: team.author.userId,
      from_stage: null,
      to_stage: 'ideation',
    });
    expect(audit.map((row: { action: string }) => row.action)).toEqual([
      'created',
      'approved',
      'approved',
      'approved',
      'approved',
      'publish_time_reached',
      'published',
      'tracking_started',
      'completed',
    ]);
    expect(audit.at(-1)).toMatchObject({ from_stage: 'tracking', to_stage: 'completed' });
    // Publishing began at the publish time, not before.
    const publishing = audit.find((row: { action: string }) => row.action === 'publish_time_reached');
    expect(new Date(publishing.at).getTime()).toBeGreaterThanOrEqual(Date.parse(input.publishAt));

    const reviews = await harness.db('reviews').where({ post_id: input.postId });
    expect(reviews).toHaveLength(4);
    const notifications = await harness.db('notifications').where({ post_id: input.postId });
    expect(notifications.map((row: { kind: string }) => row.kind).sort()).toEqual(
      ['review_due', 'review_due', 'review_due', 'review_due', 'published', 'performance_summary'].sort(),
    );

    const description = await handle.describe();
    expect(description.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value])).toEqual(
      expect.arrayContaining([
        ['PostStage', 'completed'],
        ['Brand', fixture.brand.id],
        ['RiskTier', 'standard'],
      ]),
    );

    const events = await historyEventTypes(handle);
    const workflowTaskEvents = events.filter((type) => WORKFLOW_TASK_EVENTS.has(type));
    expect(events.length - workflowTaskEvents.length).toBeLessThanOrEqual(
      STANDARD_POST_EVENT_BUDGET.withoutWorkflowTasks,
    );
    expect(workflowTaskEvents.length / 3).toBeLessThanOrEqual(STANDARD_POST_EVENT_BUDGET.workflowTasks);
    await recordHistoryIfAsked(handle, 'standard-post');
  });

  it('is found by its search attributes while it waits for review', async () => {
    const fixture = await brandWithTeam(harness);
    const { handle } = await startPost(harness, fixture);
    await decide(handle, fixture.team.manager, { stage: 'ideation', decision: 'approve' });
    const found: string[] = [];
    for await (const execution of harness.env.client.workflow.list({
      query: `PostStage = 'design' AND Brand = '${fixture.brand.id}'`,
    })) {
      found.push(execution.workflowId);
    }
    expect(found).toEqual([handle.workflowId]);
    await approveOpenStages(handle, fixture.team);
    expect((await stateOf(handle)).stage).toBe('scheduled');
  });
});
