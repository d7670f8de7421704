/**
 * Closing runs: completion, failure with the workflow retry policy, continue-as-new, timeouts,
 * termination, cancellation requests and deletion.
 */
import type { Msg } from './protos';
import type {
  ContinueAsNewAttributes,
  DeleteWorkflowExecutionRequest,
  Failure,
  RequestCancelWorkflowExecutionRequest,
  StartWorkflowExecutionRequest,
  TerminateWorkflowExecutionRequest,
} from './wire';
import { notFound } from './errors';
import { eventAttributes } from './events';
import type { Execution } from './execution';
import type { ExecutionStatus } from './executionStatus';
import { durToMs, msToDur, durationOr } from './time';
import { DEFAULT_WORKFLOW_TASK_TIMEOUT_MS } from './workflowTasks';
import type { ServerContext } from './context';

export class RunClose {
  constructor(private readonly server: ServerContext) {}

  close(run: Execution, status: ExecutionStatus, kind: string, attributes: Msg): void {
    if (!run.isRunning) return;
    this.server.history.append(run, { kind, attributes });
    run.status = status;
    run.closeTime = this.server.clock.now();
    this.server.store.saveRun(run);
    this.server.retention.schedule(run);
    if (run.workflowTask) this.server.workflowTasks.drop(run);
    run.buffered = [];
    for (const t of run.closeTimers) t.cancel();
    for (const timer of run.timers.values()) timer.handle.cancel();
    run.timers.clear();
    for (const activity of run.activities.values()) {
      this.server.activities.releaseTask(activity);
      for (const t of activity.timers) t.cancel();
      activity.heartbeatTimer?.cancel();
      activity.token = '';
    }
    run.activities.clear();
    for (const update of run.updates.values()) {
      if (update.stage !== 'completed') update.waiters.splice(0).forEach((w) => w());
    }
    this.server.children.applyParentClosePolicy(run);
    if (status !== 'ContinuedAsNew' && !run.newRunIdOnClose) this.server.children.notifyParent(run, kind, attributes);
    run.notify();
    this.server.queries.dispatch(run);
    this.server.runs.closed(run);
    this.server.clock.poke();
  }

  fail(run: Execution, failure: Msg | undefined, completedEventId: number): void {
    const retry = this.retryDecision(run, failure);
    if (retry === 'timeout') {
      this.close(run, 'Failed', 'WorkflowExecutionFailed', {
        failure,
        retryState: 'RETRY_STATE_TIMEOUT',
        workflowTaskCompletedEventId: completedEventId,
      });
      return;
    }
    if (retry) {
      const attempt = this.attempt(run) + 1;
      const next = this.startNext(run, {
        request: run.startRequest,
        attempt,
        initiator: 'CONTINUE_AS_NEW_INITIATOR_RETRY',
        continuedFailure: failure,
        backoffMs: retry.delayMs,
      });
      this.close(run, 'Failed', 'WorkflowExecutionFailed', {
        failure,
        retryState: 'RETRY_STATE_IN_PROGRESS',
        workflowTaskCompletedEventId: completedEventId,
        newExecutionRunId: next,
      });
      return;
    }
    this.close(run, 'Failed', 'WorkflowExecutionFailed', {
      failure,
      retryState: (run.startRequest as StartWorkflowExecutionRequest).retryPolicy
        ? 'RETRY_STATE_NON_RETRYABLE_FAILURE'
        : 'RETRY_STATE_RETRY_POLICY_NOT_SET',
      workflowTaskCompletedEventId: completedEventId,
    });
  }

  private attempt(run: Execution): number {
    return (eventAttributes(run.history[0]) as { attempt?: number }).attempt ?? 1;
  }

  private retryDecision(run: Execution, failure: Msg | undefined): { delayMs: number } | 'timeout' | undefined {
    const start = run.startRequest as StartWorkflowExecutionRequest;
    const policy = start.retryPolicy;
    if (!policy) return undefined;
    const info = (failure as Failure | undefined)?.applicationFailureInfo;
    if (info?.nonRetryable || (info?.type && (policy.nonRetryableErrorTypes ?? []).includes(info.type)))
      return undefined;
    const attempt = this.attempt(run);
    if (policy.maximumAttempts && policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) return undefined;
    const initial = durationOr(policy.initialInterval, 1000)!;
    const maximum = durationOr(policy.maximumInterval, initial * 100)!;
    const delayMs = Math.min(maximum, initial * Math.pow(policy.backoffCoefficient || 2, attempt - 1));
    // A retry that would start after the execution timeout is not started.
    const expiration = start.__executionExpiration;
    if (expiration !== undefined && this.server.clock.now() + delayMs >= expiration) return 'timeout';
    return { delayMs };
  }

  /** Starts the next run of a chain (continue-as-new or retry); returns its run id. */
  private startNext(
    run: Execution,
    params: {
      request: Msg;
      attempt: number;
      initiator: string;
      continuedFailure?: Msg;
      lastCompletionResult?: Msg;
      backoffMs?: number;
    },
  ): string {
    const pendingUpdates = [...run.updates.values()].filter((u) => u.stage === 'admitted' || u.stage === 'delivered');
    const next = this.server.runStart.create({
      namespace: this.server.namespaces.get(run.namespace),
      request: { ...params.request, requestId: undefined, workflowStartDelay: undefined },
      firstExecutionRunId: run.firstExecutionRunId,
      continuedExecutionRunId: run.runId,
      initiator: params.initiator,
      attempt: params.attempt,
      continuedFailure: params.continuedFailure,
      lastCompletionResult: params.lastCompletionResult,
      backoffMs: params.backoffMs,
      parent: run.parent,
    });
    run.newRunIdOnClose = next.runId;
    // Updates the old run never saw move to the new run.
    for (const update of pendingUpdates) {
      run.updates.delete(update.updateId);
      update.stage = 'admitted';
      next.updates.set(update.updateId, update);
    }
    if (pendingUpdates.length) this.server.workflowTasks.ensure(next);
    return next.runId;
  }

