/**
 * The next workflow task in the answer to a completion. When a completed task leaves work that
 * needs another task at once (events that arrived while it ran, the heartbeat of a long local
 * activity, an update) and its worker asks for it, as the SDK's core does whenever it keeps the
 * run cached, a real server starts that task on the spot and returns it with the answer, and the
 * worker goes on without polling. The service is played against directly to see the answer
 * itself. The SDK's worker takes such tasks here for a long local activity, and in
 * workflows.test.ts for a signal and an update that arrive while a task runs.
 */
import { eventKind } from '../src/events';
import { decode, encode, type Msg, packAny } from '../src/protos';
import { STARTED_IN_COMPLETION } from '../src/workflowTasks';
import { gatedCollector } from './fixtures/workflows';
import { finish } from './fixtures/messages';
import {
  eventsOfType,
  eventTypes,
  eventually,
  replayFailures,
  startedInCompletion,
  startSuite,
  WORKFLOW_TASK,
  type DevServerSuite,
} from './helpers';
import { call, type Run, ServiceDriver, stillWaiting } from './serviceDriver';

const ASK = { returnNewWorkflowTask: true };
const RESPONSE = 'temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedResponse';

describe('the answer to a completion', () => {
  let driver: ServiceDriver;

  beforeEach(() => {
    driver = new ServiceDriver('in-answer');
  });

  afterEach(() => {
    driver.stop();
  });

  const kinds = (task: Msg): string[] => (task.history?.events ?? []).map(eventKind);

  async function history(run: Run): Promise<Msg[]> {
    const response = await driver.service.getWorkflowExecutionHistory(
      { namespace: 'default', execution: { workflowId: run.workflowId } },
      call(),
    );
    return response.history.events;
  }

  /** Hands out the run's first task and completes it, with `during` done while the worker had it. */
  async function completeFirstTask(request: Msg, during: (run: Run) => void = () => undefined) {
    const run = driver.startRun();
    const first = await driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
    during(run);
    const completion = call();
    const answer = driver.completeSticky(first, run.stickyQueue, completion, request);
    return { run, first, answer, completion };
  }

  const signalWhileRunning = (run: Run): void => driver.signal(run.workflowId, 'while the task runs');

  test('carries the next task, started for the worker, with the events since its last task', async () => {
    const { run, first, answer } = await completeFirstTask(ASK, signalWhileRunning);

    const next: Msg = answer.workflowTask;
    expect(next.workflowExecution).toEqual({ workflowId: run.workflowId, runId: first.workflowExecution.runId });
    expect(next.previousStartedEventId).toBe(first.startedEventId);
    expect(next.attempt).toBe(1);
    expect(kinds(next)).toEqual([
      'WorkflowTaskCompleted',
      'WorkflowExecutionSignaled',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
    ]);
    expect(next.history.events[0].eventId).toBe(first.startedEventId + 1);
    const started: Msg = next.history.events[3];
    expect(started.eventId).toBe(next.startedEventId);
    expect(started.workflowTaskStartedEventAttributes).toMatchObject({
      identity: 'worker',
      requestId: STARTED_IN_COMPLETION,
    });
    // Written, not shown only to the worker: every reader of the history sees the same events.
    expect((await history(run)).slice(first.startedEventId)).toEqual(next.history.events);
    // As the SDK decodes it.
    const wire = decode(RESPONSE, encode(RESPONSE, answer));
    expect(wire.workflowTask.startedEventId).toBe(next.startedEventId);
    expect(wire.workflowTask.history.events).toHaveLength(4);
  });

  test('the task in the answer is not queued, and the worker completes it like any other', async () => {
    const { run, answer, completion } = await completeFirstTask(ASK, signalWhileRunning);
    const stickyPoller = driver.poller(run.stickyQueue, 'TASK_QUEUE_KIND_STICKY');
    const normalPoller = driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL');
    completion.answer();
    expect(await stillWaiting(stickyPoller)).toBe(true);
    expect(await stillWaiting(normalPoller)).toBe(true);

    const closing = driver.completeSticky(answer.workflowTask, run.stickyQueue, call(), {
      ...ASK,
      commands: [
        { commandType: 'COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION', completeWorkflowExecutionCommandAttributes: {} },
      ],
    });

    expect(closing.workflowTask).toBeUndefined();
    expect((await history(run)).map(eventKind).slice(-2)).toEqual([
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
  });

  test('without being asked for it, the next task goes to the task queue', async () => {
    const { run, answer, completion } = await completeFirstTask({}, signalWhileRunning);
    const stickyPoller = driver.poller(run.stickyQueue, 'TASK_QUEUE_KIND_STICKY');

    expect(answer.workflowTask).toBeUndefined();
    completion.answer();
    const next = await stickyPoller.task;
    expect(kinds(next)).toEqual([
      'WorkflowTaskCompleted',
      'WorkflowExecutionSignaled',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
    ]);
    expect(next.history.events[3].workflowTaskStartedEventAttributes.requestId).toBeUndefined();
  });

  test('carries no task when the completion leaves nothing to do', async () => {
    const { run, answer } = await completeFirstTask(ASK);

    expect(answer.workflowTask).toBeUndefined();
    const described = await driver.service.describeWorkflowExecution({
      namespace: 'default',
      execution: { workflowId: run.workflowId },
    });
    expect(described.pendingWorkflowTask).toBeUndefined();
  });

  test('carries the next task of a workflow task heartbeat', async () => {
    const { answer } = await completeFirstTask({ ...ASK, forceCreateNewWorkflowTask: true });

    expect(kinds(answer.workflowTask)).toEqual([
      'WorkflowTaskCompleted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
    ]);
  });

  test('carries an update that arrived while the task ran, on a task that stays out of history unless it produces something', async () => {
    let update: Promise<Msg> = Promise.resolve({});
    const { run, first, answer } = await completeFirstTask(ASK, (running) => {
      update = driver.service.updateWorkflowExecution(
        {
          namespace: 'default',
          workflowExecution: { workflowId: running.workflowId },
          request: { meta: { updateId: 'limit' }, input: { name: 'setLimit' } },
        },
        call(),
      );
    });
    const next: Msg = answer.workflowTask;
    expect(kinds(next)).toEqual(['WorkflowTaskCompleted', 'WorkflowTaskScheduled', 'WorkflowTaskStarted']);
    expect(next.messages.map((message: Msg) => message.protocolInstanceId)).toEqual(['limit']);
    const written = await history(run);
    expect(written.map(eventKind).at(-1)).toBe('WorkflowTaskCompleted');

    const rejection = {
      id: 'limit/rejection',
      protocolInstanceId: 'limit',
      body: packAny('temporal.api.update.v1.Rejection', {
        rejectedRequestMessageId: 'limit/request',
        failure: { message: 'not now' },
      }),
    };
    const rejected = driver.completeSticky(next, run.stickyQueue, call(), { ...ASK, messages: [rejection] });

    expect(rejected.resetHistoryEventId).toBe(first.startedEventId);
    expect(rejected.workflowTask).toBeUndefined();
    expect((await update).outcome?.failure?.message).toBe('not now');
    expect(await history(run)).toEqual(written);
  });

  test('a task that fails leaves its retry to the task queue', async () => {
    const run = driver.startRun();
    const first = await driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
    signalWhileRunning(run);
    const completion = call();
    const badCommand = {
      commandType: 'COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK',
      scheduleActivityTaskCommandAttributes: {},
    };

    expect(() => driver.completeSticky(first, run.stickyQueue, completion, { ...ASK, commands: [badCommand] })).toThrow(
      /ActivityId/,
    );
    completion.answer();
    const retry = await driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
    expect(retry.attempt).toBe(2);
  });

  test('a query waits while the worker runs the task in the answer, its next task of the run', async () => {
    let queryAnswer: Promise<Msg> = Promise.resolve({});
    const { run, answer, completion } = await completeFirstTask(ASK, (running) => {
      queryAnswer = driver.query(running.workflowId);
      signalWhileRunning(running);
    });
    const queries = driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL');
    completion.answer();
    expect(await stillWaiting(queries)).toBe(true);

    const second = call();
    expect(driver.completeSticky(answer.workflowTask, run.stickyQueue, second, ASK).workflowTask).toBeUndefined();
    expect(await stillWaiting(queries)).toBe(true);

    second.answer();
    await driver.handsOutQuery(queries, queryAnswer);
  });
});

describe('the SDK worker', () => {
  let suite: DevServerSuite;

  beforeAll(async () => {
    suite = await startSuite({ taskQueue: 'devserver-task-in-completion' });
  });

  afterAll(async () => {
    await suite?.stop();
  });

  test('keeps a long local activity going on the tasks that come with its heartbeats', async () => {
    const workflowId = suite.uniqueId('heartbeat-in-answer');
    // The worker heartbeats a task it holds open for most of the task timeout.
    const handle = await suite.start(gatedCollector, { workflowId, workflowTaskTimeout: '1s' });
    await eventually(
      'the held task heartbeats',
      async () => eventsOfType(await handle.fetchHistory(), 'WorkflowTaskStarted').length > 1,
    );

    suite.probe.openGate(workflowId);
    await handle.signal(finish);

    expect(await handle.result()).toEqual([]);
    const history = await handle.fetchHistory();
    expect(eventTypes(history).slice(0, 7)).toEqual(['WorkflowExecutionStarted', ...WORKFLOW_TASK, ...WORKFLOW_TASK]);
    expect(startedInCompletion(eventsOfType(history, 'WorkflowTaskStarted')[1])).toBe(true);
    expect(eventsOfType(history, 'WorkflowTaskTimedOut')).toEqual([]);
  });

  test('every history replays against the workflow code', async () => {
    expect(await replayFailures(suite)).toEqual([]);
  });
});
