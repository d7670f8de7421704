/**
 * Workflow tasks: scheduling (speculative tasks for updates and for retries of a failing task),
 * handing them to workers through the normal or a sticky queue, one at a time per run, failures
 * and timeouts, and the next task handed back with the answer to a completion.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from './grpcServer';
import { type Msg, packAny } from './protos';
import { invalidArgument, notFound } from './errors';
import { buildEvent } from './events';
import type { Execution } from './execution';
import { msToDur, msToTs, durationOr } from './time';
import { encodeToken, decodeToken, type TaskToken } from './taskTokens';
import type { WorkflowTask } from './taskQueues';
import type {
  PollTaskQueueRequest,
  ResetStickyTaskQueueRequest,
  RespondWorkflowTaskFailedRequest,
  ShutdownWorkerRequest,
  WireTime,
} from './wire';
import type { ServerContext } from './context';

export const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = 10_000;
/** The request id a real server gives the started event of a task it hands out in a completion's answer. */
export const STARTED_IN_COMPLETION = 'request-from-RespondWorkflowTaskCompleted';

/** A workflow task whose scheduled (and maybe started) event is the last of its kind in history. */
export interface OpenWorkflowTask {
  scheduledEventId: number;
  attempt: number;
  scheduledTime: number;
  startedEventId?: number;
}

export class WorkflowTasks {
  constructor(private readonly server: ServerContext) {}

  private timeoutMs(run: Execution): number {
    return durationOr(run.startRequest.workflowTaskTimeout as WireTime | undefined, DEFAULT_WORKFLOW_TASK_TIMEOUT_MS)!;
  }

  /**
   * Schedules a workflow task unless one is pending. `forUpdate`: only updates wait, so the task
   * stays out of history unless it produces something. A retry of a failing task (attempt > 1)
   * also stays out of history until it completes, and is handed out after `delayMs`.
   */
  ensure(run: Execution, forUpdate = false, delayMs = 0): void {
    if (!run.isRunning) return;
    if (run.executionTime > this.server.clock.now()) return; // the delayed first task is on its timer
    if (run.workflowTask) {
      if (run.workflowTask.state === 'scheduled' && run.workflowTask.speculative && !forUpdate) this.materialize(run);
      return;
    }
    const attempt = run.workflowTaskFailureStreak + 1;
    const token = randomUUID();
    const retry = attempt > 1;
    run.workflowTask = {
      scheduledEventId: 0,
      startedEventId: 0,
      attempt,
      state: 'scheduled',
      speculative: forUpdate || retry,
      droppable: forUpdate && !retry,
      offered: false,
      scheduledTime: this.server.clock.now() + delayMs,
      startedTime: 0,
      token,
      deliveredUpdates: [],
    };
    if (!run.workflowTask.speculative) this.writeScheduled(run);
    const offer = (): void => {
      if (run.workflowTask?.token !== token || run.workflowTask.offered) return;
      run.workflowTask.offered = true;
      this.server.taskQueues.outstandingWorkflowTasks++;
      if (!run.nextTaskInAnswer) this.offer(run, token);
    };
    if (delayMs > 0) this.server.clock.scheduleAfter(delayMs, offer);
    else offer();
  }

  /**
   * After a restart: a task that was scheduled is offered again; one that a worker had started
   * times out (its worker replays the run from history, as after a failover); a retry that was
   * waiting and a first task not yet due are scheduled again, and so is a task for events that
   * waited behind a speculative task the restart lost.
   */
  resume(run: Execution, open: OpenWorkflowTask | undefined, needsTask: boolean): void {
    if (!run.isRunning) return;
    if (!open) {
      // Events buffered behind a speculative task (never in history) still need a task to see them.
      const woke = this.server.history.flushBuffered(run);
      if (!needsTask && !woke) return;
      if (run.executionTime > this.server.clock.now())
        run.closeTimers.push(this.server.clock.schedule(run.executionTime, () => this.ensure(run)));
      else this.ensure(run);
      return;
    }
    const token = randomUUID();
    run.workflowTask = {
      scheduledEventId: open.scheduledEventId,
      startedEventId: open.startedEventId ?? 0,
      attempt: open.attempt,
      state: open.startedEventId ? 'started' : 'scheduled',
      speculative: false,
      droppable: false,
      offered: false,
      scheduledTime: open.scheduledTime,
      startedTime: 0,
      token,
      deliveredUpdates: [],
    };
    if (open.startedEventId) {
      this.fail(run, 'WorkflowTaskTimedOut', { timeoutType: 'TIMEOUT_TYPE_START_TO_CLOSE' });
      return;
    }
    run.workflowTask.offered = true;
    this.server.taskQueues.outstandingWorkflowTasks++;
    this.offer(run, token);
  }

