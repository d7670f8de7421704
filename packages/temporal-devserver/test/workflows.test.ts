/**
 * Workflow lifecycle on the offline server through the real SDK: starting (reuse and conflict
 * policies, request ids, memo, search attributes, timeouts, retries), signals, queries,
 * updates, cancellation, termination, describe, result long-poll and history paging.
 */
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import {
  Client,
  QueryNotRegisteredError,
  QueryRejectedError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  defaultPayloadConverter,
  defineSearchAttributeKey,
  SearchAttributeType,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createActivities } from './fixtures/activities';
import {
  annotated,
  awaitsActivityAndChild,
  brokenCode,
  cleanupOnCancel,
  collector,
  clockReader,
  completesWhileSignalled,
  continuesAsNewWhileSignalled,
  failing,
  gatedCollector,
  manyTimers,
  patchedGreeting,
  queriedMidTask,
  quick,
  signalsItselfDuringTask,
  sleeper,
  succeedsOnAttempt,
} from './fixtures/workflows';
import { addItem, clockSeen, finish, items, removeItem, setLimit, stage } from './fixtures/messages';
import {
  eventsOfType,
  eventTypeName,
  eventTypes,
  eventually,
  fetchRunChain,
  inOrder,
  protoMs,
  replayFailures,
  startedInCompletion,
  startSuite,
  waitForEvent,
  WORKFLOW_TASK,
  type DevServerSuite,
} from './helpers';

const stageAttribute = defineSearchAttributeKey('Stage', SearchAttributeType.KEYWORD);

let suite: DevServerSuite;

beforeAll(async () => {
  suite = await startSuite({ taskQueue: 'devserver-workflows', searchAttributes: { Stage: 'Keyword' } });
});

afterAll(async () => {
  await suite?.stop();
});

const namespace = () => suite.env.namespace ?? 'default';

