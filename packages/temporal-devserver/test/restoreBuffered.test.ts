/**
 * A restart while events waited in the buffer behind a workflow task at a worker. Behind a
 * speculative task (one for an update, not in history) the restored run has no open task in
 * history, yet the buffered events need one, or the run waits for something else to wake it. An
 * activity's result or a timer's firing in the buffer settles it: it is not run or fired again.
 */
import type { ServerContext } from '../src/context';
import { eventKind } from '../src/events';
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
  after.service.restore({ namespaces: [], runs: [stored], closedRuns: [], schedules: [] });
  const poller = after.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL');
  expect(await stillWaiting(poller)).toBe(false);
  expect(signalNames(await poller.task)).toEqual(['go']);
});

test('an activity result and a timer firing buffered at a restart are written once, and the activity is not run again', async () => {
  const before = new ServiceDriver('settled');
  drivers.push(before);
  const started = before.startRun();
  const first = await before.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  const completion = call();
  before.service.respondWorkflowTaskCompleted(
    {
      namespace: 'default',
      taskToken: first.taskToken,
      identity: 'worker',
      commands: [
        {
          commandType: 'COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK',
          scheduleActivityTaskCommandAttributes: {
            activityId: 'publish',
            activityType: { name: 'publish' },
            taskQueue: { name: started.taskQueue },
            startToCloseTimeout: { seconds: 120 },
          },
        },
        {
          commandType: 'COMMAND_TYPE_START_TIMER',
          startTimerCommandAttributes: { timerId: 'soon', startToFireTimeout: { nanos: 50_000_000 } },
        },
      ],
    },
    completion,
  );
  completion.answer();
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
  after.service.restore({ namespaces: [], runs: [stored], closedRuns: [], schedules: [] });
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
