/**
 * Workflows that act on other workflows: child workflows (result, parent close policy,
 * cancellation), signalling and cancelling external workflows, and continue-as-new chains.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import {
  accumulator,
  cancelsChild,
  cancelsExternal,
  cleanupOnCancel,
  collector,
  fanOut,
  leavesChildBehind,
  parentOfAccumulator,
  parentOfDoubler,
  parentOfFailingChild,
  parentOfSleeper,
  signalsExternal,
  startsDuplicateChild,
  waitsOnChild,
} from './fixtures/workflows';
import { finish, items } from './fixtures/messages';
import {
  eventTypes,
  eventually,
  fetchRunChain,
  inOrder,
  replayFailures,
  startSuite,
  waitForEvent,
  WORKFLOW_TASK,
  type DevServerSuite,
} from './helpers';

let suite: DevServerSuite;

beforeAll(async () => {
  suite = await startSuite({ taskQueue: 'devserver-children' });
});

afterAll(async () => {
  await suite?.stop();
});

const statusOf = async (workflowId: string) =>
  (await suite.client.workflow.getHandle(workflowId).describe()).status.name;

describe('child workflows', () => {
  test("a child's result reaches its parent", async () => {
    const workflowId = suite.uniqueId('parent');
    const handle = await suite.start(parentOfDoubler, { workflowId, args: [20] });
    suite.runs.addById(`${workflowId}-child`);

    expect(await handle.result()).toBe(41);

    const sequence = [
      'StartChildWorkflowExecutionInitiated',
      'ChildWorkflowExecutionStarted',
      'ChildWorkflowExecutionCompleted',
      'WorkflowExecutionCompleted',
    ];
    expect(inOrder(eventTypes(await handle.fetchHistory()), sequence)).toEqual(sequence);
    const child = await suite.client.workflow.getHandle(`${workflowId}-child`).describe();
    expect(child.status.name).toBe('COMPLETED');
    expect(child.parentExecution).toMatchObject({ workflowId, runId: handle.firstExecutionRunId });
  });

  test('a parent that starts ten children at once gets every result', async () => {
    const workflowId = suite.uniqueId('fan-out');
    const numbers = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const handle = await suite.start(fanOut, { workflowId, args: [numbers] });
    numbers.forEach((_n, i) => suite.runs.addById(`${workflowId}-child-${i}`));

    expect(await handle.result()).toBe(110);
    const types = eventTypes(await handle.fetchHistory());
    expect(types.filter((t) => t === 'StartChildWorkflowExecutionInitiated')).toHaveLength(10);
    expect(types.filter((t) => t === 'ChildWorkflowExecutionCompleted')).toHaveLength(10);
  });

  test("time skips for a child's timer while the client waits on its parent", async () => {
    const workflowId = suite.uniqueId('parent-of-sleeper');
    const handle = await suite.start(parentOfSleeper, { workflowId });
    suite.runs.addById(`${workflowId}-child`);

    expect(await handle.result()).toBe('woke');
  });

  test("a child's failure reaches its parent as a child workflow failure", async () => {
    const workflowId = suite.uniqueId('failing-child');
    const handle = await suite.start(parentOfFailingChild, { workflowId });
    suite.runs.addById(`${workflowId}-child`);

    expect(await handle.result()).toBe('child failed: the child broke');
    expect(eventTypes(await handle.fetchHistory())).toContain('ChildWorkflowExecutionFailed');
  });

  test('a child started under the id of a running workflow fails to start in the parent', async () => {
    const running = await suite.start(collector, { workflowId: suite.uniqueId('taken-id') });
    const handle = await suite.start(startsDuplicateChild, {
      workflowId: suite.uniqueId('duplicate-child'),
      args: [{ childId: running.workflowId }],
    });

    expect(await handle.result()).toBe('already started');
    expect(eventTypes(await handle.fetchHistory())).toContain('StartChildWorkflowExecutionFailed');
    expect(await running.query(items)).toEqual([]);
    await running.signal(finish);
    await running.result();
  });

  test('a child that continues as new hands its final result to the parent', async () => {
    const workflowId = suite.uniqueId('parent-of-chain');
    const handle = await suite.start(parentOfAccumulator, { workflowId });
    suite.runs.addById(`${workflowId}-child`);

    expect(await handle.result()).toEqual(['run 1', 'run 2', 'run 3']);
  });

  test('terminating a parent terminates its child under the default close policy', async () => {
    const workflowId = suite.uniqueId('terminated-parent');
    const handle = await suite.start(waitsOnChild, { workflowId });
    const childStarted = await waitForEvent(handle, 'ChildWorkflowExecutionStarted');
    const childRunId = childStarted.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.runId ?? undefined;
    suite.runs.addById(`${workflowId}-child`, childRunId);

    await handle.terminate('campaign withdrawn');

    await eventually('the child is terminated', async () => (await statusOf(`${workflowId}-child`)) === 'TERMINATED');
  });

  test('parent close policy TERMINATE terminates the child when the parent completes', async () => {
    const handle = await suite.start(leavesChildBehind, {
      workflowId: suite.uniqueId('close-terminate'),
      args: ['TERMINATE'],
    });
    const childId = await handle.result();
    suite.runs.addById(childId);

    await eventually('the child is terminated', async () => (await statusOf(childId)) === 'TERMINATED');
  });

  test('parent close policy REQUEST_CANCEL cancels the child when the parent completes', async () => {
    const handle = await suite.start(leavesChildBehind, {
      workflowId: suite.uniqueId('close-cancel'),
      args: ['REQUEST_CANCEL'],
    });
    const childId = await handle.result();
    suite.runs.addById(childId);

    const error = await suite.client.workflow
      .getHandle(childId)
      .result()
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(eventTypes(await suite.client.workflow.getHandle(childId).fetchHistory())).toContain(
      'WorkflowExecutionCancelRequested',
    );
  });

  test('parent close policy ABANDON leaves the child running after the parent completes', async () => {
    const handle = await suite.start(leavesChildBehind, {
      workflowId: suite.uniqueId('close-abandon'),
      args: ['ABANDON'],
    });
    const childId = await handle.result();
    suite.runs.addById(childId);
    const child = suite.client.workflow.getHandle<typeof collector>(childId);

    expect(await child.query(items)).toEqual([]);
    expect(await statusOf(childId)).toBe('RUNNING');

    await child.signal(finish);
    expect(await child.result()).toEqual([]);
  });

  test('a parent that cancels its child sees it cancelled after the child has cleaned up', async () => {
    const workflowId = suite.uniqueId('cancels-child');
    const handle = await suite.start(cancelsChild, { workflowId });
    suite.runs.addById(`${workflowId}-child`);

    expect(await handle.result()).toBe('child cancelled');

    expect(suite.probe.cleanedUp).toContain(`${workflowId}-child`);
    expect(await statusOf(`${workflowId}-child`)).toBe('CANCELLED');
    const sequence = [
      'ChildWorkflowExecutionStarted',
      'RequestCancelExternalWorkflowExecutionInitiated',
      'ChildWorkflowExecutionCanceled',
    ];
    expect(inOrder(eventTypes(await handle.fetchHistory()), sequence)).toEqual(sequence);
  });
});

describe('external workflows', () => {
  test('a workflow signals another, which receives the signal', async () => {
    const target = await suite.start(collector, { workflowId: suite.uniqueId('signal-target') });
    const sender = await suite.start(signalsExternal, {
      workflowId: suite.uniqueId('signal-sender'),
      args: [{ targetId: target.workflowId, item: 'from another workflow' }],
    });

    expect(await sender.result()).toBe('signalled');

    expect(await target.query(items)).toEqual(['from another workflow']);
    const sequence = ['SignalExternalWorkflowExecutionInitiated', 'ExternalWorkflowExecutionSignaled'];
    expect(inOrder(eventTypes(await sender.fetchHistory()), sequence)).toEqual(sequence);
    await target.signal(finish);
    expect(await target.result()).toEqual(['from another workflow']);
  });

  test('signalling a workflow that does not exist fails in the sending workflow', async () => {
    const sender = await suite.start(signalsExternal, {
      workflowId: suite.uniqueId('signal-nobody'),
      args: [{ targetId: suite.uniqueId('nobody'), item: 'lost' }],
    });

    expect(await sender.result()).toMatch(/^signal failed/);
    expect(eventTypes(await sender.fetchHistory())).toContain('SignalExternalWorkflowExecutionFailed');
  });

  test('a workflow cancels another, which runs its cleanup and ends cancelled', async () => {
    const target = await suite.start(cleanupOnCancel, { workflowId: suite.uniqueId('cancel-target') });
    await waitForEvent(target, 'TimerStarted');
    const canceller = await suite.start(cancelsExternal, {
      workflowId: suite.uniqueId('canceller'),
      args: [{ targetId: target.workflowId }],
    });

    expect(await canceller.result()).toBe('cancel requested');

    const error = await target.result().catch((err: unknown) => err);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(suite.probe.cleanedUp).toContain(target.workflowId);
    const sequence = ['RequestCancelExternalWorkflowExecutionInitiated', 'ExternalWorkflowExecutionCancelRequested'];
    expect(inOrder(eventTypes(await canceller.fetchHistory()), sequence)).toEqual(sequence);
  });
});

describe('continue-as-new', () => {
  test('each run carries its state into the next and the client follows the chain to the final result', async () => {
    const workflowId = suite.uniqueId('continue-as-new');
    const handle = await suite.start(accumulator, { workflowId, args: [{ entries: [], remaining: 3 }] });

    expect(await handle.result()).toEqual(['run 1', 'run 2', 'run 3', 'run 4']);

    const chain = await fetchRunChain(suite.client, workflowId, handle.firstExecutionRunId);
    const continued = ['WorkflowExecutionStarted', ...WORKFLOW_TASK, 'WorkflowExecutionContinuedAsNew'];
    expect(chain.map(({ history }) => eventTypes(history))).toEqual([
      continued,
      continued,
      continued,
      ['WorkflowExecutionStarted', ...WORKFLOW_TASK, 'WorkflowExecutionCompleted'],
    ]);
    const startedEvents = chain.map(({ history }) => history.events?.[0].workflowExecutionStartedEventAttributes);
    expect(startedEvents.map((e) => e?.continuedExecutionRunId || undefined)).toEqual([
      undefined,
      ...chain.slice(0, -1).map((r) => r.runId),
    ]);
    expect(startedEvents.every((e) => e?.firstExecutionRunId === handle.firstExecutionRunId)).toBe(true);
    expect((await suite.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).describe()).status.name).toBe(
      'CONTINUED_AS_NEW',
    );
    expect((await suite.client.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
  });
});

test('every history this file produced replays without a determinism error', async () => {
  expect(await replayFailures(suite)).toEqual([]);
});
