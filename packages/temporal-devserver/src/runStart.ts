/**
 * Starting runs: the workflow id reuse and conflict policies, start, signal-with-start,
 * update-with-start, signals from clients, and the first events and timers of every new run
 * (children, retries and continue-as-new included).
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from './grpcServer';
import type { Msg } from './protos';
import type {
  ExecuteMultiOperationRequest,
  SignalWithStartWorkflowExecutionRequest,
  SignalWorkflowExecutionRequest,
  StartWorkflowExecutionRequest,
  WireTime,
} from './wire';
import { invalidArgument, refuseUnstorableId, workflowAlreadyStarted } from './errors';
import type { EventDraft } from './events';
import { Execution } from './execution';
import { STATUS_ENUM } from './executionStatus';
import { durToMs, msToDur, msToTs, tsToMs, durationOr } from './time';
import { typedSearchAttributes, validateSearchAttributes } from './searchAttributes';
import { DEFAULT_WORKFLOW_TASK_TIMEOUT_MS } from './workflowTasks';
import type { Namespace } from './namespaces';
import type { RunSummary } from './runs';
import type { ServerContext } from './context';
import { andThen, type MaybePromise } from './maybePromise';

/** What the id policies decided: a run to hand back, or that a new one may start. */
export interface StartDecision {
  existing?: RunSummary;
  started: boolean;
}

export class RunStart {
  constructor(private readonly server: ServerContext) {}

