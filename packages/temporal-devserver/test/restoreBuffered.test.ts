/**
 * A restart while events waited in the buffer behind a workflow task at a worker. Behind a
 * speculative task (one for an update, not in history) the restored run has no open task in
 * history, yet the buffered events need one, or the run waits for something else to wake it. An
 * activity's result or a timer's firing in the buffer settles it: it is not run or fired again. A
 * child initiated but not yet started is started once the run is back.
 */
import type { ServerContext } from '../src/context';
import { eventKind } from '../src/events';
import type { Msg } from '../src/protos';
import { runState, startRecord } from '../src/store/store';
import { call, ServiceDriver, signalNames, stillWaiting } from './serviceDriver';

const drivers: ServiceDriver[] = [];
afterEach(() => drivers.splice(0).forEach((d) => d.stop()));

/** The run as the store keeps it, taken from the driver's server at this moment. */
function storedRun(driver: ServiceDriver, workflowId: string) {
  const server = (driver.service as unknown as { server: ServerContext }).server;
  const run = server.runs.latestOpen('default', workflowId)!;
  return { run, stored: { ...startRecord(run), state: runState(run), history: [...run.history] } };
}

/** A new run whose first workflow task a worker completed with `commands` (given the run's task queue). */
async function firstTaskCompleted(label: string, commands: (taskQueue: string) => Msg[]) {
  const driver = new ServiceDriver(label);
  drivers.push(driver);
  const started = driver.startRun();
  const first = await driver.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  const completion = call();
  driver.service.respondWorkflowTaskCompleted(
    { namespace: 'default', taskToken: first.taskToken, identity: 'worker', commands: commands(started.taskQueue) },
    completion,
  );
  completion.answer();
  return { before: driver, started };
}

test('events buffered behind a speculative task are handed to a worker after a restart', async () => {
  const before = new ServiceDriver('buffered');
  drivers.push(before);
  const started = before.startRun();
  const first = await before.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  const completion = call();
  before.service.respondWorkflowTaskCompleted(
    { namespace: 'default', taskToken: first.taskToken, identity: 'worker', commands: [] },
    completion,
  );
  completion.answer();
  void before.service
    .updateWorkflowExecution(
      {
        namespace: 'default',
        workflowExecution: { workflowId: started.workflowId },
        request: {
          meta: { updateId: 'u1' },
          input: { name: 'approve', args: { payloads: [] } },
        },
        waitPolicy: { lifecycleStage: 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED' },
      },
      // Its client waits briefly: the wait ends on its own once the test is over.
      { ...call(), deadline: Date.now() + 1500 },
    )
    .catch(() => undefined);
  const forUpdate = await before.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  expect(forUpdate.messages).toHaveLength(1);
  // Arrives while the update's task is at the worker: it waits in the buffer. Then the process dies.
  before.signal(started.workflowId, 'go');
  const { run, stored } = storedRun(before, started.workflowId);
  expect(run.buffered.map((d) => d.kind)).toEqual(['WorkflowExecutionSignaled']);

  const after = new ServiceDriver('buffered');
  drivers.push(after);
  after.service.restore({ namespaces: [], runs: [stored], schedules: [] });
  const poller = after.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL');
  expect(await stillWaiting(poller)).toBe(false);
  expect(signalNames(await poller.task)).toEqual(['go']);
});

test('an activity result and a timer firing buffered at a restart are written once, and the activity is not run again', async () => {
  const { before, started } = await firstTaskCompleted('settled', (taskQueue) => [
    {
      commandType: 'COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK',
      scheduleActivityTaskCommandAttributes: {
        activityId: 'publish',
        activityType: { name: 'publish' },
        taskQueue: { name: taskQueue },
        startToCloseTimeout: { seconds: 120 },
      },
    },
    {
      commandType: 'COMMAND_TYPE_START_TIMER',
      startTimerCommandAttributes: { timerId: 'soon', startToFireTimeout: { nanos: 50_000_000 } },
    },
  ]);
  const activity = await before.service.pollActivityTaskQueue(
    { namespace: 'default', taskQueue: { name: started.taskQueue }, identity: 'worker' },
    call(),
  );
  // A signal starts a workflow task; the activity's result and the timer's firing wait behind it.
  before.signal(started.workflowId, 'go');
  const second = await before.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  expect(second.taskToken).toBeDefined();
  before.service.respondActivityTaskCompleted({ namespace: 'default', taskToken: activity.taskToken });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const { run, stored } = storedRun(before, started.workflowId);
  expect(run.buffered.map((d) => d.kind)).toEqual(['ActivityTaskStarted', 'ActivityTaskCompleted', 'TimerFired']);

  const after = new ServiceDriver('settled');
  drivers.push(after);
  after.service.restore({ namespaces: [], runs: [stored], schedules: [] });
  const rerun = after.service.pollActivityTaskQueue(
    { namespace: 'default', taskQueue: { name: started.taskQueue }, identity: 'worker' },
    { ...call(), deadline: Date.now() + 1500 },
  );
  const next = await after.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  await new Promise((resolve) => setTimeout(resolve, 100));

  expect((await rerun).taskToken).toBeUndefined();
  const kinds = (next.history?.events ?? []).map(eventKind);
  expect(kinds.filter((kind: string) => kind === 'ActivityTaskCompleted')).toHaveLength(1);
  expect(kinds.filter((kind: string) => kind === 'TimerFired')).toHaveLength(1);
  const written = storedRun(after, started.workflowId).run.history.map(eventKind);
  expect(written.filter((kind) => kind === 'ActivityTaskCompleted')).toHaveLength(1);
  expect(written.filter((kind) => kind === 'TimerFired')).toHaveLength(1);
});

test('a child initiated but not yet started when the server stopped is started after the restart', async () => {
  const { before, started } = await firstTaskCompleted('child-start', (taskQueue) => [
    {
      commandType: 'COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION',
      startChildWorkflowExecutionCommandAttributes: {
        namespace: 'default',
        workflowId: `${taskQueue}-child`,
        workflowType: { name: 'child' },
        taskQueue: { name: `${taskQueue}-child` },
      },
    },
  ]);
  const childId = `${started.taskQueue}-child`;
  const { stored } = storedRun(before, started.workflowId);
  const kinds = stored.history.map(eventKind);
  expect(kinds).toContain('ChildWorkflowExecutionStarted');
  // The process died once the command was recorded, while the child's start waited on a read.
  const cut = {
    ...stored,
    history: stored.history.slice(0, kinds.indexOf('StartChildWorkflowExecutionInitiated') + 1),
  };

  const after = new ServiceDriver('child-start');
  drivers.push(after);
  after.service.restore({ namespaces: [], runs: [cut], schedules: [] });
  const server = (after.service as unknown as { server: ServerContext }).server;
  const child = server.runs.latestOpen('default', childId);
  expect(child?.parent).toMatchObject({ workflowId: started.workflowId, runId: stored.runId });
  const parent = server.runs.latestOpen('default', started.workflowId)!;
  const childStarted = parent.history.filter((event) => eventKind(event) === 'ChildWorkflowExecutionStarted');
  expect(childStarted).toHaveLength(1);
  expect(childStarted[0].childWorkflowExecutionStartedEventAttributes).toMatchObject({
    workflowExecution: { workflowId: childId, runId: child!.runId },
  });
});