describe('starting workflows', () => {
  test('refuses to reuse the id of a completed run under REJECT_DUPLICATE', async () => {
    const workflowId = suite.uniqueId('reject-duplicate');
    const first = await suite.start(quick, { workflowId, args: ['first'] });
    expect(await first.result()).toBe('first');
    expect(eventTypes(await first.fetchHistory())).toEqual([
      'WorkflowExecutionStarted',
      ...WORKFLOW_TASK,
      'WorkflowExecutionCompleted',
    ]);

    await expect(
      suite.client.workflow.start(quick, {
        taskQueue: suite.taskQueue,
        workflowId,
        args: ['second'],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    ).rejects.toMatchObject({ name: 'WorkflowExecutionAlreadyStartedError', workflowId });
  });

  test('refuses a second start while the workflow id is running', async () => {
    const workflowId = suite.uniqueId('running-duplicate');
    const running = await suite.start(collector, { workflowId });

    const second = suite.client.workflow.start(collector, { taskQueue: suite.taskQueue, workflowId });
    await expect(second).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);

    await running.signal(finish);
    expect(await running.result()).toEqual([]);
  });

  test('ALLOW_DUPLICATE_FAILED_ONLY reuses the id of a failed run but not of a completed one', async () => {
    const completedId = suite.uniqueId('failed-only-completed');
    await (await suite.start(quick, { workflowId: completedId, args: ['done'] })).result();
    await expect(
      suite.client.workflow.start(quick, {
        taskQueue: suite.taskQueue,
        workflowId: completedId,
        args: ['again'],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);

    const failedId = suite.uniqueId('failed-only-failed');
    const failedRun = await suite.start(failing, { workflowId: failedId, args: ['broken on purpose'] });
    await expect(failedRun.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const rerun = await suite.start(quick, {
      workflowId: failedId,
      args: ['again'],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    expect(rerun.firstExecutionRunId).not.toBe(failedRun.firstExecutionRunId);
    expect(await rerun.result()).toBe('again');
  });

  test('USE_EXISTING hands back the running run instead of starting another', async () => {
    const workflowId = suite.uniqueId('use-existing');
    const first = await suite.start(collector, { workflowId });
    const second = await suite.client.workflow.start(collector, {
      taskQueue: suite.taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);

    await second.signal(addItem, 'through the second handle');
    await second.signal(finish);
    expect(await first.result()).toEqual(['through the second handle']);
  });

  test('TERMINATE_EXISTING terminates the running run and starts a new one', async () => {
    const workflowId = suite.uniqueId('terminate-existing');
    const first = await suite.start(collector, { workflowId });
    await first.signal(addItem, 'in the first run');

    const second = await suite.start(collector, { workflowId, workflowIdConflictPolicy: 'TERMINATE_EXISTING' });

    expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
    const firstRun = suite.client.workflow.getHandle(workflowId, first.firstExecutionRunId);
    expect((await firstRun.describe()).status.name).toBe('TERMINATED');
    await second.signal(finish);
    expect(await second.result()).toEqual([]);
  });

  test('a delayed start runs the workflow only after the delay', async () => {
    const handle = await suite.start(quick, {
      workflowId: suite.uniqueId('start-delay'),
      args: ['later'],
      startDelay: '2 hours',
    });

    expect(await handle.result()).toBe('later');

    const history = await handle.fetchHistory();
    const started = history.events?.[0].workflowExecutionStartedEventAttributes;
    expect(Number(started?.firstWorkflowTaskBackoff?.seconds)).toBe(2 * 3600);
    const taskScheduled = eventsOfType(history, 'WorkflowTaskScheduled')[0];
    expect(protoMs(taskScheduled.eventTime) - protoMs(history.events?.[0].eventTime)).toBeGreaterThanOrEqual(
      2 * 3600 * 1000,
    );
  });

  test('a start repeated with the same request id creates a single run', async () => {
    const workflowId = suite.uniqueId('request-id');
    const request = {
      namespace: namespace(),
      workflowId,
      workflowType: { name: 'collector' },
      taskQueue: { name: suite.taskQueue },
      requestId: randomUUID(),
      identity: 'devserver suite',
    };
    const first = await suite.client.workflowService.startWorkflowExecution(request);
    const retried = await suite.client.workflowService.startWorkflowExecution(request);
    expect(retried.runId).toBe(first.runId);
    suite.runs.addById(workflowId, first.runId);

    // A different request for the same running id is a real second start, and is refused.
    await expect(
      suite.client.workflowService.startWorkflowExecution({ ...request, requestId: randomUUID() }),
    ).rejects.toMatchObject({ code: grpcStatus.ALREADY_EXISTS });

    const handle = suite.client.workflow.getHandle(workflowId);
    await handle.signal(finish);
    await handle.result();
    expect(eventTypes(await handle.fetchHistory()).filter((t) => t === 'WorkflowExecutionStarted')).toHaveLength(1);
    expect((await handle.describe()).runId).toBe(first.runId);
  });

  test('memo and search attributes given at start show in describe', async () => {
    const workflowId = suite.uniqueId('memo-and-attributes');
    const handle = await suite.start(collector, {
      workflowId,
      memo: { owner: 'social team', campaign: { name: 'spring sale', posts: 3 } },
      typedSearchAttributes: [{ key: stageAttribute, value: 'drafting' }],
    });

    const description = await handle.describe();
    expect(description.memo).toEqual({ owner: 'social team', campaign: { name: 'spring sale', posts: 3 } });
    expect(description.typedSearchAttributes.get(stageAttribute)).toBe('drafting');
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('collector');
    expect(description.taskQueue).toBe(suite.taskQueue);

    await handle.signal(finish);
    await handle.result();
  });

  test('a memo the workflow upserts is merged into the one it started with', async () => {
    const handle = await suite.start(annotated, {
      workflowId: suite.uniqueId('upsert-memo'),
      memo: { owner: 'social team' },
    });
    await waitForEvent(handle, 'WorkflowPropertiesModified');

    expect((await handle.describe()).memo).toEqual({ owner: 'social team', reviewedBy: 'legal' });

    await handle.signal(finish);
    await handle.result();
  });

  test('a run that outlives its run timeout times out', async () => {
    const handle = await suite.start(sleeper, {
      workflowId: suite.uniqueId('run-timeout'),
      args: ['1 day'],
      workflowRunTimeout: '1 hour',
    });

    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
    expect((await handle.describe()).status.name).toBe('TIMED_OUT');
    expect(eventTypes(await handle.fetchHistory()).at(-1)).toBe('WorkflowExecutionTimedOut');
  });

  test('a run that outlives its workflow execution timeout times out', async () => {
    const handle = await suite.start(sleeper, {
      workflowId: suite.uniqueId('execution-timeout'),
      args: ['1 day'],
      workflowExecutionTimeout: '1 hour',
    });

    const error = await handle.result().catch((err: unknown) => err);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
    const history = await handle.fetchHistory();
    expect(eventTypes(history).at(-1)).toBe('WorkflowExecutionTimedOut');
    // Without a run timeout of its own, a run may last as long as the whole execution.
    const started = history.events?.[0].workflowExecutionStartedEventAttributes;
    expect(Number(started?.workflowRunTimeout?.seconds)).toBe(3600);
    const expiresAfterMs = protoMs(started?.workflowExecutionExpirationTime) - protoMs(history.events?.[0].eventTime);
    expect(Math.abs(expiresAfterMs - 3600 * 1000)).toBeLessThan(1000);
  });

  test('the workflow execution timeout stops retries that would start after it', async () => {
    const workflowId = suite.uniqueId('execution-timeout-retries');
    const handle = await suite.start(succeedsOnAttempt, {
      workflowId,
      args: [5],
      workflowExecutionTimeout: '1 hour',
      retry: { initialInterval: '40 minutes', backoffCoefficient: 1, maximumAttempts: 10 },
    });

    const error = await handle.result().catch((err: unknown) => err);

    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).retryState).toBe('TIMEOUT');
    expect((error as WorkflowFailedError).cause?.message).toBe('attempt 2 fails');
    const chain = await fetchRunChain(suite.client, workflowId, handle.firstExecutionRunId);
    expect(chain.map(({ history }) => eventTypes(history).at(-1))).toEqual([
      'WorkflowExecutionFailed',
      'WorkflowExecutionFailed',
    ]);
  });

  test('a workflow retry policy runs new attempts until one succeeds and the client follows them', async () => {
    const workflowId = suite.uniqueId('workflow-retry');
    const handle = await suite.start(succeedsOnAttempt, {
      workflowId,
      args: [3],
      retry: { initialInterval: '1s', backoffCoefficient: 1, maximumAttempts: 5 },
    });

    expect(await handle.result()).toBe(3);

    const chain = await fetchRunChain(suite.client, workflowId, handle.firstExecutionRunId);
    expect(chain.map(({ history }) => eventTypes(history).at(-1))).toEqual([
      'WorkflowExecutionFailed',
      'WorkflowExecutionFailed',
      'WorkflowExecutionCompleted',
    ]);
    expect(chain.map(({ history }) => history.events?.[0].workflowExecutionStartedEventAttributes?.attempt)).toEqual([
      1, 2, 3,
    ]);
  });

  test('records a patch marker and takes the patched branch', async () => {
    const handle = await suite.start(patchedGreeting, { workflowId: suite.uniqueId('patched') });

    expect(await handle.result()).toBe('hello v2');
    expect(eventTypes(await handle.fetchHistory())).toContain('MarkerRecorded');
  });
});

describe('signals and queries', () => {
  test('a query after two signals sees both', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('query-after-signals') });
    await handle.signal(addItem, 'first');
    await handle.signal(addItem, 'second');

    expect(await handle.query(items)).toEqual(['first', 'second']);

    await handle.signal(finish);
    expect(await handle.result()).toEqual(['first', 'second']);
  });

  test('signal-with-start starts the workflow once and signals the same run the second time', async () => {
    const workflowId = suite.uniqueId('signal-with-start');
    const options = { workflowId, taskQueue: suite.taskQueue, signal: addItem };
    const first = suite.runs.add(
      await suite.client.workflow.signalWithStart(collector, { ...options, signalArgs: ['first'] }),
    );
    const second = await suite.client.workflow.signalWithStart(collector, { ...options, signalArgs: ['second'] });

    expect(second.signaledRunId).toBe(first.signaledRunId);
    await first.signal(finish);
    expect(await first.result()).toEqual(['first', 'second']);
    const types = eventTypes(await first.fetchHistory());
    expect(types.filter((t) => t === 'WorkflowExecutionStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'WorkflowExecutionSignaled')).toHaveLength(3);
  });

  test('signal-with-start on the id of a closed workflow starts a new run', async () => {
    const workflowId = suite.uniqueId('signal-with-start-again');
    const options = { workflowId, taskQueue: suite.taskQueue, signal: addItem };
    const first = suite.runs.add(
      await suite.client.workflow.signalWithStart(collector, { ...options, signalArgs: ['first run'] }),
    );
    await first.signal(finish);
    expect(await first.result()).toEqual(['first run']);

    const second = await suite.client.workflow.signalWithStart(collector, { ...options, signalArgs: ['second run'] });

    expect(second.signaledRunId).not.toBe(first.signaledRunId);
    suite.runs.addById(workflowId, second.signaledRunId);
    expect(await second.query(items)).toEqual(['second run']);
    await second.signal(finish);
    expect(await suite.client.workflow.getHandle(workflowId, second.signaledRunId).result()).toEqual(['second run']);
  });

  test('a closed workflow still answers queries from its final state', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('query-closed') });
    await handle.signal(addItem, 'last word');
    await handle.signal(finish);
    await handle.result();

    expect(await handle.query(items)).toEqual(['last word']);
  });

  test('a query the workflow has no handler for fails naming the query', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('query-unknown') });

    const failure = await handle.query('engagementRate').catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(QueryNotRegisteredError);
    expect((failure as Error).message).toContain('engagementRate');
    await handle.signal(finish);
    await handle.result();
  });

  test('a query that rejects closed workflows is rejected with the workflow status', async () => {
    const handle = await suite.start(quick, { workflowId: suite.uniqueId('query-rejected'), args: ['done'] });
    await handle.result();
    const strict = new Client({
      connection: suite.env.connection,
      namespace: namespace(),
      workflow: { queryRejectCondition: 'NOT_OPEN' },
    });

    const rejection = await strict.workflow
      .getHandle(handle.workflowId)
      .query(items)
      .catch((err: unknown) => err);

    expect(rejection).toBeInstanceOf(QueryRejectedError);
    expect((rejection as QueryRejectedError).status).toBe(
      temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
    );
  });

  test('signal, cancel, terminate and update of a closed workflow fail with WorkflowNotFoundError', async () => {
    const handle = await suite.start(quick, { workflowId: suite.uniqueId('closed-messages'), args: ['done'] });
    await handle.result();

    await expect(handle.signal(addItem, 'too late')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.cancel()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.terminate()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.executeUpdate(setLimit, { args: [1] })).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  test('a signal that arrives while a workflow task is open is delivered in the next task, which comes with the completion', async () => {
    const handle = await suite.start(signalsItselfDuringTask, { workflowId: suite.uniqueId('signal-during-task') });

    expect(await handle.result()).toEqual(['sent while the task was open']);

    const history = await handle.fetchHistory();
    // The signal was sent from a local activity, so it lands after the task that ran it.
    expect(eventTypes(history)).toEqual([
      'WorkflowExecutionStarted',
      ...WORKFLOW_TASK,
      'MarkerRecorded',
      'TimerStarted',
      'WorkflowExecutionSignaled',
      ...WORKFLOW_TASK,
      'TimerCanceled',
      'WorkflowExecutionCompleted',
    ]);
    expect(eventsOfType(history, 'WorkflowTaskStarted').map(startedInCompletion)).toEqual([false, true]);
  });
});

