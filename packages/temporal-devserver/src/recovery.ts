/**
 * Rebuilds the server's state from what the store holds, as on a restart: each open run's history
 * is read back and its pending work (workflow task, timers, activities, children, updates) derived
 * from it, with the mutable state the store kept beside it; then open runs carry on. Closed runs
 * stay in the store, and come back whole (`rebuildRun`) only when a client asks about one.
 */
import { randomUUID } from 'node:crypto';
import type { ServerContext } from './context';
import { eventAttributes, eventKind, type EventDraft } from './events';
import { Execution, type ActivityState, type ChildState, type UpdateState } from './execution';
import type { ExecutionStatus } from './executionStatus';
import type { Msg } from './protos';
import type { StoredRun, StoredState } from './store/store';
import { isSearchAttributeType } from './searchAttributes';
import { durToMs, tsToMs } from './time';
import type { ScheduledActivityAttributes, WireTime } from './wire';
import type { OpenWorkflowTask } from './workflowTasks';

const CLOSE_STATUS: Record<string, ExecutionStatus> = {
  WorkflowExecutionCompleted: 'Completed',
  WorkflowExecutionFailed: 'Failed',
  WorkflowExecutionTimedOut: 'TimedOut',
  WorkflowExecutionCanceled: 'Canceled',
  WorkflowExecutionTerminated: 'Terminated',
  WorkflowExecutionContinuedAsNew: 'ContinuedAsNew',
};

const ACTIVITY_CLOSE = new Set([
  'ActivityTaskCompleted',
  'ActivityTaskFailed',
  'ActivityTaskTimedOut',
  'ActivityTaskCanceled',
]);
const CHILD_CLOSE = new Set([
  'StartChildWorkflowExecutionFailed',
  'ChildWorkflowExecutionCompleted',
  'ChildWorkflowExecutionFailed',
  'ChildWorkflowExecutionCanceled',
  'ChildWorkflowExecutionTimedOut',
  'ChildWorkflowExecutionTerminated',
]);

/** What a run's history says is pending on it. */
interface Pending {
  workflowTask?: OpenWorkflowTask;
  /** No workflow task was ever scheduled, or the last one failed: one is due. */
  needsTask: boolean;
  timers: Map<string, { startedEventId: number; at: number }>;
  activities: Map<number, { attributes: ScheduledActivityAttributes; time: number; cancelRequestedEventId?: number }>;
}

const eventTime = (event: Msg): number => tsToMs(event.eventTime as WireTime | undefined) ?? 0;

export interface RestartOptions {
  /** The workers went with the last process: what they had started will never be answered. */
  workersGone: boolean;
}

export function restoreState(server: ServerContext, state: StoredState, restart: RestartOptions): void {
  for (const stored of state.namespaces) {
    const searchAttributes = new Map(
      Object.entries(stored.searchAttributes).filter((entry): entry is [string, never] =>
        isSearchAttributeType(entry[1]),
      ),
    );
    server.namespaces.restore({ ...stored, searchAttributes });
  }
  const open: Array<[Execution, Pending, StoredRun]> = [];
  for (const stored of state.runs) {
    const { run, pending } = rebuildRun(stored);
    server.runs.restore(run);
    if (run.isRunning) open.push([run, pending, stored]);
    else server.runs.closed(run);
  }
  for (const [run, pending, stored] of open) resume(server, run, pending, stored, restart);
  server.retention.start();
}

/** A run as its stored history and state describe it, with what is pending on it. */
export function rebuildRun(stored: StoredRun): { run: Execution; pending: Pending } {
  const run = new Execution(
    stored.namespace,
    stored.workflowId,
    stored.runId,
    stored.firstExecutionRunId,
    stored.workflowType,
    stored.taskQueue,
    stored.startTime,
    stored.executionTime,
    stored.startRequest,
    stored.parent,
  );
  run.history.push(...stored.history);
  const pending = readHistory(run);
  const saved = stored.state;
  run.status = saved.status;
  run.closeTime = saved.closeTime;
  run.searchAttributes = saved.searchAttributes;
  run.memo = saved.memo;
  run.newRunIdOnClose = saved.newRunIdOnClose;
  run.workflowTaskFailureStreak = saved.workflowTaskFailureStreak;
  for (const id of saved.requestIds) run.requestIds.add(id);
  run.buffered = rewire(saved.buffered, run);
  run.bufferedWake = run.buffered.length > 0;
  settleBuffered(pending, run);
  return { run, pending };
}

