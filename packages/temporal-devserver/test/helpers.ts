/**
 * Shared set-up for the offline server's suite: one test environment, one workflow bundle and
 * one worker per test file, and a record of every run so its history can be replayed.
 */
import { randomUUID } from 'node:crypto';
import type {
  Client,
  WorkflowHandle,
  WorkflowHandleWithFirstExecutionRunId,
  WorkflowStartOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createTestEnvironment, type TestEnvironmentOptions } from '../src/testing';
import { STARTED_IN_COMPLETION } from '../src/workflowTasks';
import { createActivities, type ActivityProbe } from './fixtures/activities';
import { scratchSchema } from './postgres';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type History = temporal.api.history.v1.IHistory;

const quietLogger = new DefaultLogger('WARN');

export interface DevServerSuite {
  env: TestWorkflowEnvironment;
  client: Client;
  taskQueue: string;
  probe: ActivityProbe;
  runs: RunRecorder;
  workflowBundle: WorkflowBundle;
  /** A workflow id no other test uses. */
  uniqueId(label: string): string;
  /** Starts a workflow on this file's task queue and records it for replay. */
  start<T extends Workflow>(
    workflow: T,
    options: Omit<WorkflowStartOptions<T>, 'taskQueue'>,
  ): Promise<WorkflowHandleWithFirstExecutionRunId<T>>;
  stop(): Promise<void>;
}

export interface SuiteOptions extends TestEnvironmentOptions {
  taskQueue: string;
  /** Starts the environment some other way than `createTestEnvironment(options)`. */
  environment?: () => Promise<TestWorkflowEnvironment>;
}

/**
 * DEVSERVER_STORE=postgres runs the suite on the Postgres store (a fresh schema per test file,
 * dropped at the end); otherwise the server keeps everything in memory.
 */
const STORE = process.env.DEVSERVER_STORE === 'postgres' ? 'postgres' : 'memory';

/** Starts a server, bundles the fixture workflows and runs a worker for one test file. */
export async function startSuite(options: SuiteOptions): Promise<DevServerSuite> {
  // Each test file has its own module registry, hence its own runtime: install it quiet.
  Runtime.install({ logger: quietLogger });
  const store = STORE === 'postgres' && !options.environment ? await scratchSchema('suite') : undefined;
  const [env, workflowBundle] = await Promise.all([
    options.environment
      ? options.environment()
      : createTestEnvironment({ ...options, persist: store && { url: store.url, schema: store.schema } }),
    bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/workflows'), logger: quietLogger }),
  ]);
  const { activities, probe } = createActivities({ client: env.client });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: options.taskQueue,
    workflowBundle,
    activities,
    shutdownGraceTime: '1s',
  });
  const running = worker.run();
  const prefix = randomUUID().slice(0, 8);
  const runs = new RunRecorder(env.client);
  return {
    env,
    client: env.client,
    taskQueue: options.taskQueue,
    probe,
    runs,
    workflowBundle,
    uniqueId: (label) => `${label}-${prefix}-${randomUUID().slice(0, 8)}`,
    start: async (workflow, startOptions) =>
      runs.add(
        await env.client.workflow.start(workflow, {
          taskQueue: options.taskQueue,
          ...startOptions,
        } as WorkflowStartOptions<typeof workflow>),
      ),
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await env.teardown();
      await store?.drop();
    },
  };
}

/** Milliseconds of a protobuf Timestamp (since the epoch) or Duration. */
export function protoMs(value: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(value?.seconds ?? 0) * 1000 + (value?.nanos ?? 0) / 1e6;
}

