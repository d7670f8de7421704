/**
 * Activities on the offline server through the real SDK: server-side retries, non-retryable
 * failures, the timeouts, heartbeats and their details, cancellation and async completion.
 */
import { ActivityCancelledError, ActivityNotFoundError, WorkflowFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  defaultPayloadConverter,
  TimeoutFailure,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  approvalWithDeadline,
  awaitsApproval,
  cancelsHeartbeatingActivity,
  exhaustsRetries,
  flakyActivity,
  flakyWithLongBackoff,
  greetEveryone,
  greetThrice,
  heartbeatsThroughLongWork,
  heartbeatTimeoutRetries,
  neverPickedUp,
  publishesUntilCancelled,
  refusedPublish,
  resumesFromHeartbeat,
  stalledPastScheduleToClose,
  stalledPastStartToClose,
  stopsHeartbeating,
  withdrawableApproval,
} from './fixtures/workflows';
import { cancelActivity, finish } from './fixtures/messages';
import {
  eventsOfType,
  eventTypes,
  eventually,
  inOrder,
  protoMs,
  replayFailures,
  startSuite,
  waitForEvent,
  WORKFLOW_TASK,
  type DevServerSuite,
} from './helpers';

let suite: DevServerSuite;

beforeAll(async () => {
  suite = await startSuite({ taskQueue: 'devserver-activities' });
});

afterAll(async () => {
  await suite?.stop();
});

/** The failure chain a workflow that let its activity's failure through ends with. */
async function activityFailureOf(handle: { result(): Promise<unknown> }): Promise<ActivityFailure> {
  const error = await handle.result().catch((err: unknown) => err);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ActivityFailure);
  return cause as ActivityFailure;
}

describe('results and retries', () => {
  test('each activity result feeds the next step of the workflow', async () => {
    const handle = await suite.start(greetThrice, { workflowId: suite.uniqueId('greet-thrice'), args: ['team'] });

    expect(await handle.result()).toBe('hello hello hello team');
    const activity = ['ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCompleted'];
    expect(eventTypes(await handle.fetchHistory())).toEqual([
      'WorkflowExecutionStarted',
      ...WORKFLOW_TASK,
      ...activity,
      ...WORKFLOW_TASK,
      ...activity,
      ...WORKFLOW_TASK,
      ...activity,
      ...WORKFLOW_TASK,
      'WorkflowExecutionCompleted',
    ]);
  });

  test('activities scheduled together each return their own result', async () => {
    const names = ['ana', 'bo', 'cy', 'di', 'ed', 'flo', 'gus', 'hal'];
    const handle = await suite.start(greetEveryone, {
      workflowId: suite.uniqueId('fan-out-activities'),
      args: [names],
    });

    expect(await handle.result()).toEqual(names.map((name) => `hello ${name}`));
    expect(eventsOfType(await handle.fetchHistory(), 'ActivityTaskCompleted')).toHaveLength(names.length);
  });

  test('an activity failing twice succeeds on attempt 3 with one scheduled event in history', async () => {
    const handle = await suite.start(flakyActivity, { workflowId: suite.uniqueId('flaky-activity') });

    expect(await handle.result()).toBe(3);

    const history = await handle.fetchHistory();
    expect(eventTypes(history)).toEqual([
      'WorkflowExecutionStarted',
      ...WORKFLOW_TASK,
      'ActivityTaskScheduled',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      ...WORKFLOW_TASK,
      'WorkflowExecutionCompleted',
    ]);
    const started = eventsOfType(history, 'ActivityTaskStarted');
    expect(started[0].activityTaskStartedEventAttributes?.attempt).toBe(3);
    expect(started[0].activityTaskStartedEventAttributes?.lastFailure?.message).toBe('attempt 2 fails');
  });

  test('an activity that keeps failing stops at its maximum attempts with the last failure', async () => {
    const handle = await suite.start(exhaustsRetries, { workflowId: suite.uniqueId('maximum-attempts') });

    const failure = await activityFailureOf(handle);
    expect(failure.retryState).toBe('MAXIMUM_ATTEMPTS_REACHED');
    expect(failure.cause?.message).toBe('attempt 3 fails');
    const history = await handle.fetchHistory();
    expect(eventsOfType(history, 'ActivityTaskStarted')[0].activityTaskStartedEventAttributes?.attempt).toBe(3);
    expect(eventsOfType(history, 'ActivityTaskFailed')).toHaveLength(1);
  });

  test('describe shows an activity waiting to retry with its next attempt and last failure', async () => {
    const handle = await suite.start(flakyWithLongBackoff, { workflowId: suite.uniqueId('describe-retrying') });

    const pending = await eventually('the first attempt has failed', async () => {
      const activity = (await handle.describe()).raw.pendingActivities?.[0];
      return activity?.attempt === 2 && activity;
    });
    expect(pending.state).toBe(temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED);
    expect(pending.lastFailure?.message).toBe('attempt 1 fails');
    expect(pending.activityType?.name).toBe('failUntilAttempt');
    // The second attempt waits out the one-hour initial interval.
    expect(protoMs(pending.nextAttemptScheduleTime) - protoMs(pending.lastStartedTime)).toBeGreaterThanOrEqual(
      3_590_000,
    );

    expect(await handle.result()).toBe(3);
  });

  test('a non-retryable application failure fails the activity on its first attempt', async () => {
    const handle = await suite.start(refusedPublish, {
      workflowId: suite.uniqueId('non-retryable-failure'),
      args: [{ nonRetryable: true }],
    });

    const failure = await activityFailureOf(handle);
    expect(failure.retryState).toBe('NON_RETRYABLE_FAILURE');
    expect(failure.cause).toBeInstanceOf(ApplicationFailure);
    expect(failure.cause).toMatchObject({ type: 'AccountRevoked', nonRetryable: true });
    const history = await handle.fetchHistory();
    expect(eventsOfType(history, 'ActivityTaskStarted')[0].activityTaskStartedEventAttributes?.attempt).toBe(1);
    expect(eventsOfType(history, 'ActivityTaskFailed')).toHaveLength(1);
  });

  test('an error type the retry policy lists as non-retryable fails the activity on its first attempt', async () => {
    const handle = await suite.start(refusedPublish, {
      workflowId: suite.uniqueId('non-retryable-type'),
      args: [{ nonRetryable: false }],
    });

    const failure = await activityFailureOf(handle);
    expect(failure.retryState).toBe('NON_RETRYABLE_FAILURE');
    expect(failure.cause).toMatchObject({ type: 'ContentRefused', nonRetryable: false });
    const history = await handle.fetchHistory();
    expect(eventsOfType(history, 'ActivityTaskStarted')[0].activityTaskStartedEventAttributes?.attempt).toBe(1);
  });
});