  /** Creates a run and writes its first events; the caller has already applied id policies. */
  create(params: {
    namespace: Namespace;
    request: StartWorkflowExecutionRequest;
    firstExecutionRunId?: string;
    continuedExecutionRunId?: string;
    initiator?: string;
    attempt?: number;
    continuedFailure?: Msg;
    lastCompletionResult?: Msg;
    backoffMs?: number;
    parent?: { namespace: string; workflowId: string; runId: string; initiatedEventId: number };
    beforeFirstTask?: (run: Execution) => void;
  }): Execution {
    const { namespace, request } = params;
    const runId = randomUUID();
    const now = this.server.clock.now();
    const firstExecutionRunId = params.firstExecutionRunId ?? runId;
    const backoffMs = params.backoffMs ?? durToMs(request.workflowStartDelay) ?? 0;
    const run = new Execution(
      namespace.name,
      request.workflowId as string,
      runId,
      firstExecutionRunId,
      request.workflowType?.name as string,
      request.taskQueue?.name as string,
      now,
      now + backoffMs,
      request,
      params.parent,
    );
    run.searchAttributes = typedSearchAttributes(namespace, request.searchAttributes?.indexedFields ?? {});
    run.memo = { ...(request.memo?.fields ?? {}) };
    if (request.requestId) run.requestIds.add(request.requestId);
    this.server.runs.add(run);

    const executionTimeoutMs = durationOr(request.workflowExecutionTimeout, undefined);
    const runTimeoutMs = durationOr(request.workflowRunTimeout, executionTimeoutMs);
    const firstStart = params.parent === undefined && params.firstExecutionRunId === undefined ? now : undefined;
    const expiration =
      request.__executionExpiration ??
      (executionTimeoutMs && firstStart !== undefined ? firstStart + executionTimeoutMs : undefined);
    request.__executionExpiration = expiration;
    this.server.history.append(run, {
      kind: 'WorkflowExecutionStarted',
      attributes: {
        workflowType: request.workflowType,
        parentWorkflowNamespace: params.parent?.namespace,
        parentWorkflowNamespaceId: params.parent
          ? this.server.namespaces.byName.get(params.parent.namespace)?.id
          : undefined,
        parentWorkflowExecution: params.parent
          ? { workflowId: params.parent.workflowId, runId: params.parent.runId }
          : undefined,
        parentInitiatedEventId: params.parent?.initiatedEventId,
        taskQueue: { name: run.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
        input: request.input,
        workflowExecutionTimeout: executionTimeoutMs ? msToDur(executionTimeoutMs) : undefined,
        workflowRunTimeout: runTimeoutMs ? msToDur(runTimeoutMs) : undefined,
        workflowTaskTimeout: msToDur(durationOr(request.workflowTaskTimeout, DEFAULT_WORKFLOW_TASK_TIMEOUT_MS)!),
        continuedExecutionRunId: params.continuedExecutionRunId,
        initiator: params.initiator,
        continuedFailure: params.continuedFailure,
        lastCompletionResult: params.lastCompletionResult,
        originalExecutionRunId: runId,
        identity: request.identity,
        firstExecutionRunId,
        retryPolicy: request.retryPolicy,
        attempt: params.attempt ?? 1,
        workflowExecutionExpirationTime: expiration ? msToTs(expiration) : undefined,
        cronSchedule: request.cronSchedule,
        firstWorkflowTaskBackoff: backoffMs ? msToDur(backoffMs) : undefined,
        memo: request.memo,
        searchAttributes: request.searchAttributes,
        header: request.header,
        workflowId: run.workflowId,
        priority: request.priority,
      },
    });
    params.beforeFirstTask?.(run);
    if (runTimeoutMs) {
      run.closeTimers.push(this.server.clock.schedule(now + runTimeoutMs, () => this.server.runClose.timeOut(run)));
    }
    if (expiration && (!runTimeoutMs || expiration < now + runTimeoutMs)) {
      run.closeTimers.push(this.server.clock.schedule(expiration, () => this.server.runClose.timeOut(run)));
    }
    if (backoffMs > 0) {
      // Counted from the started event's own time, which the clock may have moved past `now`.
      const startedAt = tsToMs(run.history[0].eventTime as WireTime | undefined)!;
      run.closeTimers.push(
        this.server.clock.schedule(startedAt + backoffMs, () => this.server.workflowTasks.ensure(run)),
      );
    } else {
      this.server.workflowTasks.ensure(run);
    }
    return run;
  }

  /**
   * Applies the id reuse and conflict policies. Returns an existing run to hand back (request id
   * dedup or USE_EXISTING), or `started` when a new run may start. Decided at once unless the
   * workflow's latest run is a closed one the store must be asked about.
   */
  applyStartPolicies(namespace: Namespace, request: StartWorkflowExecutionRequest): MaybePromise<StartDecision> {
    const workflowId = request.workflowId as string;
    const running = this.server.runs.latestOpen(namespace.name, workflowId);
    if (running) return this.applyConflictPolicy(request, running);
    return andThen(this.server.runs.latest(namespace.name, workflowId), (closed) => {
      // A run of that id may have started while the store was read.
      const open = this.server.runs.latestOpen(namespace.name, workflowId);
      return open ? this.applyConflictPolicy(request, open) : this.applyReusePolicy(request, closed);
    });
  }

  /** The workflow id reuse policy against the workflow's latest run, closed. */
  private applyReusePolicy(request: StartWorkflowExecutionRequest, current: RunSummary | undefined): StartDecision {
    if (!current) return { started: true };
    if (request.requestId && current.requestIds.has(request.requestId)) return { existing: current, started: true };
    const reuse = request.workflowIdReusePolicy ?? 'WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED';
    const closedCleanly = current.status === 'Completed';
    const rejected =
      reuse === 'WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE' ||
      (reuse === 'WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY' && closedCleanly);
    if (rejected) {
      throw workflowAlreadyStarted(
        `Workflow execution already finished and the workflow id reuse policy does not allow another. WorkflowId: ${request.workflowId}, RunId: ${current.runId}.`,
        [...current.requestIds][0] ?? '',
        current.runId,
      );
    }
    return { started: true };
  }

  /** The workflow id conflict policy against the workflow's open run. */
  private applyConflictPolicy(request: StartWorkflowExecutionRequest, current: Execution): StartDecision {
    if (request.requestId && current.requestIds.has(request.requestId)) return { existing: current, started: true };
    const conflict = request.workflowIdConflictPolicy ?? 'WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED';
    const reuse = request.workflowIdReusePolicy ?? 'WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED';
    if (conflict === 'WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING') {
      if (request.requestId) current.requestIds.add(request.requestId);
      return { existing: current, started: false };
    }
    if (
      conflict === 'WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING' ||
      reuse === 'WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING'
    ) {
      this.server.runClose.terminate(
        current,
        'terminated by a new start with the same workflow id',
        undefined,
        request.identity,
      );
      return { started: true };
    }
    throw workflowAlreadyStarted(
      `Workflow execution is already running. WorkflowId: ${request.workflowId}, RunId: ${current.runId}.`,
      [...current.requestIds][0] ?? '',
      current.runId,
    );
  }

  private validateStart(namespace: Namespace, request: StartWorkflowExecutionRequest): void {
    if (!request.workflowId) throw invalidArgument('WorkflowId is not set on request.');
    refuseUnstorableId(request.workflowId, 'WorkflowId');
    if (!request.workflowType?.name) throw invalidArgument('WorkflowType is not set on request.');
    if (!request.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
    if (request.cronSchedule) throw invalidArgument('cron schedules are not supported by this server');
    const badAttribute = validateSearchAttributes(namespace, request.searchAttributes);
    if (badAttribute) throw invalidArgument(badAttribute);
  }

  startWorkflowExecution(req: StartWorkflowExecutionRequest): Msg | Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    this.validateStart(namespace, req);
    return andThen(this.applyStartPolicies(namespace, req), (decision) => this.startDecided(namespace, req, decision));
  }

  /**
   * Starts a run with a request id never used before, under a reuse policy that lets any closed run
   * be followed (as a schedule's starts are): only an open run of the id can stand in the way, so
   * no closed run needs reading and the start is decided at once.
   */
  startFresh(
    req: StartWorkflowExecutionRequest & { workflowIdReusePolicy: 'WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE' },
  ): Msg {
    const namespace = this.server.namespaces.get(req.namespace);
    this.validateStart(namespace, req);
    const running = this.server.runs.latestOpen(namespace.name, req.workflowId as string);
    return this.startDecided(namespace, req, running ? this.applyConflictPolicy(req, running) : { started: true });
  }

  private startDecided(namespace: Namespace, req: StartWorkflowExecutionRequest, decision: StartDecision): Msg {
    const { existing, started } = decision;
    if (existing) return { runId: existing.runId, started, status: STATUS_ENUM[existing.status] };
    const run = this.create({ namespace, request: req });
    return { runId: run.runId, started: true, status: STATUS_ENUM.Running };
  }

  signalWithStartWorkflowExecution(req: SignalWithStartWorkflowExecutionRequest): Msg | Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    if (!req.signalName) throw invalidArgument('SignalName is not set on request.');
    const current = this.server.runs.latestOpen(namespace.name, req.workflowId as string);
    const signal: EventDraft = {
      kind: 'WorkflowExecutionSignaled',
      attributes: { signalName: req.signalName, input: req.signalInput, identity: req.identity, header: req.header },
    };
    if (current && req.workflowIdConflictPolicy !== 'WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING') {
      if (!(req.requestId && current.requestIds.has(req.requestId))) {
        if (req.requestId) current.requestIds.add(req.requestId);
        this.server.history.add(current, signal, true);
      }
      return { runId: current.runId, started: false };
    }
    this.validateStart(namespace, req);
    return andThen(this.applyStartPolicies(namespace, req), ({ existing, started }) => {
      if (existing) return { runId: existing.runId, started };
      const run = this.create({
        namespace,
        request: req,
        beforeFirstTask: (first) => this.server.history.append(first, signal),
      });
      return { runId: run.runId, started: true };
    });
  }