describe('messages while a workflow task is running', () => {
  test('a signal that arrives while the workflow completes is not lost: the completion is turned back', async () => {
    const workflowId = suite.uniqueId('signal-while-completing');
    const handle = await suite.start(completesWhileSignalled, { workflowId });
    await eventually('the workflow task is held at the gate', () => suite.probe.atGate.has(workflowId));

    await handle.signal(addItem, 'arrived during the last task');
    suite.probe.openGate(workflowId);

    expect(await handle.result()).toEqual(['arrived during the last task']);
    const history = await handle.fetchHistory();
    const [failed] = eventsOfType(history, 'WorkflowTaskFailed');
    expect(failed?.workflowTaskFailedEventAttributes?.cause).toBe(
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    );
    const types = eventTypes(history);
    expect(
      inOrder(types, ['WorkflowTaskFailed', 'WorkflowExecutionSignaled', 'WorkflowExecutionCompleted']),
    ).toHaveLength(3);
  });

  test("an update's workflow task is written with the times its worker saw, so a replay sees the same clock", async () => {
    const workflowId = suite.uniqueId('update-clock');
    const handle = await suite.start(clockReader, { workflowId });
    const seen = handle.executeUpdate(clockSeen);
    await eventually('the update task is held at the gate', () => suite.probe.atGate.has(workflowId));
    // The server's clock runs on while the worker holds the task.
    await new Promise((resolve) => setTimeout(resolve, 300));
    suite.probe.openGate(workflowId);
    const seenAt = await seen;
    await handle.result();

    const events = (await handle.fetchHistory()).events ?? [];
    const accepted = events.findIndex((e) => eventTypeName(e) === 'WorkflowExecutionUpdateAccepted');
    const started = events
      .slice(0, accepted)
      .reverse()
      .find((e) => eventTypeName(e) === 'WorkflowTaskStarted');
    expect(protoMs(started?.eventTime)).toBe(seenAt);
  });

  test('a signal that arrives while the workflow continues as new is not lost: the completion is turned back', async () => {
    const workflowId = suite.uniqueId('signal-while-continuing');
    const handle = await suite.start(continuesAsNewWhileSignalled, { workflowId });
    await eventually('the workflow task is held at the gate', () => suite.probe.atGate.has(workflowId));

    await handle.signal(addItem, 'arrived during the last task');
    suite.probe.openGate(workflowId);

    expect(await handle.result()).toEqual(['arrived during the last task']);
    const firstRun = await suite.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
    const [failed] = eventsOfType(firstRun, 'WorkflowTaskFailed');
    expect(failed?.workflowTaskFailedEventAttributes?.cause).toBe(
      temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    );
    expect(
      inOrder(eventTypes(firstRun), [
        'WorkflowTaskFailed',
        'WorkflowExecutionSignaled',
        'WorkflowExecutionContinuedAsNew',
      ]),
    ).toHaveLength(3);
  });

  test('an update sent while a workflow task is running is delivered in the next task, which comes with the completion', async () => {
    const workflowId = suite.uniqueId('update-mid-task');
    const handle = await suite.start(gatedCollector, { workflowId });
    await eventually('the workflow task is held at the gate', () => suite.probe.atGate.has(workflowId));

    const update = handle.executeUpdate(setLimit, { args: [1], updateId: 'limit' });
    await eventually('the server has the update', () =>
      suite.client.workflowService
        .pollWorkflowExecutionUpdate({
          namespace: namespace(),
          updateRef: { workflowExecution: { workflowId }, updateId: 'limit' },
          waitPolicy: {
            lifecycleStage:
              temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage
                .UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED,
          },
        })
        .then(
          () => true,
          () => false,
        ),
    );
    suite.probe.openGate(workflowId);

    expect(await update).toBe(10);
    await handle.signal(addItem, 'the only one');
    expect(await handle.result()).toEqual(['the only one']);
    const history = await handle.fetchHistory();
    expect(eventTypes(history)).toEqual([
      'WorkflowExecutionStarted',
      ...WORKFLOW_TASK,
      'MarkerRecorded',
      ...WORKFLOW_TASK,
      'WorkflowExecutionUpdateAccepted',
      'TimerStarted',
      'TimerFired',
      ...WORKFLOW_TASK,
      'WorkflowExecutionUpdateCompleted',
      'WorkflowExecutionSignaled',
      ...WORKFLOW_TASK,
      'WorkflowExecutionCompleted',
    ]);
    expect(startedInCompletion(eventsOfType(history, 'WorkflowTaskStarted')[1])).toBe(true);
  });

  test('a query sent while a workflow task is running is answered from the state that task leaves', async () => {
    const workflowId = suite.uniqueId('query-mid-task');
    const handle = await suite.start(queriedMidTask, { workflowId });
    await eventually('the workflow task is held at the gate', () => suite.probe.atGate.has(workflowId));

    const answer = handle.query(stage);
    suite.probe.openGate(workflowId);

    expect(await answer).toBe('through the gate');
    await handle.signal(finish);
    expect(await handle.result()).toBe('through the gate');
  });
});