describe('server-side defaults', () => {
  test('an activity scheduled with only a start-to-close timeout gets the default retry policy and no other timeouts', async () => {
    const handle = await suite.start(greetThrice, {
      workflowId: suite.uniqueId('activity-defaults'),
      args: ['defaults'],
    });
    await handle.result();

    const [scheduled] = eventsOfType(await handle.fetchHistory(), 'ActivityTaskScheduled');
    const attributes = scheduled.activityTaskScheduledEventAttributes;
    expect(protoMs(attributes?.startToCloseTimeout)).toBe(10_000);
    expect(protoMs(attributes?.scheduleToCloseTimeout)).toBe(0);
    expect(protoMs(attributes?.scheduleToStartTimeout)).toBe(0);
    expect(protoMs(attributes?.heartbeatTimeout)).toBe(0);
    expect(protoMs(attributes?.retryPolicy?.initialInterval)).toBe(1000);
    expect(attributes?.retryPolicy?.backoffCoefficient).toBe(2);
    expect(protoMs(attributes?.retryPolicy?.maximumInterval)).toBe(100_000);
    expect(attributes?.retryPolicy?.maximumAttempts ?? 0).toBe(0);
  });
});

describe('timeouts and heartbeats', () => {
  test('an attempt that stops heartbeating times out and the activity is retried', async () => {
    const handle = await suite.start(heartbeatTimeoutRetries, { workflowId: suite.uniqueId('heartbeat-timeout') });

    expect(await handle.result()).toBe(2);

    const started = eventsOfType(await handle.fetchHistory(), 'ActivityTaskStarted');
    expect(started).toHaveLength(1);
    expect(started[0].activityTaskStartedEventAttributes?.attempt).toBe(2);
    expect(started[0].activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
      temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
    );
  });

  test('an activity that keeps heartbeating runs past its heartbeat timeout on its first attempt', async () => {
    const handle = await suite.start(heartbeatsThroughLongWork, {
      workflowId: suite.uniqueId('heartbeating-long-work'),
    });

    expect(await handle.result()).toBe(1);
    expect(eventTypes(await handle.fetchHistory())).not.toContain('ActivityTaskTimedOut');
  });

  test('a heartbeat timeout failure carries the last heartbeat details', async () => {
    const handle = await suite.start(stopsHeartbeating, { workflowId: suite.uniqueId('heartbeat-timeout-details') });

    const failure = await activityFailureOf(handle);
    expect(failure.cause).toBeInstanceOf(TimeoutFailure);
    expect((failure.cause as TimeoutFailure).timeoutType).toBe('HEARTBEAT');
    expect((failure.cause as TimeoutFailure).lastHeartbeatDetails).toEqual({ progress: 10 });
  });

  test('the details an attempt heartbeats reach the next attempt', async () => {
    const handle = await suite.start(resumesFromHeartbeat, { workflowId: suite.uniqueId('heartbeat-details') });

    expect(await handle.result()).toEqual({ attempt: 2, resumedFrom: { progress: 10 } });
  });

  test('an activity no worker picks up fails with a SCHEDULE_TO_START timeout', async () => {
    const handle = await suite.start(neverPickedUp, { workflowId: suite.uniqueId('schedule-to-start') });

    const failure = await activityFailureOf(handle);
    expect(failure.cause).toBeInstanceOf(TimeoutFailure);
    expect((failure.cause as TimeoutFailure).timeoutType).toBe('SCHEDULE_TO_START');
    const types = eventTypes(await handle.fetchHistory());
    expect(types).toContain('ActivityTaskTimedOut');
    expect(types).not.toContain('ActivityTaskStarted');
  });

  test('an attempt running past its start-to-close timeout fails with a START_TO_CLOSE timeout', async () => {
    const handle = await suite.start(stalledPastStartToClose, { workflowId: suite.uniqueId('start-to-close') });

    const failure = await activityFailureOf(handle);
    expect(failure.cause).toBeInstanceOf(TimeoutFailure);
    expect((failure.cause as TimeoutFailure).timeoutType).toBe('START_TO_CLOSE');
    expect(eventTypes(await handle.fetchHistory())).toContain('ActivityTaskTimedOut');
  });

  test('an activity running past its schedule-to-close timeout fails with a SCHEDULE_TO_CLOSE timeout', async () => {
    const handle = await suite.start(stalledPastScheduleToClose, { workflowId: suite.uniqueId('schedule-to-close') });

    const failure = await activityFailureOf(handle);
    expect(failure.cause).toBeInstanceOf(TimeoutFailure);
    expect((failure.cause as TimeoutFailure).timeoutType).toBe('SCHEDULE_TO_CLOSE');
    const history = await handle.fetchHistory();
    expect(eventTypes(history)).toContain('ActivityTaskTimedOut');
    // Given only a schedule-to-close timeout, the server applies it to the other two as well.
    const attributes = eventsOfType(history, 'ActivityTaskScheduled')[0].activityTaskScheduledEventAttributes;
    expect(protoMs(attributes?.startToCloseTimeout)).toBe(1000);
    expect(protoMs(attributes?.scheduleToStartTimeout)).toBe(1000);
  });
});