  /** The worker is done with the task: its answer has gone out, or it will never come. */
  doneAtWorker(run: Execution, taskId: string): void {
    if (!run.atWorker.delete(taskId) || run.atWorker.size > 0) return;
    for (const offer of run.heldOffers.splice(0)) offer();
  }

  /**
   * A run whose worker asked for stickiness gets its tasks on that worker's sticky queue (with only
   * the new events); if that worker does not pick it up in time, the task moves to the normal queue.
   */
  private offer(run: Execution, token: string): void {
    const sticky = run.sticky;
    if (!sticky) {
      this.server.taskQueues.workflowQueue(run.namespace, run.taskQueue).offer({ kind: 'workflow', run, token });
      return;
    }
    this.server.taskQueues.workflowQueue(run.namespace, sticky.queue).offer({ kind: 'workflow', run, token });
    const fallback = setTimeout(() => {
      if (run.workflowTask?.token !== token || run.workflowTask.state !== 'scheduled') return;
      if (run.sticky === sticky) run.sticky = undefined;
      this.server.taskQueues.workflowQueue(run.namespace, run.taskQueue).offer({ kind: 'workflow', run, token });
    }, sticky.timeoutMs);
    fallback.unref();
  }

  /** Moves the runs stuck to a sticky queue back to the normal one (its worker has gone). */
  private releaseStickyQueue(namespace: string, queue: string): void {
    for (const run of this.server.runs.open()) {
      if (run.namespace !== namespace || run.sticky?.queue !== queue) continue;
      run.sticky = undefined;
      if (run.workflowTask?.state === 'scheduled')
        this.server.taskQueues
          .workflowQueue(run.namespace, run.taskQueue)
          .offer({ kind: 'workflow', run, token: run.workflowTask.token });
    }
  }

  private writeScheduled(run: Execution, atMs?: number): void {
    const task = run.workflowTask!;
    task.scheduledEventId = this.server.history.append(
      run,
      {
        kind: 'WorkflowTaskScheduled',
        attributes: {
          taskQueue: { name: run.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
          startToCloseTimeout: msToDur(this.timeoutMs(run)),
          attempt: task.attempt,
        },
      },
      atMs,
    );
  }

  private writeStarted(run: Execution, identity?: string, requestId?: string, atMs?: number): void {
    const task = run.workflowTask!;
    task.startedEventId = this.server.history.append(
      run,
      {
        kind: 'WorkflowTaskStarted',
        attributes: { scheduledEventId: task.scheduledEventId, identity, requestId, historySizeBytes: 0 },
      },
      atMs,
    );
  }

  /** Turns a speculative workflow task into a normal one whose events are in history. */
  materialize(run: Execution): void {
    const task = run.workflowTask!;
    if (!task.speculative) return;
    task.speculative = false;
    task.droppable = false;
    // The worker saw these events with the times it was given, and took the workflow's clock from
    // the started one: a replay of the written history must see the same times.
    this.writeScheduled(run, task.scheduledTime);
    if (task.state === 'started') this.writeStarted(run, task.identity, task.requestId, task.startedTime);
  }

  finish(run: Execution): void {
    if (!run.workflowTask) return;
    run.workflowTask.timeout?.cancel();
    if (run.workflowTask.offered) this.server.taskQueues.outstandingWorkflowTasks--;
    run.workflowTask = null;
    this.server.clock.poke();
  }

  /** Ends a task the run closed under: queries on the closed run need not wait for its worker. */
  drop(run: Execution): void {
    const token = run.workflowTask!.token;
    this.finish(run);
    this.doneAtWorker(run, token);
  }

  async pollWorkflowTaskQueue(req: PollTaskQueueRequest, context: CallContext): Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const queueName = req.taskQueue?.name;
    if (!queueName) throw invalidArgument('TaskQueue is not set on request.');
    const queue = this.server.taskQueues.workflowQueue(namespace.name, queueName);
    this.server.taskQueues.notePoller('workflow', namespace.name, queueName, req.identity);
    for (;;) {
      const task = await queue.poll(context, this.server.taskQueues.pollTimeout(context), (t) => this.isLive(t));
      if (!task || context.isCancelled()) {
        if (task) queue.offer(task);
        return {};
      }
      if (task.run.atWorker.size > 0) {
        // A worker gets one task of a run at a time, workflow or query, and the next only once the
        // answer about the last has reached it: until then its core counts the last as
        // outstanding, and a second task for the run overwrites it ("Trying to send a new WFT for
        // a run which already has one!"), leaving a workflow task to time out.
        task.run.heldOffers.push(() => queue.offer(task));
        continue;
      }
      if (task.kind === 'query' && task.run.workflowTask) {
        // A workflow task was scheduled after the query was queued: the query waits for it, as at
        // dispatch, so that its history never ends in events no completed task has seen.
        task.query.queued = false;
        continue;
      }
      if (task.kind === 'query') return this.server.queries.startTask(task.run, task.query);
      const sticky = req.taskQueue?.kind === 'TASK_QUEUE_KIND_STICKY';
      const response = this.start(task.run, { identity: req.identity, partialHistory: sticky });
      if (response) return response;
    }
  }