  continueAsNew(run: Execution, attrs: ContinueAsNewAttributes, completedEventId: number): void {
    const start = run.startRequest as StartWorkflowExecutionRequest;
    const request: StartWorkflowExecutionRequest = {
      ...start,
      workflowType: attrs.workflowType?.name ? attrs.workflowType : start.workflowType,
      taskQueue: attrs.taskQueue?.name ? attrs.taskQueue : start.taskQueue,
      input: attrs.input,
      workflowRunTimeout: attrs.workflowRunTimeout ?? start.workflowRunTimeout,
      workflowTaskTimeout: attrs.workflowTaskTimeout ?? start.workflowTaskTimeout,
      retryPolicy: attrs.retryPolicy ?? start.retryPolicy,
      header: attrs.header,
      memo: attrs.memo ?? start.memo,
      searchAttributes: attrs.searchAttributes ?? { indexedFields: run.searchAttributes },
    };
    const newRunId = this.startNext(run, {
      request,
      attempt: 1,
      initiator: attrs.initiator ?? 'CONTINUE_AS_NEW_INITIATOR_WORKFLOW',
      continuedFailure: attrs.failure,
      lastCompletionResult: attrs.lastCompletionResult,
      backoffMs: durToMs(attrs.backoffStartInterval),
    });
    this.close(run, 'ContinuedAsNew', 'WorkflowExecutionContinuedAsNew', {
      newExecutionRunId: newRunId,
      workflowType: request.workflowType,
      taskQueue: { name: request.taskQueue?.name, kind: 'TASK_QUEUE_KIND_NORMAL' },
      input: attrs.input,
      workflowRunTimeout: request.workflowRunTimeout,
      workflowTaskTimeout: msToDur(durationOr(request.workflowTaskTimeout, DEFAULT_WORKFLOW_TASK_TIMEOUT_MS)!),
      workflowTaskCompletedEventId: completedEventId,
      backoffStartInterval: attrs.backoffStartInterval,
      initiator: attrs.initiator,
      failure: attrs.failure,
      lastCompletionResult: attrs.lastCompletionResult,
      header: attrs.header,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
    });
  }

  timeOut(run: Execution): void {
    if (!run.isRunning) return;
    this.close(run, 'TimedOut', 'WorkflowExecutionTimedOut', { retryState: 'RETRY_STATE_TIMEOUT' });
  }

  terminate(run: Execution, reason: string | undefined, details: Msg | undefined, identity?: string): void {
    if (run.workflowTask?.state === 'started') {
      if (run.workflowTask.speculative) this.server.workflowTasks.materialize(run);
      this.server.history.append(run, {
        kind: 'WorkflowTaskFailed',
        attributes: {
          scheduledEventId: run.workflowTask.scheduledEventId,
          startedEventId: run.workflowTask.startedEventId,
          cause: 'WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND',
          identity,
        },
      });
      this.server.workflowTasks.drop(run);
    }
    this.server.history.flushBuffered(run);
    this.close(run, 'Terminated', 'WorkflowExecutionTerminated', { reason, details, identity });
  }

  terminateWorkflowExecution(req: TerminateWorkflowExecutionRequest): Msg | Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const run = this.server.runs.runningNow(namespace.name, req.workflowExecution);
    if (!run) return this.server.runs.notRunning(namespace.name, req.workflowExecution);
    if (req.firstExecutionRunId && run.firstExecutionRunId !== req.firstExecutionRunId)
      throw notFound('workflow execution not found for the given first execution run id');
    this.terminate(run, req.reason, req.details, req.identity);
    return {};
  }

  async deleteWorkflowExecution(req: DeleteWorkflowExecutionRequest): Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const run = await this.server.runs.named(namespace.name, req.workflowExecution);
    const open = this.server.runs.byRunId(namespace.name, run.runId);
    if (open?.isRunning) this.terminate(open, 'deleted', undefined);
    this.server.runs.remove(run);
    return {};
  }

  requestCancelWorkflowExecution(req: RequestCancelWorkflowExecutionRequest): Msg | Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const run = this.server.runs.runningNow(namespace.name, req.workflowExecution);
    if (!run) return this.server.runs.notRunning(namespace.name, req.workflowExecution);
    if (req.firstExecutionRunId && run.firstExecutionRunId !== req.firstExecutionRunId)
      throw notFound('workflow execution not found for the given first execution run id');
    if (req.requestId && run.requestIds.has(`cancel:${req.requestId}`)) return {};
    if (req.requestId) run.requestIds.add(`cancel:${req.requestId}`);
    this.requestCancel(run, req.reason, req.identity);
    return {};
  }

  /** Asks the open run to cancel, once. */
  requestCancel(run: Execution, reason: string | undefined, identity?: string): void {
    if (run.cancelRequested) return;
    run.cancelRequested = true;
    this.server.history.add(
      run,
      { kind: 'WorkflowExecutionCancelRequested', attributes: { cause: reason, identity } },
      true,
    );
  }
}