describe('cancellation and async completion', () => {
  test('a cancellation the workflow requests reaches the heartbeating activity', async () => {
    const workflowId = suite.uniqueId('cancel-activity');
    const handle = await suite.start(cancelsHeartbeatingActivity, { workflowId });
    await eventually('the activity is running', async () => {
      const { raw } = await handle.describe();
      return (
        raw.pendingActivities?.[0]?.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
      );
    });

    await handle.signal(cancelActivity);

    expect(await handle.result()).toBe('activity cancelled');
    expect(suite.probe.sawCancellation).toContain(workflowId);
    const sequence = [
      'ActivityTaskScheduled',
      'ActivityTaskCancelRequested',
      'ActivityTaskCanceled',
      'WorkflowExecutionCompleted',
    ];
    expect(inOrder(eventTypes(await handle.fetchHistory()), sequence)).toEqual(sequence);
  });

  test('cancelling a workflow cancels its running activity without waiting for it', async () => {
    const workflowId = suite.uniqueId('cancel-workflow-with-activity');
    const handle = await suite.start(publishesUntilCancelled, { workflowId });
    await eventually('the activity is running', async () => {
      const { raw } = await handle.describe();
      return (
        raw.pendingActivities?.[0]?.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
      );
    });

    await handle.cancel();

    const error = await handle.result().catch((err: unknown) => err);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const sequence = ['WorkflowExecutionCancelRequested', 'ActivityTaskCancelRequested', 'WorkflowExecutionCanceled'];
    expect(inOrder(eventTypes(await handle.fetchHistory()), sequence)).toEqual(sequence);
    await eventually('the activity heard of the cancellation', () => suite.probe.sawCancellation.includes(workflowId));
  });

  test('an activity completed from outside learns of its cancellation from a heartbeat and reports it', async () => {
    const workflowId = suite.uniqueId('withdrawn-approval');
    const handle = await suite.start(withdrawableApproval, { workflowId });
    const taskToken = await eventually('the activity handed out its task token', () =>
      suite.probe.taskTokens.get(workflowId),
    );

    await handle.signal(cancelActivity);
    await eventually('a heartbeat reports the cancellation', () =>
      suite.client.activity.heartbeat(taskToken).then(
        () => false,
        (err: unknown) => err instanceof ActivityCancelledError,
      ),
    );
    await suite.client.activity.reportCancellation(taskToken);

    expect(await handle.result()).toBe('approval withdrawn');
    const sequence = ['ActivityTaskCancelRequested', 'ActivityTaskCanceled', 'WorkflowExecutionCompleted'];
    expect(inOrder(eventTypes(await handle.fetchHistory()), sequence)).toEqual(sequence);
  });

  test('an activity completed later by its task token completes with the given result', async () => {
    const workflowId = suite.uniqueId('complete-by-token');
    const handle = await suite.start(awaitsApproval, { workflowId });
    const taskToken = await eventually('the activity handed out its task token', () =>
      suite.probe.taskTokens.get(workflowId),
    );

    await suite.client.activity.complete(taskToken, 'approved by token');

    expect(await handle.result()).toBe('approved by token');
    expect(eventTypes(await handle.fetchHistory())).toContain('ActivityTaskCompleted');
  });

  test('an activity failed later by its task token fails the way the caller said', async () => {
    const workflowId = suite.uniqueId('fail-by-token');
    const handle = await suite.start(awaitsApproval, { workflowId });
    const taskToken = await eventually('the activity handed out its task token', () =>
      suite.probe.taskTokens.get(workflowId),
    );

    await suite.client.activity.fail(
      taskToken,
      ApplicationFailure.nonRetryable('the reviewer rejected it', 'Rejected'),
    );

    const failure = await activityFailureOf(handle);
    expect(failure.cause).toMatchObject({ message: 'the reviewer rejected it', type: 'Rejected' });
  });

  test("heartbeats sent from outside the worker by activity id show as the pending activity's details", async () => {
    const workflowId = suite.uniqueId('heartbeat-by-id');
    const handle = await suite.start(awaitsApproval, { workflowId });
    await eventually('the activity has started', () => suite.probe.taskTokens.has(workflowId));

    await suite.client.activity.heartbeat({ workflowId, activityId: 'approval' }, { reviewed: 2, of: 3 });

    const { raw } = await handle.describe();
    const details = raw.pendingActivities?.[0].heartbeatDetails?.payloads ?? [];
    expect(details.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([{ reviewed: 2, of: 3 }]);
    await suite.client.activity.complete({ workflowId, activityId: 'approval' }, 'approved after review');
    expect(await handle.result()).toBe('approved after review');
  });

  test('completing an activity after it timed out is refused and changes nothing', async () => {
    const workflowId = suite.uniqueId('complete-too-late');
    const handle = await suite.start(approvalWithDeadline, { workflowId });
    const taskToken = await eventually('the activity handed out its task token', () =>
      suite.probe.taskTokens.get(workflowId),
    );
    await waitForEvent(handle, 'ActivityTaskTimedOut');

    await expect(suite.client.activity.complete(taskToken, 'approved too late')).rejects.toBeInstanceOf(
      ActivityNotFoundError,
    );

    await handle.signal(finish);
    expect(await handle.result()).toBe('no approval in time');
    expect(eventTypes(await handle.fetchHistory())).not.toContain('ActivityTaskCompleted');
  });

  test('an activity completed later by workflow and activity id completes with the given result', async () => {
    const workflowId = suite.uniqueId('complete-by-id');
    const handle = await suite.start(awaitsApproval, { workflowId });
    await eventually('the activity has started', () => suite.probe.taskTokens.has(workflowId));

    await suite.client.activity.complete({ workflowId, activityId: 'approval' }, 'approved by id');

    expect(await handle.result()).toBe('approved by id');
    expect(eventTypes(await handle.fetchHistory())).toContain('ActivityTaskCompleted');
  });
});

test('every history this file produced replays without a determinism error', async () => {
  expect(await replayFailures(suite)).toEqual([]);
});
