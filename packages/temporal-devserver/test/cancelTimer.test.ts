/**
 * CancelTimer commands, as a real server takes them: a pending timer, one started by the same
 * task, or one whose firing waits behind the task is cancelled; cancelling any other timer id
 * fails the workflow task with BAD_CANCEL_TIMER_ATTRIBUTES and writes nothing else.
 */
import { eventKind } from '../src/events';
import type { Msg } from '../src/protos';
import { ServiceDriver, call, type Run } from './serviceDriver';

const drivers: ServiceDriver[] = [];
afterEach(() => drivers.splice(0).forEach((driver) => driver.stop()));

function driver(): ServiceDriver {
  const created = new ServiceDriver('cancel-timer');
  drivers.push(created);
  return created;
}

const startTimer = (timerId: string, ms: number): Msg => ({
  commandType: 'COMMAND_TYPE_START_TIMER',
  startTimerCommandAttributes: { timerId, startToFireTimeout: { nanos: ms * 1_000_000 } },
});
const cancelTimer = (timerId: string): Msg => ({
  commandType: 'COMMAND_TYPE_CANCEL_TIMER',
  cancelTimerCommandAttributes: { timerId },
});

function complete(d: ServiceDriver, task: Msg, commands: Msg[]): void {
  const context = call();
  d.service.respondWorkflowTaskCompleted(
    { namespace: 'default', taskToken: task.taskToken, identity: 'worker', commands },
    context,
  );
  context.answer();
}

async function history(d: ServiceDriver, run: Run): Promise<Msg[]> {
  const page = await d.service.getWorkflowExecutionHistory(
    { namespace: 'default', execution: { workflowId: run.workflowId } },
    call(),
  );
  return page.history?.events ?? [];
}

test('a timer no task started cannot be cancelled: the task fails with BAD_CANCEL_TIMER_ATTRIBUTES', async () => {
  const d = driver();
  const run = d.startRun();
  const task = await d.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  expect(() => complete(d, task, [cancelTimer('never-started')])).toThrow('timer id never-started is not pending');
  const events = await history(d, run);
  expect(events.map(eventKind).slice(-1)).toEqual(['WorkflowTaskFailed']);
  expect(events.at(-1)!.workflowTaskFailedEventAttributes.cause).toBe(
    'WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES',
  );
  const unnamed = d.startRun();
  const first = await d.poller(unnamed.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  expect(() => complete(d, first, [cancelTimer('')])).toThrow('TimerId is not set');
});

test('a timer started by the same task is cancelled; cancelled twice, the task fails', async () => {
  const d = driver();
  const run = d.startRun();
  const task = await d.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  complete(d, task, [startTimer('wait', 60_000), cancelTimer('wait')]);
  expect((await history(d, run)).map(eventKind).slice(-2)).toEqual(['TimerStarted', 'TimerCanceled']);

  const other = d.startRun();
  const next = await d.poller(other.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  expect(() => complete(d, next, [startTimer('wait', 60_000), cancelTimer('wait'), cancelTimer('wait')])).toThrow(
    'not pending',
  );
  expect((await history(d, other)).map(eventKind)).not.toContain('TimerStarted');
});

test('a timer whose firing the workflow has seen cannot be cancelled any more', async () => {
  const d = driver();
  const run = d.startRun();
  complete(d, await d.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task, [startTimer('soon', 20)]);
  const afterFiring = await d.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  expect((afterFiring.history?.events ?? []).map(eventKind)).toContain('TimerFired');
  expect(() => complete(d, afterFiring, [cancelTimer('soon')])).toThrow('not pending');
});