/**
 * An activity result, timer firing or child's end that waited in the buffer is already settled:
 * its event is written when the buffer is, so the activity is not run, the timer not fired and
 * the child not awaited a second time.
 */
function settleBuffered(pending: Pending, run: Execution): void {
  for (const { kind, attributes } of run.buffered) {
    if (ACTIVITY_CLOSE.has(kind)) pending.activities.delete(Number(attributes.scheduledEventId));
    else if (kind === 'TimerFired' || kind === 'TimerCanceled') pending.timers.delete(attributes.timerId as string);
    else if (CHILD_CLOSE.has(kind)) run.children.delete(Number(attributes.initiatedEventId));
    else if (kind === 'ChildWorkflowExecutionStarted') {
      const child = run.children.get(Number(attributes.initiatedEventId));
      if (child) child.runId = (attributes.workflowExecution as Msg | undefined)?.runId as string;
    }
  }
}

/** Buffered drafts lose their callbacks in the store: an activity's close event takes its started event's id again. */
function rewire(drafts: Array<{ kind: string; attributes: Msg }>, run: Execution): EventDraft[] {
  const rewired: EventDraft[] = drafts.map((d) => ({ kind: d.kind, attributes: d.attributes }));
  for (let i = 0; i < rewired.length; i++) {
    const draft = rewired[i];
    if (draft.kind === 'ActivityTaskStarted' && rewired[i + 1] && ACTIVITY_CLOSE.has(rewired[i + 1].kind)) {
      const close = rewired[i + 1];
      draft.onWritten = (id) => (close.attributes.startedEventId = id);
    }
    if (draft.kind === 'ChildWorkflowExecutionStarted') {
      const initiatedEventId = Number(draft.attributes.initiatedEventId);
      draft.onWritten = (id) => {
        const child = run.children.get(initiatedEventId);
        if (child) child.startedEventId = id;
      };
    }
  }
  return rewired;
}

function readHistory(run: Execution): Pending {
  const pending: Pending = { needsTask: true, timers: new Map(), activities: new Map() };
  for (const event of run.history) {
    const kind = eventKind(event);
    const a = eventAttributes(event);
    const id = Number(event.eventId);
    switch (kind) {
      case 'WorkflowTaskScheduled':
        pending.workflowTask = {
          scheduledEventId: id,
          attempt: Number(a.attempt ?? 1),
          scheduledTime: eventTime(event),
        };
        pending.needsTask = false;
        break;
      case 'WorkflowTaskStarted':
        if (pending.workflowTask) pending.workflowTask.startedEventId = id;
        break;
      case 'WorkflowTaskCompleted':
        run.lastCompletedWorkflowTaskStartedId = Number(a.startedEventId);
        pending.workflowTask = undefined;
        pending.needsTask = false;
        break;
      case 'WorkflowTaskFailed':
      case 'WorkflowTaskTimedOut':
        pending.workflowTask = undefined;
        pending.needsTask = true;
        break;
      case 'TimerStarted':
        pending.timers.set(a.timerId as string, {
          startedEventId: id,
          at: eventTime(event) + Math.max(0, durToMs(a.startToFireTimeout as WireTime | undefined) ?? 0),
        });
        break;
      case 'TimerFired':
      case 'TimerCanceled':
        pending.timers.delete(a.timerId as string);
        break;
      case 'ActivityTaskScheduled':
        pending.activities.set(id, { attributes: a as ScheduledActivityAttributes, time: eventTime(event) });
        break;
      case 'ActivityTaskCancelRequested': {
        const activity = pending.activities.get(Number(a.scheduledEventId));
        if (activity) activity.cancelRequestedEventId = id;
        break;
      }
      case 'StartChildWorkflowExecutionInitiated':
        run.children.set(id, {
          initiatedEventId: id,
          namespace: (a.namespace as string) || run.namespace,
          workflowId: a.workflowId as string,
          workflowType: (a.workflowType as Msg | undefined)?.name as string,
          parentClosePolicy: (a.parentClosePolicy as string) ?? 'PARENT_CLOSE_POLICY_TERMINATE',
        } satisfies ChildState);
        break;
      case 'ChildWorkflowExecutionStarted': {
        const child = run.children.get(Number(a.initiatedEventId));
        if (child) {
          child.startedEventId = id;
          child.runId = (a.workflowExecution as Msg | undefined)?.runId as string;
        }
        break;
      }
      case 'WorkflowExecutionUpdateAccepted':
        run.updates.set(a.protocolInstanceId as string, {
          updateId: a.protocolInstanceId as string,
          request: a.acceptedRequest as Msg,
          stage: 'accepted',
          acceptedEventId: id,
          waiters: [],
        } satisfies UpdateState);
        break;
      case 'WorkflowExecutionUpdateCompleted': {
        const update = run.updates.get((a.meta as Msg | undefined)?.updateId as string);
        if (update) {
          update.stage = 'completed';
          update.outcome = a.outcome as Msg;
        }
        break;
      }
      case 'WorkflowExecutionCancelRequested':
        run.cancelRequested = true;
        break;
      default:
        if (ACTIVITY_CLOSE.has(kind)) pending.activities.delete(Number(a.scheduledEventId));
        else if (CHILD_CLOSE.has(kind)) run.children.delete(Number(a.initiatedEventId));
        else if (CLOSE_STATUS[kind]) pending.workflowTask = undefined;
    }
  }
  return pending;
}

