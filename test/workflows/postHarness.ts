/**
 * One offline Temporal server (time skipping), the real activities on the run's Postgres, and a
 * worker for the whole test file; plus the fixtures and calls the post workflow tests share.
 */
import type { Knex } from 'knex';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { createTestEnvironment } from '@socialops/temporal-devserver/testing';
import { createWorker } from '../../worker/createWorker';
import { createWorkerActivities } from '../../worker/workerActivities';
import type { WorkerActivities } from '../../activities';
import type { PostLifecycleInput, Platform, RevisionContent, Role, VariantContent } from '../../domain/types';
import { getPostState, review, POST_WORKFLOW_TYPE, type PostState, type ReviewRequest } from '../../workflows/messages';
import { postWorkflowId } from '../../domain/ids';
import { POST_SEARCH_ATTRIBUTES } from '../../workflows/post/searchAttributes';
import { THREAD_SEARCH_ATTRIBUTES } from '../../workflows/thread/searchAttributes';
import { createTestKnex, insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { writeHistoryFile } from '../replay/historyFiles';
import { testWorkflowBundlePath } from '../setup/workflowBundle';

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

/** Set to write the histories of selected runs to test/histories for the replay test. */
export const RECORD_HISTORIES_ENV = 'SOCIALOPS_RECORD_HISTORIES';

export interface PostHarness {
  env: TestWorkflowEnvironment;
  db: Knex;
  taskQueue: string;
  teardown(): Promise<void>;
}

/**
 * Expected failures (revoked accounts, rate limits) are logged by the worker as warnings; the
 * tests assert on them instead. Each test file has its own module registry and so its own runtime.
 */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed for this file: keep it.
  }
}

export interface PostHarnessOptions {
  /** The signed webhook the worker delivers notifications to; without it they are only recorded. */
  webhook?: { url: string; secret: string };
  /** Wraps the real activities, e.g. to watch what the workflow asks of them. */
  wrapActivities?: (activities: WorkerActivities) => WorkerActivities;
  /** Opens platform credentials: with it the worker hosts the Bluesky connector. */
  inboundSecretKey?: Buffer;
}

export async function startPostHarness(options: PostHarnessOptions = {}): Promise<PostHarness> {
  quietRuntime();
  const env = await createTestEnvironment({
    searchAttributes: { ...POST_SEARCH_ATTRIBUTES, ...THREAD_SEARCH_ATTRIBUTES },
  });
  const db = createTestKnex();
  const taskQueue = uniqueId('posts');
  let worker: Worker;
  try {
    const activities = createWorkerActivities({
      db,
      temporal: { connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue },
      notifyWebhookUrl: options.webhook?.url,
      notifyWebhookSecret: options.webhook?.secret,
      ...(options.inboundSecretKey ? { inboundSecretKey: options.inboundSecretKey } : {}),
    });
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      activities: options.wrapActivities ? options.wrapActivities(activities) : activities,
      workflows: { bundlePath: testWorkflowBundlePath() },
    });
  } catch (error) {
    await Promise.allSettled([env.teardown(), db.destroy()]);
    throw error;
  }
  const running = worker.run();
  return {
    env,
    db,
    taskQueue,
    async teardown() {
      worker.shutdown();
      await running;
      await env.teardown();
      await db.destroy();
    },
  };
}

export type Team = Record<Role, { userId: string; roles: Role[] }>;

export interface PostFixture extends BrandFixture {
  team: Team;
}

/** A brand with one account per platform and one person per role. */
export async function brandWithTeam(
  harness: PostHarness,
  platforms: Platform[] = ['x', 'linkedin', 'facebook'],
): Promise<PostFixture> {
  const fixture = await insertBrandFixture(harness.db, { platforms });
  const team = Object.fromEntries(
    Object.entries(fixture.users).map(([role, { user }]) => [role, { userId: user.id, roles: user.roles }]),
  ) as Team;
  return { ...fixture, team };
}

export function draftFor(fixture: BrandFixture, text = 'Autumn blend is back in our shops this week'): RevisionContent {
  return {
    variants: fixture.accounts.map((account): VariantContent => ({
      accountId: account.id,
      platform: account.platform,
      text,
      media: [],
    })),
  };
}