describe('updates', () => {
  test('an accepted update returns its result, changes the workflow and is recorded', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('update-accepted') });

    expect(await handle.executeUpdate(setLimit, { args: [2] })).toBe(10);
    await handle.signal(addItem, 'one');
    await handle.signal(addItem, 'two');

    expect(await handle.result()).toEqual(['one', 'two']);
    const types = eventTypes(await handle.fetchHistory());
    const update = ['WorkflowExecutionUpdateAccepted', 'WorkflowExecutionUpdateCompleted'];
    expect(inOrder(types, update)).toEqual(update);
  });

  test('an update its validator rejects fails for the caller and writes nothing to history', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('update-rejected') });
    await handle.signal(addItem, 'kept');
    expect(await handle.query(items)).toEqual(['kept']);
    const before = (await handle.fetchHistory()).events ?? [];

    const rejection = await handle.executeUpdate(setLimit, { args: [-1] }).catch((err: unknown) => err);

    expect(rejection).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((rejection as WorkflowUpdateFailedError).cause?.message).toMatch(/must not be negative/);
    const after = (await handle.fetchHistory()).events ?? [];
    expect(after.map(eventTypeName)).toEqual(before.map(eventTypeName));
    expect(await handle.query(items)).toEqual(['kept']);

    await handle.signal(finish);
    expect(await handle.result()).toEqual(['kept']);
  });

  test('an update whose handler fails after acceptance reports the failure and records it', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('update-fails') });

    const failure = await handle.executeUpdate(removeItem, { args: ['missing'] }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((failure as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
    expect((failure as WorkflowUpdateFailedError).cause).toMatchObject({
      type: 'NoSuchItem',
      message: 'there is no item missing',
    });
    const completed = eventsOfType(await handle.fetchHistory(), 'WorkflowExecutionUpdateCompleted');
    expect(completed).toHaveLength(1);
    expect(completed[0].workflowExecutionUpdateCompletedEventAttributes?.outcome?.failure?.message).toBe(
      'there is no item missing',
    );
    await handle.signal(finish);
    await handle.result();
  });

  test('an update of a name the workflow does not handle is rejected and writes nothing', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('update-unknown') });
    expect(await handle.query(items)).toEqual([]);
    const before = eventTypes(await handle.fetchHistory());

    await expect(handle.executeUpdate('renameCampaign', { args: ['spring'] })).rejects.toBeInstanceOf(
      WorkflowUpdateFailedError,
    );

    expect(eventTypes(await handle.fetchHistory())).toEqual(before);
    await handle.signal(finish);
    await handle.result();
  });

  test('an update sent twice with the same id runs once and both callers get its result', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('update-dedup') });

    expect(await handle.executeUpdate(setLimit, { args: [4], updateId: 'raise-limit' })).toBe(10);
    // A retried request with the same id must not apply the update again (it would answer 4).
    expect(await handle.executeUpdate(setLimit, { args: [4], updateId: 'raise-limit' })).toBe(10);

    expect(eventsOfType(await handle.fetchHistory(), 'WorkflowExecutionUpdateAccepted')).toHaveLength(1);
    await handle.signal(finish);
    await handle.result();
  });

  test('an update started without waiting can be awaited later through its id', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('update-handle') });

    const started = await handle.startUpdate(setLimit, {
      args: [7],
      updateId: 'later',
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    const elsewhere = suite.client.workflow.getHandle(handle.workflowId).getUpdateHandle<number>('later');

    expect(await elsewhere.result()).toBe(10);
    expect(await started.result()).toBe(10);
    await handle.signal(finish);
    await handle.result();
  });

  test('update-with-start whose update is rejected still starts the workflow', async () => {
    const workflowId = suite.uniqueId('update-with-start-rejected');
    const operation = new WithStartWorkflowOperation(collector, {
      workflowId,
      taskQueue: suite.taskQueue,
      workflowIdConflictPolicy: 'FAIL',
    });

    await expect(
      suite.client.workflow.executeUpdateWithStart(setLimit, { args: [-5], startWorkflowOperation: operation }),
    ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);

    const handle = suite.runs.add(await operation.workflowHandle());
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(eventTypes(await handle.fetchHistory())).not.toContain('WorkflowExecutionUpdateAccepted');
    await handle.signal(finish);
    expect(await handle.result()).toEqual([]);
  });

  test('update-with-start starts the workflow, and the next call updates the same run', async () => {
    const workflowId = suite.uniqueId('update-with-start');
    const startOperation = () =>
      new WithStartWorkflowOperation(collector, {
        workflowId,
        taskQueue: suite.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
      });

    const firstOperation = startOperation();
    expect(
      await suite.client.workflow.executeUpdateWithStart(setLimit, {
        args: [2],
        startWorkflowOperation: firstOperation,
      }),
    ).toBe(10);
    const handle = suite.runs.add(await firstOperation.workflowHandle());

    // Answering 2, the limit the first call set, shows the second update reached the same run.
    expect(
      await suite.client.workflow.executeUpdateWithStart(setLimit, {
        args: [1],
        startWorkflowOperation: startOperation(),
      }),
    ).toBe(2);

    await handle.signal(addItem, 'only one needed');
    expect(await handle.result()).toEqual(['only one needed']);
    const types = eventTypes(await handle.fetchHistory());
    expect(types.filter((t) => t === 'WorkflowExecutionStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'WorkflowExecutionUpdateCompleted')).toHaveLength(2);
  });
});

