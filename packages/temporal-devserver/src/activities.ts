/**
 * Activities: scheduling with the server's defaults for timeouts and retries, handing them to
 * workers, heartbeats, completion by task token or by id, server-side retries with backoff, the
 * four timeouts, and cancellation.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from './grpcServer';
import type { Msg } from './protos';
import type {
  ActivityByIdRequest,
  ActivityTaskTokenRequest,
  Failure,
  PollTaskQueueRequest,
  RequestCancelActivityTaskAttributes,
  ScheduleActivityTaskAttributes,
  ScheduledActivityAttributes,
  StartWorkflowExecutionRequest,
} from './wire';
import { invalidArgument, notFound } from './errors';
import type { EventDraft } from './events';
import type { ActivityState, Execution } from './execution';
import { durToMs, msToDur, msToTs, durationOr } from './time';
import { encodeToken, decodeToken } from './taskTokens';
import type { ActivityTask } from './taskQueues';
import type { ServerContext } from './context';

export class Activities {
  constructor(private readonly server: ServerContext) {}

  schedule(
    run: Execution,
    attrs: ScheduleActivityTaskAttributes,
    completedEventId: number,
    eager?: ActivityState[],
  ): void {
    const runTimeoutMs = durationOr((run.startRequest as StartWorkflowExecutionRequest).workflowRunTimeout, undefined);
    let scheduleToClose = durationOr(attrs.scheduleToCloseTimeout, undefined);
    let startToClose = durationOr(attrs.startToCloseTimeout, undefined);
    if (!scheduleToClose) scheduleToClose = runTimeoutMs;
    if (!startToClose) startToClose = scheduleToClose;
    if (runTimeoutMs && scheduleToClose && scheduleToClose > runTimeoutMs) scheduleToClose = runTimeoutMs;
    let scheduleToStart = durationOr(attrs.scheduleToStartTimeout, scheduleToClose);
    if (scheduleToClose && scheduleToStart && scheduleToStart > scheduleToClose) scheduleToStart = scheduleToClose;
    let heartbeat = durationOr(attrs.heartbeatTimeout, undefined);
    if (heartbeat && startToClose && heartbeat > startToClose) heartbeat = startToClose;
    const initialInterval = durationOr(attrs.retryPolicy?.initialInterval, 1000)!;
    const retryPolicy = {
      initialInterval: msToDur(initialInterval),
      backoffCoefficient: attrs.retryPolicy?.backoffCoefficient || 2,
      maximumInterval: msToDur(durationOr(attrs.retryPolicy?.maximumInterval, initialInterval * 100)!),
      maximumAttempts: attrs.retryPolicy?.maximumAttempts ?? 0,
      nonRetryableErrorTypes: attrs.retryPolicy?.nonRetryableErrorTypes ?? [],
    };
    const attributes: ScheduledActivityAttributes = {
      activityId: attrs.activityId,
      activityType: attrs.activityType,
      taskQueue: { name: attrs.taskQueue?.name || run.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
      header: attrs.header,
      input: attrs.input,
      // Zero means unbounded; the SDK expects every timeout to be present.
      scheduleToCloseTimeout: msToDur(scheduleToClose ?? 0),
      scheduleToStartTimeout: msToDur(scheduleToStart ?? 0),
      startToCloseTimeout: msToDur(startToClose ?? 0),
      heartbeatTimeout: msToDur(heartbeat ?? 0),
      workflowTaskCompletedEventId: completedEventId,
      retryPolicy,
      useWorkflowBuildId: attrs.useWorkflowBuildId,
      priority: attrs.priority,
    };
    const scheduledEventId = this.server.history.append(run, { kind: 'ActivityTaskScheduled', attributes });
    const now = this.server.clock.now();
    const activity: ActivityState = {
      scheduledEventId,
      activityId: attrs.activityId as string,
      attributes,
      attempt: 1,
      state: 'scheduled',
      scheduledTime: now,
      currentAttemptScheduledTime: now,
      startedTime: 0,
      token: '',
      cancelRequested: false,
      timers: [],
    };
    run.activities.set(scheduledEventId, activity);
    if (scheduleToClose) {
      activity.timers.push(
        this.server.clock.scheduleAfter(scheduleToClose, () =>
          this.timeOut(run, activity, 'TIMEOUT_TYPE_SCHEDULE_TO_CLOSE', false),
        ),
      );
    }
    if (eager && attrs.requestEagerExecution && activity.attributes.taskQueue.name === run.taskQueue) {
      // The completing worker reserved a slot: it gets the task in the response, no poll needed.
      activity.token = randomUUID();
      this.server.taskQueues.outstandingActivityTasks++;
      eager.push(activity);
      return;
    }
    this.enqueue(run, activity);
  }

  /**
   * A pending activity read back from the store: an attempt that was running keeps running (its
   * worker may still answer) under its timeouts, counted from when it started; one backing off
   * waits out the rest of its backoff; one that was queued is queued again.
   */
  resume(run: Execution, activity: ActivityState): void {
    run.activities.set(activity.scheduledEventId, activity);
    const scheduleToClose = durToMs(activity.attributes.scheduleToCloseTimeout);
    if (scheduleToClose) {
      activity.timers.push(
        this.server.clock.schedule(activity.scheduledTime + scheduleToClose, () =>
          this.timeOut(run, activity, 'TIMEOUT_TYPE_SCHEDULE_TO_CLOSE', false),
        ),
      );
    }
    if (activity.state === 'backoff') {
      activity.timers.push(
        this.server.clock.schedule(activity.currentAttemptScheduledTime, () => {
          if (
            run.isRunning &&
            run.activities.get(activity.scheduledEventId) === activity &&
            activity.state === 'backoff'
          )
            this.enqueue(run, activity);
        }),
      );
      return;
    }
    if (activity.state === 'scheduled') {
      this.enqueue(run, activity);
      return;
    }
    activity.token = randomUUID();
    const token = activity.token;
    this.server.taskQueues.outstandingActivityTasks++;
    const startToClose = durToMs(activity.attributes.startToCloseTimeout);
    if (startToClose) {
      activity.timers.push(
        this.server.clock.schedule(activity.startedTime + startToClose, () => {
          if (activity.token === token && activity.state === 'started')
            this.timeOut(run, activity, 'TIMEOUT_TYPE_START_TO_CLOSE', true);
        }),
      );
    }
    const heartbeat = durToMs(activity.attributes.heartbeatTimeout);
    if (heartbeat) {
      activity.heartbeatTimer = this.server.clock.schedule(
        (activity.lastHeartbeatTime ?? activity.startedTime) + heartbeat,
        () => {
          if (activity.token === token && activity.state === 'started')
            this.timeOut(run, activity, 'TIMEOUT_TYPE_HEARTBEAT', true);
        },
      );
    }
  }

  /** An attempt whose worker is known to be gone times out now rather than at its start-to-close timeout. */
  lostWithWorker(run: Execution, activity: ActivityState): void {
    if (activity.state === 'started') this.timeOut(run, activity, 'TIMEOUT_TYPE_START_TO_CLOSE', true);
  }

  private enqueue(run: Execution, activity: ActivityState): void {
    activity.state = 'scheduled';
    activity.token = randomUUID();
    const token = activity.token;
    const scheduleToStart = durToMs(activity.attributes.scheduleToStartTimeout);
    if (scheduleToStart) {
      activity.heartbeatTimer?.cancel();
      activity.heartbeatTimer = this.server.clock.scheduleAfter(scheduleToStart, () => {
        if (activity.token === token && activity.state === 'scheduled')
          this.timeOut(run, activity, 'TIMEOUT_TYPE_SCHEDULE_TO_START', false);
      });
    }
    this.server.taskQueues.outstandingActivityTasks++;
    this.server.taskQueues
      .activityQueue(run.namespace, activity.attributes.taskQueue.name)
      .offer({ run, activity, token });
  }

  /** The activity leaves the queue or its worker: no longer holds time still. */
  releaseTask(activity: ActivityState): void {
    if (activity.state === 'scheduled' || activity.state === 'started') {
      this.server.taskQueues.outstandingActivityTasks--;
      this.server.clock.poke();
    }
  }

  async pollActivityTaskQueue(req: PollTaskQueueRequest, context: CallContext): Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const queueName = req.taskQueue?.name;
    if (!queueName) throw invalidArgument('TaskQueue is not set on request.');
    const queue = this.server.taskQueues.activityQueue(namespace.name, queueName);
    this.server.taskQueues.notePoller('activity', namespace.name, queueName, req.identity);
    const isLive = (t: ActivityTask): boolean =>
      t.activity.token === t.token && t.activity.state === 'scheduled' && t.run.isRunning;
    const task = await queue.poll(context, this.server.taskQueues.pollTimeout(context), isLive);
    if (!task) return {};
    if (context.isCancelled()) {
      queue.offer(task);
      return {};
    }
    return this.start(task.run, task.activity, req.identity);
  }

  start(run: Execution, activity: ActivityState, identity: string | undefined): Msg {
    activity.state = 'started';
    activity.startedTime = this.server.clock.now();
    activity.identity = identity;
    activity.heartbeatTimer?.cancel();
    this.server.store.saveRun(run);
    const token = activity.token;
    const startToClose = durToMs(activity.attributes.startToCloseTimeout);
    if (startToClose) {
      activity.timers.push(
        this.server.clock.scheduleAfter(startToClose, () => {
          if (activity.token === token && activity.state === 'started')
            this.timeOut(run, activity, 'TIMEOUT_TYPE_START_TO_CLOSE', true);
        }),
      );
    }
    this.armHeartbeatTimeout(run, activity);
    const a = activity.attributes;
    return {
      taskToken: encodeToken({
        kind: 'activityTask',
        namespace: run.namespace,
        workflowId: run.workflowId,
        runId: run.runId,
        id: String(activity.scheduledEventId),
        attempt: activity.attempt,
      }),
      workflowNamespace: run.namespace,
      workflowType: { name: run.workflowType },
      workflowExecution: run.execution,
      activityType: a.activityType,
      activityId: a.activityId,
      header: a.header,
      input: a.input,
      heartbeatDetails: activity.heartbeatDetails,
      scheduledTime: msToTs(activity.scheduledTime),
      currentAttemptScheduledTime: msToTs(activity.currentAttemptScheduledTime),
      startedTime: msToTs(activity.startedTime),
      attempt: activity.attempt,
      scheduleToCloseTimeout: a.scheduleToCloseTimeout,
      startToCloseTimeout: a.startToCloseTimeout,
      heartbeatTimeout: a.heartbeatTimeout,
      retryPolicy: a.retryPolicy,
      priority: a.priority,
    };
  }

  private armHeartbeatTimeout(run: Execution, activity: ActivityState): void {
    const heartbeat = durToMs(activity.attributes.heartbeatTimeout);
    if (!heartbeat) return;
    activity.heartbeatTimer?.cancel();
    const token = activity.token;
    activity.heartbeatTimer = this.server.clock.scheduleAfter(heartbeat, () => {
      if (activity.token === token && activity.state === 'started')
        this.timeOut(run, activity, 'TIMEOUT_TYPE_HEARTBEAT', true);
    });
  }

  private fromToken(taskToken: Buffer | undefined): { run: Execution; activity: ActivityState } {
    const token = decodeToken(taskToken);
    if (token.kind !== 'activityTask') throw invalidArgument('not an activity task token');
    const run = this.server.runs.byRunId(token.namespace, token.runId);
    const activity = run?.activities.get(Number(token.id));
    if (!run || !run.isRunning || !activity || activity.attempt !== token.attempt || activity.state !== 'started') {
      throw notFound('invalid activityID or activity already timed out or invoking workflow is completed');
    }
    return { run, activity };
  }

  /** Acts on the activity a request names by its workflow and activity ids. */
  private byId(req: ActivityByIdRequest, act: (run: Execution, activity: ActivityState) => Msg): Msg | Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const execution = { workflowId: req.workflowId, runId: req.runId };
    const run = this.server.runs.runningNow(namespace.name, execution);
    if (!run) return this.server.runs.notRunning(namespace.name, execution);
    const activity = [...run.activities.values()].find((a) => a.activityId === req.activityId);
    if (!activity) throw notFound(`activity ${req.activityId} not found`);
    return act(run, activity);
  }

  private heartbeat(run: Execution, activity: ActivityState, details: Msg | undefined): Msg {
    activity.heartbeatDetails = details ?? activity.heartbeatDetails;
    activity.lastHeartbeatTime = this.server.clock.now();
    this.server.store.saveRun(run);
    if (activity.state === 'started') this.armHeartbeatTimeout(run, activity);
    return { cancelRequested: activity.cancelRequested, activityPaused: false, activityReset: false };
  }

  recordActivityTaskHeartbeat(req: ActivityTaskTokenRequest): Msg {
    const { run, activity } = this.fromToken(req.taskToken);
    return this.heartbeat(run, activity, req.details);
  }

  recordActivityTaskHeartbeatById(req: ActivityByIdRequest): Msg | Promise<Msg> {
    return this.byId(req, (run, activity) => this.heartbeat(run, activity, req.details));
  }

  /** Takes the activity off the run: no timers, no outstanding task, stale token. */
  private detach(run: Execution, activity: ActivityState): void {
    this.releaseTask(activity);
    for (const t of activity.timers) t.cancel();
    activity.heartbeatTimer?.cancel();
    activity.token = '';
    run.activities.delete(activity.scheduledEventId);
  }

  /**
   * Writes the outcome of an activity that reached a worker: ActivityTaskStarted (for the final
   * attempt only, as a real server does) followed by the closing event.
   */
  private finish(run: Execution, activity: ActivityState, kind: string, attributes: Msg): void {
    this.detach(run, activity);
    if (activity.startedTime > 0) {
      // The started event may wait in the buffer; the closing event learns its id when written.
      const started: EventDraft = {
        kind: 'ActivityTaskStarted',
        attributes: {
          scheduledEventId: activity.scheduledEventId,
          identity: activity.identity,
          requestId: randomUUID(),
          // While backing off the activity already counts as its next attempt, which never ran.
          attempt: activity.state === 'backoff' ? activity.attempt - 1 : activity.attempt,
          lastFailure: activity.lastFailure,
        },
      };
      const close: EventDraft = { kind, attributes: { ...attributes, scheduledEventId: activity.scheduledEventId } };
      started.onWritten = (id) => (close.attributes.startedEventId = id);
      this.server.history.add(run, started, false);
      this.server.history.add(run, close, true);
    } else {
      this.server.history.add(
        run,
        { kind, attributes: { ...attributes, scheduledEventId: activity.scheduledEventId, startedEventId: 0 } },
        true,
      );
    }
    activity.state = 'backoff';
  }

  private complete(run: Execution, activity: ActivityState, result: Msg | undefined, identity?: string): void {
    this.finish(run, activity, 'ActivityTaskCompleted', { result, identity: identity ?? activity.identity });
  }

  respondActivityTaskCompleted(req: ActivityTaskTokenRequest): Msg {
    const { run, activity } = this.fromToken(req.taskToken);
    this.complete(run, activity, req.result, req.identity);
    return {};
  }

  respondActivityTaskCompletedById(req: ActivityByIdRequest): Msg | Promise<Msg> {
    return this.byId(req, (run, activity) => {
      this.complete(run, activity, req.result, req.identity);
      return {};
    });
  }

  respondActivityTaskFailed(req: ActivityTaskTokenRequest): Msg {
    const { run, activity } = this.fromToken(req.taskToken);
    this.fail(run, activity, req.failure, req.identity, req.lastHeartbeatDetails);
    return {};
  }

  respondActivityTaskFailedById(req: ActivityByIdRequest): Msg | Promise<Msg> {
    return this.byId(req, (run, activity) => {
      this.fail(run, activity, req.failure, req.identity, req.lastHeartbeatDetails);
      return {};
    });
  }

  private cancelTask(run: Execution, activity: ActivityState, details: Msg | undefined, identity?: string): void {
    this.finish(run, activity, 'ActivityTaskCanceled', {
      details,
      latestCancelRequestedEventId: activity.cancelRequestedEventId,
      identity: identity ?? activity.identity,
    });
  }

  respondActivityTaskCanceled(req: ActivityTaskTokenRequest): Msg {
    const { run, activity } = this.fromToken(req.taskToken);
    this.cancelTask(run, activity, req.details, req.identity);
    return {};
  }

  respondActivityTaskCanceledById(req: ActivityByIdRequest): Msg | Promise<Msg> {
    return this.byId(req, (run, activity) => {
      this.cancelTask(run, activity, req.details, req.identity);
      return {};
    });
  }

  /** How long until the next attempt, or why there is none. */
  private retryDecision(
    activity: ActivityState,
    failure: Msg | undefined,
  ): { delayMs: number } | { retryState: string } {
    const policy = activity.attributes.retryPolicy;
    const info = (failure as Failure | undefined)?.applicationFailureInfo;
    if (info?.nonRetryable) return { retryState: 'RETRY_STATE_NON_RETRYABLE_FAILURE' };
    if (info?.type && policy.nonRetryableErrorTypes.includes(info.type))
      return { retryState: 'RETRY_STATE_NON_RETRYABLE_FAILURE' };
    if (policy.maximumAttempts > 0 && activity.attempt >= policy.maximumAttempts)
      return { retryState: 'RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED' };
    const initial = durToMs(policy.initialInterval)!;
    const maximum = durToMs(policy.maximumInterval)!;
    const explicit = durToMs(info?.nextRetryDelay);
    const delayMs =
      explicit && explicit > 0
        ? explicit
        : Math.min(maximum, initial * Math.pow(policy.backoffCoefficient, activity.attempt - 1));
    const scheduleToClose = durToMs(activity.attributes.scheduleToCloseTimeout);
    if (scheduleToClose && this.server.clock.now() + delayMs >= activity.scheduledTime + scheduleToClose)
      return { retryState: 'RETRY_STATE_TIMEOUT' };
    return { delayMs };
  }

  private retry(run: Execution, activity: ActivityState, failure: Msg, delayMs: number): void {
    this.releaseTask(activity);
    for (const t of activity.timers.splice(0)) t.cancel();
    activity.heartbeatTimer?.cancel();
    activity.lastFailure = failure;
    activity.state = 'backoff';
    activity.token = '';
    // The pending activity is the next attempt from now on, due after the backoff.
    activity.attempt++;
    this.server.store.saveRun(run);
    activity.currentAttemptScheduledTime = this.server.clock.now() + delayMs;
    const scheduleToClose = durToMs(activity.attributes.scheduleToCloseTimeout);
    if (scheduleToClose) {
      activity.timers.push(
        this.server.clock.schedule(activity.scheduledTime + scheduleToClose, () =>
          this.timeOut(run, activity, 'TIMEOUT_TYPE_SCHEDULE_TO_CLOSE', false),
        ),
      );
    }
    activity.timers.push(
      this.server.clock.scheduleAfter(delayMs, () => {
        if (
          !run.isRunning ||
          run.activities.get(activity.scheduledEventId) !== activity ||
          activity.state !== 'backoff'
        )
          return;
        this.enqueue(run, activity);
      }),
    );
  }

  private fail(
    run: Execution,
    activity: ActivityState,
    failure: Msg | undefined,
    identity?: string,
    heartbeatDetails?: Msg,
  ): void {
    if (heartbeatDetails) activity.heartbeatDetails = heartbeatDetails;
    const decision = activity.cancelRequested
      ? { retryState: 'RETRY_STATE_CANCEL_REQUESTED' }
      : this.retryDecision(activity, failure);
    if ('delayMs' in decision) {
      this.retry(run, activity, failure ?? { message: 'activity failed' }, decision.delayMs);
      return;
    }
    this.finish(run, activity, 'ActivityTaskFailed', {
      failure,
      identity: identity ?? activity.identity,
      retryState: decision.retryState,
    });
  }

  private timeOut(run: Execution, activity: ActivityState, timeoutType: string, retryable: boolean): void {
    if (!run.isRunning || run.activities.get(activity.scheduledEventId) !== activity) return;
    const failure: Msg = {
      message: `activity ${timeoutType.replace('TIMEOUT_TYPE_', '').toLowerCase().replace(/_/g, '-')} timeout`,
      source: 'Server',
      timeoutFailureInfo: { timeoutType, lastHeartbeatDetails: activity.heartbeatDetails },
      cause:
        timeoutType === 'TIMEOUT_TYPE_HEARTBEAT' || timeoutType === 'TIMEOUT_TYPE_START_TO_CLOSE'
          ? undefined
          : activity.lastFailure,
    };
    if (retryable) {
      const decision = this.retryDecision(activity, failure);
      if ('delayMs' in decision) {
        this.retry(run, activity, failure, decision.delayMs);
        return;
      }
      this.finish(run, activity, 'ActivityTaskTimedOut', { failure, retryState: decision.retryState });
      return;
    }
    if (activity.state === 'scheduled' && activity.startedTime === 0) {
      this.detach(run, activity);
      this.server.history.add(
        run,
        {
          kind: 'ActivityTaskTimedOut',
          attributes: {
            failure,
            scheduledEventId: activity.scheduledEventId,
            startedEventId: 0,
            retryState: 'RETRY_STATE_TIMEOUT',
          },
        },
        true,
      );
      activity.state = 'backoff';
      return;
    }
    this.finish(run, activity, 'ActivityTaskTimedOut', { failure, retryState: 'RETRY_STATE_TIMEOUT' });
  }

  requestCancel(run: Execution, attrs: RequestCancelActivityTaskAttributes, completedEventId: number): void {
    const activity = run.activities.get(Number(attrs.scheduledEventId));
    const requestedEventId = this.server.history.append(run, {
      kind: 'ActivityTaskCancelRequested',
      attributes: { scheduledEventId: attrs.scheduledEventId, workflowTaskCompletedEventId: completedEventId },
    });
    if (!activity) return;
    activity.cancelRequested = true;
    activity.cancelRequestedEventId = requestedEventId;
    if (activity.state !== 'started') {
      // Never reached a worker: cancelled on the spot.
      this.detach(run, activity);
      this.server.history.add(
        run,
        {
          kind: 'ActivityTaskCanceled',
          attributes: {
            scheduledEventId: activity.scheduledEventId,
            startedEventId: 0,
            latestCancelRequestedEventId: requestedEventId,
          },
        },
        true,
      );
      activity.state = 'backoff';
    }
  }
}
