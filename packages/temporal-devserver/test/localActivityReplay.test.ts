/**
 * Histories around a local activity that outlasts its workflow task replay the way they ran. Core
 * keeps such a task alive by completing it with no commands and taking the next one in the answer
 * (a heartbeat); a timer that fires meanwhile reaches the workflow in one of those tasks, before
 * the local activity's result. A replay learns of that result from its marker, which history
 * puts with the task that ends the run of heartbeats, so it hands the workflow the timer and the
 * result together; deadline work that waits for the handler still running (as a conversation's
 * lane makes it) replays. The same holds across a restart of the server. A timer
 * the workflow cancels after it fired, its firing still waiting behind the task, is cancelled.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { startDevServer } from '../src/server';
import { createTestEnvironment } from '../src/testing';
import { bumpBeforeActivity, clockAcrossLocalActivity, deadlineLoop, reply, stop } from './fixtures/deadlineWorkflows';
import { eventsOfType, eventTypes, runUntilCleanup } from './helpers';
import { scratchSchema } from './postgres';

jest.setTimeout(60_000);

const quietLogger = new DefaultLogger('ERROR');
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  Runtime.install({ logger: quietLogger });
  [env, workflowBundle] = await Promise.all([
    createTestEnvironment({ timeSkipping: false }),
    bundleWorkflowCode({ workflowsPath: require.resolve('./fixtures/deadlineWorkflows'), logger: quietLogger }),
  ]);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});
afterAll(() => env?.teardown());

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A worker on `address` (the test environment's server by default); its local activity waits as asked. */
async function workerOn(taskQueue: string, address?: string) {
  const nativeConnection = address ? await NativeConnection.connect({ address }) : env.nativeConnection;
  const connection = address ? await Connection.connect({ address }) : undefined;
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle,
    activities: { pause },
    shutdownGraceTime: '1s',
  });
  cleanups.push(runUntilCleanup(worker, ...(connection ? [nativeConnection, connection] : [])));
  return connection ? new Client({ connection }) : env.client;
}

/** Two replies whose local activity takes 5 s, on runs whose workflow tasks time out after 2 s. */
async function twoSlowReplies(lane: boolean, periodMs: number) {
  const taskQueue = `slow-reply-${randomUUID()}`;
  const client = await workerOn(taskQueue);
  const handle = await client.workflow.start(deadlineLoop, {
    taskQueue,
    workflowId: `slow-reply-${randomUUID()}`,
    args: [periodMs, lane],
    workflowTaskTimeout: '2s',
  });
  expect(await handle.executeUpdate(reply, { args: [5000] })).toBe(1);
  expect(await handle.executeUpdate(reply, { args: [5000] })).toBe(2);
  await handle.signal(stop);
  expect(await handle.result()).toBe(2);
  const history = await handle.fetchHistory();
  // The tasks were kept alive while the local activity ran, and the timer fired meanwhile.
  expect(eventTypes(history).filter((type) => type === 'WorkflowTaskCompleted').length).toBeGreaterThan(6);
  expect(eventTypes(history)).toContain('TimerFired');
  return { history, workflowId: handle.workflowId };
}

test('a timer firing while a reply outlasts its workflow task: work that waits for the reply replays', async () => {
  const { history, workflowId } = await twoSlowReplies(true, 1000);
  await Worker.runReplayHistory({ workflowBundle, replayName: 'lane' }, history, workflowId);
});

test("the workflow's clock after a local activity that outlasted its workflow task is the same on replay", async () => {
  const taskQueue = `clock-${randomUUID()}`;
  const client = await workerOn(taskQueue);
  const handle = await client.workflow.start(clockAcrossLocalActivity, {
    taskQueue,
    workflowId: `clock-${randomUUID()}`,
    workflowTaskTimeout: '2s',
  });
  expect(await handle.executeUpdate(reply, { args: [3000] })).toBeGreaterThanOrEqual(3000);
  await handle.signal(stop);
  await handle.result();
  const history = await handle.fetchHistory();
  expect(eventTypes(history).filter((type) => type === 'TimerStarted').length).toBeGreaterThanOrEqual(3);
  await Worker.runReplayHistory({ workflowBundle, replayName: 'clock' }, history, handle.workflowId);
});

test('a restart while a reply runs its local activity, the timer due meanwhile: the retried reply replays', async () => {
  const store = await scratchSchema('la_restart');
  cleanups.push(store.drop);
  const persist = { url: store.url, schema: store.schema };
  const before = await startDevServer({ persist });
  cleanups.push(() => before.stop());
  const taskQueue = `la-restart-${randomUUID()}`;
  // The first worker's local activity never ends on its own: the server goes while it runs.
  const nativeConnection = await NativeConnection.connect({ address: before.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle,
    activities: { pause: () => Context.current().cancelled },
    shutdownGraceTime: '1s',
  });
  cleanups.push(runUntilCleanup(worker, nativeConnection));
  const connection = await Connection.connect({ address: before.address });
  cleanups.push(() => connection.close());
  const workflowId = `la-restart-${randomUUID()}`;
  await new Client({ connection }).workflow.start(deadlineLoop, { taskQueue, workflowId, args: [1500, true] });
  const updateId = `reply-${randomUUID()}`;
  await pause(300);
  void new Client({ connection }).workflow
    .getHandle(workflowId)
    .executeUpdate(reply, { updateId, args: [200] })
    .catch(() => undefined);
  await pause(500);
  await before.stop();
  // The 1.5 s timer comes due while the server is down.
  await pause(2000);
  const after = await startDevServer({ persist });
  cleanups.push(() => after.stop());
  const handle = (await workerOn(taskQueue, after.address)).workflow.getHandle(workflowId);
  expect(await handle.executeUpdate(reply, { updateId, args: [200] })).toBe(1);
  await handle.signal(stop);
  expect(await handle.result()).toBe(1);
  const history = await handle.fetchHistory();
  expect(eventTypes(history)).toContain('TimerFired');
  expect(eventTypes(history).filter((type) => type === 'MarkerRecorded')).toHaveLength(1);
  await Worker.runReplayHistory({ workflowBundle, replayName: 'restart' }, history, workflowId);
});

test('a timer cancelled after it fired while the task was at the worker is cancelled, and the run carries on', async () => {
  const taskQueue = `cancel-fired-${randomUUID()}`;
  const client = await workerOn(taskQueue);
  // The reply changes the plan before its 3 s local activity: the 1 s timer is cancelled in the
  // task the activity keeps alive, after it fired.
  const handle = await client.workflow.start(bumpBeforeActivity, {
    taskQueue,
    workflowId: `cancel-fired-${randomUUID()}`,
    args: [1000],
    workflowTaskTimeout: '2s',
  });
  expect(await handle.executeUpdate(reply, { args: [3000] })).toBe(1);
  await handle.signal(stop);
  expect(await handle.result()).toBe(1);
  const history = await handle.fetchHistory();
  const firstTimer = eventsOfType(history, 'TimerStarted')[0];
  const ends = (history.events ?? []).filter(
    (e) =>
      Number(e.timerCanceledEventAttributes?.startedEventId ?? e.timerFiredEventAttributes?.startedEventId) ===
      Number(firstTimer.eventId),
  );
  expect(ends.map((e) => (e.timerCanceledEventAttributes ? 'canceled' : 'fired'))).toEqual(['canceled']);
  expect(eventTypes(history)).not.toContain('WorkflowTaskFailed');
  await Worker.runReplayHistory({ workflowBundle, replayName: 'cancel-fired' }, history, handle.workflowId);
});