/** Event type names as the Temporal UI shows them: `ActivityTaskScheduled`. */
export function eventTypeName(event: HistoryEvent): string {
  const name = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

export function eventTypes(history: History): string[] {
  return (history.events ?? []).map(eventTypeName);
}

export function eventsOfType(history: History, type: string): HistoryEvent[] {
  return (history.events ?? []).filter((e) => eventTypeName(e) === type);
}

/** Whether a WorkflowTaskStarted event is of a task handed to the worker with the answer to its last completion. */
export function startedInCompletion(event: HistoryEvent): boolean {
  return event.workflowTaskStartedEventAttributes?.requestId === STARTED_IN_COMPLETION;
}

/** The three events of one workflow task that the worker completed. */
export const WORKFLOW_TASK = ['WorkflowTaskScheduled', 'WorkflowTaskStarted', 'WorkflowTaskCompleted'];

/** The events of `expected` that occur in `types` in that order: equal to `expected` when all do. */
export function inOrder(types: string[], expected: string[]): string[] {
  const found: string[] = [];
  let from = 0;
  for (const type of expected) {
    const at = types.indexOf(type, from);
    if (at < 0) break;
    found.push(type);
    from = at + 1;
  }
  return found;
}

/** Runs the worker; the cleanup returned shuts it down, waits for it and closes the connections. */
export function runUntilCleanup(
  worker: Worker,
  ...connections: Array<{ close(): Promise<void> }>
): () => Promise<void> {
  const running = worker.run();
  return async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running.catch(() => undefined);
    for (const connection of connections) await connection.close();
  };
}

/**
 * Polls until `check` returns a value other than undefined/false. For waiting on work the
 * worker does in the background, never for asserting how long something took.
 */
export async function eventually<T>(
  description: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${description}`);
}

export async function waitForEvent(handle: WorkflowHandle, type: string): Promise<HistoryEvent> {
  return eventually(
    `${handle.workflowId} records ${type}`,
    async () => eventsOfType(await handle.fetchHistory(), type)[0],
  );
}

/**
 * Every run a test file produced, so that the file can replay their histories against the
 * same workflow code. Runs that continued as new or were retried are followed to the end.
 */
export class RunRecorder {
  private readonly runs: Array<{ workflowId: string; runId?: string }> = [];

  constructor(private readonly client: Client) {}

  add<H extends WorkflowHandle>(handle: H): H {
    const runId = 'firstExecutionRunId' in handle ? (handle.firstExecutionRunId as string | undefined) : undefined;
    this.runs.push({ workflowId: handle.workflowId, runId });
    return handle;
  }

  addById(workflowId: string, runId?: string): void {
    this.runs.push({ workflowId, runId });
  }

  async histories(): Promise<Array<{ workflowId: string; runId: string; history: History }>> {
    const collected: Array<{ workflowId: string; runId: string; history: History }> = [];
    const seen = new Set<string>();
    for (const { workflowId, runId } of this.runs) {
      const firstRunId = runId ?? (await this.client.workflow.getHandle(workflowId).describe()).runId;
      if (seen.has(firstRunId)) continue;
      for (const run of await fetchRunChain(this.client, workflowId, firstRunId)) {
        seen.add(run.runId);
        collected.push({ workflowId, ...run });
      }
    }
    return collected;
  }
}

/** The histories of a run and of every run that continued it (continue-as-new, retries). */
export async function fetchRunChain(
  client: Client,
  workflowId: string,
  firstRunId: string,
): Promise<Array<{ runId: string; history: History }>> {
  const chain: Array<{ runId: string; history: History }> = [];
  for (let runId: string | undefined = firstRunId; runId;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    chain.push({ runId, history });
    runId = nextRunId(history);
    if (chain.some((run) => run.runId === runId)) throw new Error(`run chain of ${workflowId} loops at ${runId}`);
  }
  return chain;
}

function nextRunId(history: History): string | undefined {
  const last = history.events?.[history.events.length - 1];
  if (!last) return undefined;
  return (
    last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ||
    last.workflowExecutionFailedEventAttributes?.newExecutionRunId ||
    last.workflowExecutionTimedOutEventAttributes?.newExecutionRunId ||
    last.workflowExecutionCompletedEventAttributes?.newExecutionRunId ||
    undefined
  );
}

/** Replays every recorded run and returns the ones that did not replay cleanly. */
export async function replayFailures(
  suite: DevServerSuite,
): Promise<Array<{ workflowId: string; runId: string; error: string }>> {
  const histories = await suite.runs.histories();
  expect(histories.length).toBeGreaterThan(0);
  const failures: Array<{ workflowId: string; runId: string; error: string }> = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: suite.workflowBundle }, histories)) {
    replayed++;
    if (result.error)
      failures.push({ workflowId: result.workflowId, runId: result.runId, error: String(result.error) });
  }
  expect(replayed).toBe(histories.length);
  return failures;
}