function resume(
  server: ServerContext,
  run: Execution,
  pending: Pending,
  stored: StoredRun,
  restart: RestartOptions,
): void {
  const started = eventAttributes(run.history[0] ?? {});
  const runTimeoutMs = durToMs(started.workflowRunTimeout as WireTime | undefined);
  if (runTimeoutMs)
    run.closeTimers.push(server.clock.schedule(run.startTime + runTimeoutMs, () => server.runClose.timeOut(run)));
  const expiration = tsToMs(started.workflowExecutionExpirationTime as WireTime | undefined);
  if (expiration) run.closeTimers.push(server.clock.schedule(expiration, () => server.runClose.timeOut(run)));

  for (const [timerId, timer] of pending.timers) server.timers.arm(run, timerId, timer.startedEventId, timer.at);

  const saved = new Map(stored.state.activities.map((a) => [a.scheduledEventId, a]));
  for (const [scheduledEventId, scheduled] of pending.activities) {
    const kept = saved.get(scheduledEventId);
    const activity: ActivityState = {
      scheduledEventId,
      activityId: scheduled.attributes.activityId as string,
      attributes: scheduled.attributes,
      attempt: kept?.attempt ?? 1,
      state: kept?.state ?? 'scheduled',
      scheduledTime: scheduled.time,
      currentAttemptScheduledTime: kept?.currentAttemptScheduledTime ?? scheduled.time,
      startedTime: kept?.startedTime ?? 0,
      token: randomUUID(),
      identity: kept?.identity,
      heartbeatDetails: kept?.heartbeatDetails,
      lastHeartbeatTime: kept?.lastHeartbeatTime,
      lastFailure: kept?.lastFailure,
      cancelRequested: scheduled.cancelRequestedEventId !== undefined,
      cancelRequestedEventId: scheduled.cancelRequestedEventId,
      timers: [],
    };
    server.activities.resume(run, activity);
  }
  server.workflowTasks.resume(run, pending.workflowTask, pending.needsTask);
  // A child whose start waited on a read of the store when the server stopped.
  for (const child of [...run.children.values()]) if (!child.runId) server.children.start(run, child.initiatedEventId);
  // After the workflow task, so that a closing activity's events find the task they wait for.
  if (restart.workersGone)
    for (const activity of [...run.activities.values()]) server.activities.lostWithWorker(run, activity);
}