export function postInput(fixture: PostFixture, overrides: Partial<PostLifecycleInput> = {}): PostLifecycleInput {
  return {
    postId: uniqueId('post'),
    brandId: fixture.brand.id,
    authorId: fixture.team.author.userId,
    title: 'Autumn blend launch',
    riskTier: 'standard',
    flags: [],
    urgent: false,
    publishAt: new Date(Date.now() + 30 * DAY_MS).toISOString(),
    timeZone: 'Europe/Berlin',
    draft: draftFor(fixture),
    ...overrides,
  };
}

/**
 * Starts the post's workflow. The publish time is set from the server's clock, which time
 * skipping has moved ahead of the machine's.
 */
export async function startPost(
  harness: PostHarness,
  fixture: PostFixture,
  overrides: Partial<PostLifecycleInput> & { publishInMs?: number } = {},
): Promise<{ handle: WorkflowHandle; input: PostLifecycleInput }> {
  const { publishInMs, ...inputOverrides } = overrides;
  const now = await serverNow(harness);
  const input = postInput(fixture, {
    publishAt: new Date(now + (publishInMs ?? 30 * DAY_MS)).toISOString(),
    ...inputOverrides,
  });
  const handle = await harness.env.client.workflow.start(POST_WORKFLOW_TYPE, {
    workflowId: postWorkflowId(input.postId),
    taskQueue: harness.taskQueue,
    args: [input],
  });
  return { handle, input };
}

/** How many publications the sandbox platform holds for the post. */
export async function publicationsOf(harness: PostHarness, postId: string): Promise<number> {
  const rows = await harness.db('sandbox_publications').where({ post_id: postId });
  return rows.length;
}

export async function serverNow(harness: PostHarness): Promise<number> {
  return harness.env.currentTimeMs();
}

export function stateOf(handle: WorkflowHandle): Promise<PostState> {
  return handle.query(getPostState);
}

/**
 * The state once it satisfies `ready`. After the server's clock has been moved on, the timers it
 * fired may still be in a workflow task when the call returns.
 */
export async function stateWhen(
  handle: WorkflowHandle,
  ready: (state: PostState) => boolean,
  timeoutMs = 15_000,
): Promise<PostState> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const state = await stateOf(handle);
    if (ready(state)) return state;
    if (Date.now() > giveUpAt) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A review decision by the team member holding `role`, on the post's current revision. */
export async function decide(
  handle: WorkflowHandle,
  by: { userId: string; roles: Role[] },
  request: Omit<ReviewRequest, 'by' | 'revision'> & { revision?: number },
): Promise<{ stage: string; revision: number }> {
  const revision = request.revision ?? (await stateOf(handle)).revision;
  return handle.executeUpdate(review, { args: [{ ...request, by, revision }] });
}

/** Approves, in order, every stage that is open until the post reaches `untilStage`. */
export async function approveOpenStages(handle: WorkflowHandle, team: Team): Promise<PostState> {
  for (;;) {
    const state = await stateOf(handle);
    const stage = state.openStages.find((open) => open !== 'drafting');
    if (!stage || !state.plan.stages.some((spec) => spec.stage === stage)) return state;
    const spec = state.plan.stages.find((candidate) => candidate.stage === stage)!;
    await decide(handle, team[spec.role], { stage, decision: 'approve' });
  }
}

/** What an update call was refused with: the failure type and message the API maps to a status. */
export async function refusal(call: Promise<unknown>): Promise<{ type?: string; message: string }> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!error) throw new Error('expected the update to be refused, but it was accepted');
  const cause = (error as { cause?: { type?: string; message: string } }).cause;
  if (!cause) throw error instanceof Error ? error : new Error('the update failed without a cause');
  return { type: cause.type, message: cause.message };
}

/** Event type names of the run's history, e.g. `EVENT_TYPE_TIMER_STARTED`. */
export async function historyEventTypes(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((event) => temporal.api.enums.v1.EventType[event.eventType ?? 0]);
}

/** The history once the post's first workflow task is complete and its stage clock runs. */
export async function historyOnceWaiting(handle: WorkflowHandle): Promise<string[]> {
  const giveUpAt = Date.now() + 15_000;
  for (;;) {
    const events = await historyEventTypes(handle);
    if (events.at(-1) === 'EVENT_TYPE_TIMER_STARTED' || Date.now() > giveUpAt) return events;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Writes the run's history for the replay test when SOCIALOPS_RECORD_HISTORIES is set. */
export async function recordHistoryIfAsked(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env[RECORD_HISTORIES_ENV]) return;
  writeHistoryFile({ name, history: await handle.fetchHistory() });
}