  private isLive(task: WorkflowTask): boolean {
    if (task.kind === 'query') return !task.query.dispatched;
    return task.run.workflowTask?.token === task.token && task.run.workflowTask.state === 'scheduled';
  }

  /**
   * Starts the run's scheduled workflow task for a worker. `partialHistory`: the worker has the run
   * cached (a sticky poll, or the completion of its last task), so it gets only what happened since.
   */
  private start(
    run: Execution,
    taker: { identity?: string; partialHistory: boolean; requestId?: string },
  ): Msg | undefined {
    const task = run.workflowTask;
    if (!task || task.state !== 'scheduled') return undefined;
    const { identity, requestId } = taker;
    task.state = 'started';
    task.startedTime = this.server.clock.now();
    task.identity = identity;
    task.requestId = requestId;
    const since = taker.partialHistory ? run.lastCompletedWorkflowTaskStartedId : 0;
    const historyForWorker = (): Msg[] => (since > 0 ? run.history.slice(since) : run.history);
    let events: Msg[];
    if (task.speculative) {
      // Transient events: shown to the worker, written only if the task produces something.
      task.scheduledEventId = run.nextEventId;
      task.startedEventId = run.nextEventId + 1;
      events = [
        ...historyForWorker(),
        buildEvent(task.scheduledEventId, task.scheduledTime, {
          kind: 'WorkflowTaskScheduled',
          attributes: {
            taskQueue: { name: run.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
            startToCloseTimeout: msToDur(this.timeoutMs(run)),
            attempt: task.attempt,
          },
        }),
        buildEvent(task.startedEventId, task.startedTime, {
          kind: 'WorkflowTaskStarted',
          attributes: { scheduledEventId: task.scheduledEventId, identity, requestId, historySizeBytes: 0 },
        }),
      ];
    } else {
      this.writeStarted(run, identity, requestId);
      events = historyForWorker();
    }
    const token = task.token;
    run.atWorker.add(token);
    task.timeout = this.server.clock.scheduleAfter(this.timeoutMs(run), () => {
      if (run.workflowTask?.token === token && run.workflowTask.state === 'started') this.timeOut(run);
    });
    const messages: Msg[] = [];
    for (const update of run.updates.values()) {
      if (update.stage !== 'admitted') continue;
      update.stage = 'delivered';
      task.deliveredUpdates.push(update.updateId);
      messages.push({
        id: `${update.updateId}/request`,
        protocolInstanceId: update.updateId,
        eventId: task.startedEventId - 1,
        body: packAny('temporal.api.update.v1.Request', update.request),
      });
    }
    return {
      taskToken: encodeToken({
        kind: 'workflowTask',
        namespace: run.namespace,
        workflowId: run.workflowId,
        runId: run.runId,
        id: token,
      }),
      workflowExecution: run.execution,
      workflowType: { name: run.workflowType },
      previousStartedEventId: run.lastCompletedWorkflowTaskStartedId,
      startedEventId: task.startedEventId,
      attempt: task.attempt,
      history: { events },
      workflowExecutionTaskQueue: { name: run.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
      scheduledTime: msToTs(task.scheduledTime),
      startedTime: msToTs(task.startedTime),
      messages,
    };
  }

  /** The run and task a completion or failure is about; the run's next task waits for its answer. */
  fromToken(taskToken: Buffer | undefined, context: CallContext): { run: Execution; token: TaskToken } {
    const token = decodeToken(taskToken);
    if (token.kind !== 'workflowTask') throw invalidArgument('not a workflow task token');
    const run = this.server.runs.byRunId(token.namespace, token.runId);
    if (run) context.afterResponse(() => this.doneAtWorker(run, token.id));
    if (!run || !run.isRunning || run.workflowTask?.token !== token.id || run.workflowTask.state !== 'started') {
      throw notFound('Workflow task not found.');
    }
    return { run, token };
  }

  /** Returns delivered-but-unanswered updates to the admitted state so the next task carries them again. */
  private redeliverUpdates(run: Execution): void {
    for (const id of run.workflowTask?.deliveredUpdates ?? []) {
      const update = run.updates.get(id);
      if (update?.stage === 'delivered') update.stage = 'admitted';
    }
  }

  /**
   * A failed or timed-out task is written to history on its first attempt only; its retries are
   * transient until one completes, so a workflow failing in a loop does not grow its history.
   * UNHANDLED_COMMAND is not the worker's fault: it is always written and retried at once.
   */
  fail(run: Execution, kind: 'WorkflowTaskFailed' | 'WorkflowTaskTimedOut', attributes: Msg): void {
    const task = run.workflowTask!;
    // The worker dropped the run from its cache: the retry goes to any worker with full history.
    run.sticky = undefined;
    this.redeliverUpdates(run);
    const unhandled = attributes.cause === 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND';
    const transientRetry = task.attempt > 1 && task.speculative && !unhandled;
    if (!transientRetry) {
      if (task.speculative) this.materialize(run);
      this.server.history.append(run, {
        kind,
        attributes: { scheduledEventId: task.scheduledEventId, startedEventId: task.startedEventId, ...attributes },
      });
    }
    this.finish(run);
    if (!unhandled) run.workflowTaskFailureStreak++;
    this.server.store.saveRun(run);
    this.server.history.flushBuffered(run);
    const retryDelay =
      run.workflowTaskFailureStreak <= 1 ? 0 : Math.min(10_000, 1000 * (run.workflowTaskFailureStreak - 1));
    this.ensure(run, false, retryDelay);
  }

  private timeOut(run: Execution): void {
    const token = run.workflowTask!.token;
    this.fail(run, 'WorkflowTaskTimedOut', { timeoutType: 'TIMEOUT_TYPE_START_TO_CLOSE' });
    // Its worker may have gone: the retry need not wait for an answer that may never come.
    this.doneAtWorker(run, token);
    this.server.queries.dispatch(run);
  }

  respondWorkflowTaskFailed(req: RespondWorkflowTaskFailedRequest, context: CallContext): Msg {
    const { run } = this.fromToken(req.taskToken, context);
    this.fail(run, 'WorkflowTaskFailed', {
      cause: req.cause ?? 'WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED',
      failure: req.failure,
      identity: req.identity,
      binaryChecksum: req.binaryChecksum,
    });
    this.server.queries.dispatch(run);
    return {};
  }

  /**
   * The task a completion created, when its worker asked for it in the answer: started for that
   * worker on the spot, as a real server does, so the worker need not poll for it. Being its next
   * task of the run, it cannot overtake the answer about the last.
   */
  nextTaskForAnswer(run: Execution, identity: string | undefined): Msg | undefined {
    if (!run.nextTaskInAnswer) return undefined;
    run.nextTaskInAnswer = false;
    if (run.workflowTask?.state !== 'scheduled' || !run.workflowTask.offered) return undefined;
    return this.start(run, { identity, partialHistory: true, requestId: STARTED_IN_COMPLETION });
  }

  /** After a task completes: write what waited, start the next task if there is work, answer queries. */
  afterCompletion(run: Execution, force: boolean): void {
    if (!run.isRunning) {
      this.server.queries.dispatch(run);
      return;
    }
    const woke = this.server.history.flushBuffered(run);
    const pendingUpdates = [...run.updates.values()].some((u) => u.stage === 'admitted' || u.stage === 'delivered');
    for (const u of run.updates.values()) if (u.stage === 'delivered') u.stage = 'admitted';
    if (woke || force) this.ensure(run);
    else if (pendingUpdates) this.ensure(run, true);
    this.server.queries.dispatch(run);
  }

  shutdownWorker(req: ShutdownWorkerRequest): Msg {
    const namespace = this.server.namespaces.get(req.namespace);
    if (req.stickyTaskQueue) this.releaseStickyQueue(namespace.name, req.stickyTaskQueue);
    return {};
  }

  resetStickyTaskQueue(req: ResetStickyTaskQueueRequest): Msg | Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const run = this.server.runs.runningNow(namespace.name, req.execution);
    // A closed run has no sticky queue; one that never was is NOT_FOUND.
    if (!run) return this.server.runs.named(namespace.name, req.execution).then(() => ({}));
    run.sticky = undefined;
    if (run.workflowTask?.state === 'scheduled')
      this.server.taskQueues
        .workflowQueue(run.namespace, run.taskQueue)
        .offer({ kind: 'workflow', run, token: run.workflowTask.token });
    return {};
  }
}