  executeMultiOperation(req: ExecuteMultiOperationRequest, context: CallContext): Promise<Msg> | Msg {
    const ops = req.operations ?? [];
    if (ops.length !== 2 || !ops[0].startWorkflow || !ops[1].updateWorkflow) {
      throw invalidArgument('ExecuteMultiOperation supports exactly [StartWorkflow, UpdateWorkflow]');
    }
    const namespace = this.server.namespaces.get(req.namespace);
    const start: StartWorkflowExecutionRequest = { ...ops[0].startWorkflow, namespace: namespace.name };
    const update = ops[1].updateWorkflow;
    if (
      start.workflowIdConflictPolicy !== 'WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING' &&
      start.workflowIdConflictPolicy !== 'WORKFLOW_ID_CONFLICT_POLICY_FAIL'
    ) {
      throw invalidArgument('update-with-start requires a workflow id conflict policy of USE_EXISTING or FAIL');
    }
    const withUpdate = (startResponse: Msg): Promise<Msg> =>
      this.server.updates
        .updateWorkflowExecution(
          {
            ...update,
            namespace: namespace.name,
            workflowExecution: { workflowId: start.workflowId, runId: startResponse.runId as string },
          },
          context,
        )
        .then((updateResponse) => ({
          responses: [{ startWorkflow: startResponse }, { updateWorkflow: updateResponse }],
        }));
    return andThen(this.startWorkflowExecution(start), withUpdate);
  }

  signalWorkflowExecution(req: SignalWorkflowExecutionRequest): Msg | Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    if (!req.signalName) throw invalidArgument('SignalName is not set on request.');
    const run = this.server.runs.runningNow(namespace.name, req.workflowExecution);
    if (!run) return this.server.runs.notRunning(namespace.name, req.workflowExecution);
    if (req.requestId && run.requestIds.has(`signal:${req.requestId}`)) return {};
    if (req.requestId) run.requestIds.add(`signal:${req.requestId}`);
    this.server.history.add(
      run,
      {
        kind: 'WorkflowExecutionSignaled',
        attributes: { signalName: req.signalName, input: req.input, identity: req.identity, header: req.header },
      },
      true,
    );
    return {};
  }
}