describe('cancelling and terminating', () => {
  test('a cancelled workflow runs its non-cancellable cleanup and ends cancelled', async () => {
    const workflowId = suite.uniqueId('cancel-cleanup');
    const handle = await suite.start(cleanupOnCancel, { workflowId });
    await waitForEvent(handle, 'TimerStarted');

    await handle.cancel();

    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(suite.probe.cleanedUp).toContain(workflowId);
    expect(eventTypes(await handle.fetchHistory())).toEqual([
      'WorkflowExecutionStarted',
      ...WORKFLOW_TASK,
      'TimerStarted',
      'WorkflowExecutionCancelRequested',
      ...WORKFLOW_TASK,
      'TimerCanceled',
      'ActivityTaskScheduled',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      ...WORKFLOW_TASK,
      'WorkflowExecutionCanceled',
    ]);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  test('a terminated workflow ends at once with the reason given', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('terminate') });
    await handle.signal(addItem, 'never finished');

    await handle.terminate('campaign withdrawn');

    const error = await handle.result().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    const last = (await handle.fetchHistory()).events?.at(-1);
    expect(last && eventTypeName(last)).toBe('WorkflowExecutionTerminated');
    expect(last?.workflowExecutionTerminatedEventAttributes?.reason).toBe('campaign withdrawn');
  });
});

describe('workflow tasks', () => {
  test('a workflow task that fails is recorded once and retried while the workflow stays running', async () => {
    // Not recorded for replay: its code fails every task by design.
    const handle = await suite.client.workflow.start(brokenCode, {
      taskQueue: suite.taskQueue,
      workflowId: suite.uniqueId('broken-code'),
    });

    try {
      await eventually(
        'the failed task is retried',
        async () => ((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) >= 2,
      );

      expect((await handle.describe()).status.name).toBe('RUNNING');
      const failed = eventsOfType(await handle.fetchHistory(), 'WorkflowTaskFailed');
      expect(failed).toHaveLength(1);
      expect(failed[0].workflowTaskFailedEventAttributes?.failure?.message).toContain('a bug in the workflow code');
    } finally {
      // Its task would otherwise keep failing for the rest of the file.
      await handle.terminate('fixed in the next release');
    }
  });

  test('a workflow carries on with a new worker after its worker shuts down', async () => {
    const taskQueue = suite.uniqueId('restarted-worker');
    const handle = suite.runs.add(
      await suite.client.workflow.start(collector, { taskQueue, workflowId: suite.uniqueId('worker-restart') }),
    );
    const { activities } = createActivities({ client: suite.client });
    const worker = () =>
      Worker.create({
        connection: suite.env.nativeConnection,
        namespace: namespace(),
        taskQueue,
        workflowBundle: suite.workflowBundle,
        activities,
      });

    await (
      await worker()
    ).runUntil(async () => {
      await handle.signal(addItem, 'before the restart');
      expect(await handle.query(items)).toEqual(['before the restart']);
    });
    await handle.signal(addItem, 'while no worker ran');

    await (
      await worker()
    ).runUntil(async () => {
      expect(await handle.query(items)).toEqual(['before the restart', 'while no worker ran']);
      await handle.signal(finish);
      expect(await handle.result()).toEqual(['before the restart', 'while no worker ran']);
    });
  });

  test('workflows evicted from a small worker cache carry on from their full history', async () => {
    const taskQueue = suite.uniqueId('small-cache');
    const { activities } = createActivities({ client: suite.client });
    const worker = await Worker.create({
      connection: suite.env.nativeConnection,
      namespace: namespace(),
      taskQueue,
      workflowBundle: suite.workflowBundle,
      activities,
      maxCachedWorkflows: 2,
      maxConcurrentWorkflowTaskExecutions: 2,
    });

    await worker.runUntil(async () => {
      const handles = await Promise.all(
        [1, 2, 3, 4, 5].map(async (n) =>
          suite.runs.add(
            await suite.client.workflow.start(collector, { taskQueue, workflowId: suite.uniqueId(`evicted-${n}`) }),
          ),
        ),
      );
      for (const round of ['first', 'second', 'third']) {
        for (const handle of handles) await handle.signal(addItem, round);
        for (const handle of handles) expect(await handle.query(items)).toEqual(expect.arrayContaining([round]));
      }
      for (const handle of handles) await handle.signal(finish);
      for (const handle of handles) expect(await handle.result()).toEqual(['first', 'second', 'third']);
    });
  });

  test('a workflow task the worker holds past its timeout times out and goes to the next poller', async () => {
    const taskQueue = suite.uniqueId('hand-polled');
    const workflowId = suite.uniqueId('task-timeout');
    const handle = suite.runs.add(
      await suite.client.workflow.start(quick, { taskQueue, workflowId, args: ['by hand'], workflowTaskTimeout: '1s' }),
    );
    const poll = () =>
      suite.client.workflowService.pollWorkflowTaskQueue({
        namespace: namespace(),
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        identity: 'hand poller',
      });

    const abandoned = await poll();
    expect(abandoned.taskToken?.length).toBeGreaterThan(0);
    await waitForEvent(handle, 'WorkflowTaskTimedOut');
    const retried = await poll();
    expect(retried.attempt).toBe(2);
    await suite.client.workflowService.respondWorkflowTaskCompleted({
      namespace: namespace(),
      taskToken: retried.taskToken,
      identity: 'hand poller',
      commands: [
        {
          commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
          completeWorkflowExecutionCommandAttributes: {
            result: { payloads: [defaultPayloadConverter.toPayload('by hand')] },
          },
        },
      ],
    });

    expect(await handle.result()).toBe('by hand');
    expect(eventTypes(await handle.fetchHistory())).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskTimedOut',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
  });
});

describe('describe, results and history', () => {
  test('describe reports the history length and, once closed, the close time', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('describe-closed') });
    await handle.signal(finish);
    await handle.result();

    const description = await handle.describe();
    expect(description.historyLength).toBe(((await handle.fetchHistory()).events ?? []).length);
    expect(description.closeTime).toBeInstanceOf(Date);
    expect(description.closeTime!.getTime()).toBeGreaterThanOrEqual(description.startTime.getTime());
  });

  test('describe shows a running workflow with its pending activity and pending child', async () => {
    const workflowId = suite.uniqueId('describe-pending');
    const handle = await suite.start(awaitsActivityAndChild, { workflowId });
    suite.runs.addById(`${workflowId}-child`);

    const pending = await eventually('the activity and the child are pending', async () => {
      const { raw } = await handle.describe();
      return raw.pendingActivities?.length === 1 && raw.pendingChildren?.length === 1 && raw;
    });
    expect(pending.workflowExecutionInfo?.status).toBe(
      temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
    );
    expect(pending.pendingActivities?.[0].activityType?.name).toBe('awaitApproval');
    expect(pending.pendingChildren?.[0]).toMatchObject({
      workflowId: `${workflowId}-child`,
      workflowTypeName: 'collector',
    });

    const taskToken = await eventually('the activity handed out its task token', () =>
      suite.probe.taskTokens.get(workflowId),
    );
    await suite.client.activity.complete(taskToken, 'approved');
    await suite.client.workflow.getHandle(`${workflowId}-child`).signal(finish);

    expect(await handle.result()).toBe('approved; child collected 0');
    const after = await handle.describe();
    expect(after.status.name).toBe('COMPLETED');
    expect(after.raw.pendingActivities ?? []).toHaveLength(0);
    expect(after.raw.pendingChildren ?? []).toHaveLength(0);
  });

  test('a long-poll for the close event waits for the workflow to close and returns only that event', async () => {
    const workflowId = suite.uniqueId('long-poll');
    const handle = await suite.start(collector, { workflowId });
    let settled = false;
    const poll = suite.client.workflowService
      .getWorkflowExecutionHistory({
        namespace: namespace(),
        execution: { workflowId },
        waitNewEvent: true,
        historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
      })
      .finally(() => (settled = true));

    await handle.signal(addItem, 'late');
    expect(await handle.query(items)).toEqual(['late']);
    expect(settled).toBe(false);
    await handle.signal(finish);

    const response = await poll;
    expect((response.history?.events ?? []).map(eventTypeName)).toEqual(['WorkflowExecutionCompleted']);
    expect(await handle.result()).toEqual(['late']);
  });

  test('a long history is fetched page by page with a small page size', async () => {
    const workflowId = suite.uniqueId('history-paging');
    const handle = await suite.start(manyTimers, { workflowId, args: [30] });
    expect(await handle.result()).toBe(30);
    const full = (await handle.fetchHistory()).events ?? [];

    const pages: number[][] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const response = await suite.client.workflowService.getWorkflowExecutionHistory({
        namespace: namespace(),
        execution: { workflowId, runId: handle.firstExecutionRunId },
        maximumPageSize: 10,
        nextPageToken,
      });
      pages.push((response.history?.events ?? []).map((e) => Number(e.eventId)));
      nextPageToken = response.nextPageToken?.length ? response.nextPageToken : undefined;
    } while (nextPageToken && pages.length < 100);

    expect(full.length).toBeGreaterThan(100);
    expect(pages.length).toBeGreaterThan(5);
    expect(pages.flat()).toEqual(full.map((_e, i) => i + 1));
  });
});

test('every history this file produced replays without a determinism error', async () => {
  expect(await replayFailures(suite)).toEqual([]);
});
