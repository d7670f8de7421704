/**
 * temporal.api.workflowservice.v1.WorkflowService, in memory: workflow runs, their histories,
 * workflow and activity task matching, timers on the virtual clock, signals, queries, updates,
 * cancellation, children, continue-as-new and visibility.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { CallContext } from './grpcServer';
import { type Msg, unpackAny, packAny } from './protos';
import {
  ServiceError,
  deadlineExceeded,
  failedPrecondition,
  invalidArgument,
  namespaceNotFound,
  notFound,
  queryFailed,
  workflowAlreadyStarted,
} from './errors';
import { type EventDraft, buildEvent, commandAttributesKey, eventAttributes, isCloseCommand } from './events';
import {
  type ActivityState,
  Execution,
  type ExecutionStatus,
  type PendingQuery,
  STATUS_ENUM,
  type UpdateState,
} from './execution';
import { TaskQueue } from './matching';
import { VirtualClock, durToMs, msToDur, msToTs, tsToMs } from './time';
import {
  type CompiledQuery,
  type SearchAttributeType,
  type VisibilityRecord,
  VisibilityQueryError,
  compileVisibilityQuery,
} from './visibility';

const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = 10_000;
const LONG_POLL_MS = 20_000;
const SERVER_VERSION = '1.24.0';
/** The request id a real server gives the started event of a task it hands out in a completion's answer. */
export const STARTED_IN_COMPLETION = 'request-from-RespondWorkflowTaskCompleted';

type WorkflowTask =
  { kind: 'workflow'; ex: Execution; token: string } | { kind: 'query'; ex: Execution; query: PendingQuery };
interface ActivityTask {
  ex: Execution;
  activity: ActivityState;
  token: string;
}

interface TaskToken {
  k: 'wt' | 'at' | 'q';
  ns: string;
  wid: string;
  rid: string;
  /** workflow task: its token; activity: scheduled event id; query: query id */
  id: string;
  a?: number;
}

const encodeToken = (t: TaskToken): Buffer => Buffer.from(JSON.stringify(t));
function decodeToken(buf: Buffer | undefined): TaskToken {
  try {
    return JSON.parse(Buffer.from(buf ?? []).toString()) as TaskToken;
  } catch {
    throw invalidArgument('task token is malformed');
  }
}

export interface Namespace {
  name: string;
  id: string;
  description: string;
  retentionMs: number;
  searchAttributes: Map<string, SearchAttributeType>;
}

export const SEARCH_ATTRIBUTE_TYPES: Record<SearchAttributeType, string> = {
  Text: 'INDEXED_VALUE_TYPE_TEXT',
  Keyword: 'INDEXED_VALUE_TYPE_KEYWORD',
  Int: 'INDEXED_VALUE_TYPE_INT',
  Double: 'INDEXED_VALUE_TYPE_DOUBLE',
  Bool: 'INDEXED_VALUE_TYPE_BOOL',
  Datetime: 'INDEXED_VALUE_TYPE_DATETIME',
  KeywordList: 'INDEXED_VALUE_TYPE_KEYWORD_LIST',
};

/** Attributes every Temporal namespace has; the SDK upserts TemporalChangeVersion for patches. */
export const PREDEFINED_SEARCH_ATTRIBUTES: Record<string, SearchAttributeType> = {
  TemporalChangeVersion: 'KeywordList',
  BinaryChecksums: 'KeywordList',
  BuildIds: 'KeywordList',
  BatcherUser: 'Keyword',
  TemporalScheduledStartTime: 'Datetime',
  TemporalScheduledById: 'Keyword',
  TemporalSchedulePaused: 'Bool',
  TemporalWorkerDeploymentVersion: 'Keyword',
  TemporalWorkerDeployment: 'Keyword',
  TemporalWorkflowVersioningBehavior: 'Keyword',
};

/** Whether a decoded value fits the attribute's type; SDKs may send any type as a list of values. */
function fitsSearchAttributeType(type: SearchAttributeType, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  if (type !== 'KeywordList' && values.length > 1) return false;
  return values.every((v) => {
    switch (type) {
      case 'Keyword':
      case 'KeywordList':
      case 'Text':
        return typeof v === 'string';
      case 'Int':
        return typeof v === 'number' && Number.isInteger(v);
      case 'Double':
        return typeof v === 'number';
      case 'Bool':
        return typeof v === 'boolean';
      case 'Datetime':
        return typeof v === 'string' && !Number.isNaN(Date.parse(v));
      default:
        return false;
    }
  });
}

function payloadToJs(payload: Msg | undefined): unknown {
  if (!payload?.data || payload.data.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString());
  } catch {
    return Buffer.from(payload.data).toString();
  }
}

const durationOr = (value: Msg | undefined, fallback: number | undefined): number | undefined => {
  const ms = durToMs(value);
  return ms && ms > 0 ? ms : fallback;
};

export interface WorkflowServiceOptions {
  clock: VirtualClock;
  log?: (line: string) => void;
}

export class WorkflowService {
  readonly namespaces = new Map<string, Namespace>();
  /** Runs by namespace/workflowId, oldest first. */
  private readonly runs = new Map<string, Execution[]>();
  private readonly runsById = new Map<string, Execution>();
  private readonly workflowQueues = new Map<string, TaskQueue<WorkflowTask>>();
  private readonly activityQueues = new Map<string, TaskQueue<ActivityTask>>();
  private readonly clock: VirtualClock;
  private outstandingWorkflowTasks = 0;
  private outstandingActivityTasks = 0;
  private stopped = false;

  constructor(options: WorkflowServiceOptions) {
    this.clock = options.clock;
    this.registerNamespaceRecord('default', 'Default namespace');
  }

  /** Workflow or activity work outstanding: time may not skip. */
  isBusy(): boolean {
    return this.outstandingWorkflowTasks > 0 || this.outstandingActivityTasks > 0;
  }

  stop(): void {
    this.stopped = true;
    for (const q of this.workflowQueues.values()) q.releaseAll();
    for (const q of this.activityQueues.values()) q.releaseAll();
  }

  // ---------------------------------------------------------------- namespaces & system

  private registerNamespaceRecord(name: string, description: string, retentionMs = 86_400_000): Namespace {
    const ns: Namespace = { name, id: randomUUID(), description, retentionMs, searchAttributes: new Map() };
    this.namespaces.set(name, ns);
    return ns;
  }

  namespace(name: string | undefined): Namespace {
    const ns = this.namespaces.get(name || 'default');
    if (!ns) throw namespaceNotFound(name ?? '');
    return ns;
  }

  getSystemInfo(): Msg {
    return {
      serverVersion: SERVER_VERSION,
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        encodedFailureAttributes: true,
        upsertMemo: true,
        sdkMetadata: true,
        eagerWorkflowStart: false,
        supportsSchedules: false,
        buildIdBasedVersioning: false,
        countGroupByExecutionStatus: true,
        nexus: false,
      },
    };
  }

  getClusterInfo(): Msg {
    return {
      clusterName: 'devserver',
      clusterId: 'devserver',
      serverVersion: SERVER_VERSION,
      historyShardCount: 1,
      persistenceStore: 'memory',
      visibilityStore: 'memory',
    };
  }

  private describeNamespaceRecord(ns: Namespace): Msg {
    return {
      namespaceInfo: {
        name: ns.name,
        state: 'NAMESPACE_STATE_REGISTERED',
        description: ns.description,
        id: ns.id,
        supportsSchedules: false,
      },
      config: {
        workflowExecutionRetentionTtl: msToDur(ns.retentionMs),
        historyArchivalState: 'ARCHIVAL_STATE_DISABLED',
        visibilityArchivalState: 'ARCHIVAL_STATE_DISABLED',
      },
      replicationConfig: { activeClusterName: 'devserver', clusters: [{ clusterName: 'devserver' }] },
      isGlobalNamespace: false,
    };
  }

  describeNamespace(req: Msg): Msg {
    const ns = req.id ? [...this.namespaces.values()].find((n) => n.id === req.id) : this.namespaces.get(req.namespace);
    if (!ns) throw namespaceNotFound(req.namespace ?? req.id ?? '');
    return this.describeNamespaceRecord(ns);
  }

  listNamespaces(): Msg {
    return { namespaces: [...this.namespaces.values()].map((ns) => this.describeNamespaceRecord(ns)) };
  }

  registerNamespace(req: Msg): Msg {
    if (!req.namespace) throw invalidArgument('namespace is required');
    if (this.namespaces.has(req.namespace))
      throw new ServiceError(status.ALREADY_EXISTS, `Namespace ${req.namespace} already exists.`);
    this.registerNamespaceRecord(
      req.namespace,
      req.description ?? '',
      durToMs(req.workflowExecutionRetentionPeriod) ?? 86_400_000,
    );
    return {};
  }

  getSearchAttributes(): Msg {
    return { keys: this.searchAttributeKeys(this.namespace('default')) };
  }

  searchAttributeKeys(ns: Namespace): Record<string, string> {
    const keys: Record<string, string> = {};
    for (const [name, type] of ns.searchAttributes) keys[name] = SEARCH_ATTRIBUTE_TYPES[type];
    return keys;
  }

  // ---------------------------------------------------------------- run lookup

  private runKey(namespace: string, workflowId: string): string {
    return `${namespace}\u0000${workflowId}`;
  }

  private latestRun(namespace: string, workflowId: string): Execution | undefined {
    const list = this.runs.get(this.runKey(namespace, workflowId));
    return list?.[list.length - 1];
  }

  private findRun(namespace: string, execution: Msg | undefined): Execution {
    const workflowId: string | undefined = execution?.workflowId;
    if (!workflowId) throw invalidArgument('workflow id is required');
    const runId: string | undefined = execution?.runId || undefined;
    const ex = runId ? this.runsById.get(`${namespace}\u0000${runId}`) : this.latestRun(namespace, workflowId);
    if (!ex || ex.workflowId !== workflowId) {
      throw notFound(
        `workflow execution not found for workflow ID "${workflowId}"${runId ? ` and run ID "${runId}"` : ''}`,
      );
    }
    return ex;
  }

  private runningRun(namespace: string, execution: Msg | undefined): Execution {
    const ex = this.findRun(namespace, execution);
    if (!ex.isRunning) throw notFound('workflow execution already completed');
    return ex;
  }

  allRuns(): Execution[] {
    return [...this.runsById.values()];
  }

  // ---------------------------------------------------------------- starting runs

  /** Stamps each payload with its attribute's type, as the server's type map does for old SDKs. */
  private typedSearchAttributes(ns: Namespace, fields: Record<string, Msg>): Record<string, Msg> {
    const typed: Record<string, Msg> = {};
    for (const [name, payload] of Object.entries(fields)) {
      const type = ns.searchAttributes.get(name) ?? PREDEFINED_SEARCH_ATTRIBUTES[name];
      typed[name] =
        type && !payload.metadata?.type
          ? { ...payload, metadata: { ...payload.metadata, type: Buffer.from(type) } }
          : payload;
    }
    return typed;
  }

  private validateSearchAttributes(ns: Namespace, attributes: Msg | undefined): string | undefined {
    for (const [name, payload] of Object.entries((attributes?.indexedFields ?? {}) as Record<string, Msg>)) {
      const type = ns.searchAttributes.get(name) ?? PREDEFINED_SEARCH_ATTRIBUTES[name];
      if (!type) return `search attribute ${name} is not defined`;
      const value = payloadToJs(payload);
      if (value !== undefined && value !== null && !fitsSearchAttributeType(type, value)) {
        return `invalid value for search attribute ${name} of type ${type}: ${JSON.stringify(value)}`;
      }
    }
    return undefined;
  }

  /** Creates a run and writes its first events; the caller has already applied id policies. */
  private createRun(params: {
    ns: Namespace;
    request: Msg;
    firstExecutionRunId?: string;
    continuedExecutionRunId?: string;
    initiator?: string;
    attempt?: number;
    continuedFailure?: Msg;
    lastCompletionResult?: Msg;
    backoffMs?: number;
    parent?: { namespace: string; workflowId: string; runId: string; initiatedEventId: number };
    beforeFirstTask?: (ex: Execution) => void;
  }): Execution {
    const { ns, request } = params;
    const runId = randomUUID();
    const now = this.clock.now();
    const firstExecutionRunId = params.firstExecutionRunId ?? runId;
    const backoffMs = params.backoffMs ?? durToMs(request.workflowStartDelay) ?? 0;
    const ex = new Execution(
      ns.name,
      request.workflowId,
      runId,
      firstExecutionRunId,
      request.workflowType?.name,
      request.taskQueue?.name,
      now,
      now + backoffMs,
      request,
      params.parent,
    );
    ex.searchAttributes = this.typedSearchAttributes(ns, request.searchAttributes?.indexedFields ?? {});
    ex.memo = { ...(request.memo?.fields ?? {}) };
    if (request.requestId) ex.requestIds.add(request.requestId);
    const list = this.runs.get(this.runKey(ns.name, ex.workflowId)) ?? [];
    list.push(ex);
    this.runs.set(this.runKey(ns.name, ex.workflowId), list);
    this.runsById.set(`${ns.name}\u0000${runId}`, ex);

    const executionTimeoutMs = durationOr(request.workflowExecutionTimeout, undefined);
    const runTimeoutMs = durationOr(request.workflowRunTimeout, executionTimeoutMs);
    const firstStart = params.parent === undefined && params.firstExecutionRunId === undefined ? now : undefined;
    const expiration =
      (request.__executionExpiration as number | undefined) ??
      (executionTimeoutMs && firstStart !== undefined ? firstStart + executionTimeoutMs : undefined);
    request.__executionExpiration = expiration;
    this.appendEvent(ex, {
      kind: 'WorkflowExecutionStarted',
      attributes: {
        workflowType: request.workflowType,
        parentWorkflowNamespace: params.parent?.namespace,
        parentWorkflowNamespaceId: params.parent ? this.namespaces.get(params.parent.namespace)?.id : undefined,
        parentWorkflowExecution: params.parent
          ? { workflowId: params.parent.workflowId, runId: params.parent.runId }
          : undefined,
        parentInitiatedEventId: params.parent?.initiatedEventId,
        taskQueue: { name: ex.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
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
        workflowId: ex.workflowId,
        priority: request.priority,
      },
    });
    params.beforeFirstTask?.(ex);
    if (runTimeoutMs) {
      ex.closeTimers.push(this.clock.schedule(now + runTimeoutMs, () => this.timeOutRun(ex)));
    }
    if (expiration && (!runTimeoutMs || expiration < now + runTimeoutMs)) {
      ex.closeTimers.push(this.clock.schedule(expiration, () => this.timeOutRun(ex)));
    }
    if (backoffMs > 0) {
      // Counted from the started event's own time, which the clock may have moved past `now`.
      const startedAt = tsToMs(ex.history[0].eventTime)!;
      ex.closeTimers.push(this.clock.schedule(startedAt + backoffMs, () => this.ensureWorkflowTask(ex)));
    } else {
      this.ensureWorkflowTask(ex);
    }
    return ex;
  }

  /**
   * Applies the id reuse and conflict policies. Returns an existing run to hand back
   * (request id dedup or USE_EXISTING), or undefined when a new run may start.
   */
  private applyStartPolicies(ns: Namespace, request: Msg): { existing?: Execution; started: boolean } {
    const current = this.latestRun(ns.name, request.workflowId);
    if (!current) return { started: true };
    if (current.isRunning) {
      if (request.requestId && current.requestIds.has(request.requestId)) return { existing: current, started: true };
      const conflict: string = request.workflowIdConflictPolicy ?? 'WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED';
      const reuse: string = request.workflowIdReusePolicy ?? 'WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED';
      if (conflict === 'WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING') {
        if (request.requestId) current.requestIds.add(request.requestId);
        return { existing: current, started: false };
      }
      if (
        conflict === 'WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING' ||
        reuse === 'WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING'
      ) {
        this.terminateRun(current, 'terminated by a new start with the same workflow id', undefined, request.identity);
        return { started: true };
      }
      throw workflowAlreadyStarted(
        `Workflow execution is already running. WorkflowId: ${request.workflowId}, RunId: ${current.runId}.`,
        [...current.requestIds][0] ?? '',
        current.runId,
      );
    }
    if (request.requestId && current.requestIds.has(request.requestId)) return { existing: current, started: true };
    const reuse: string = request.workflowIdReusePolicy ?? 'WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED';
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

  private validateStart(ns: Namespace, request: Msg): void {
    if (!request.workflowId) throw invalidArgument('WorkflowId is not set on request.');
    if (!request.workflowType?.name) throw invalidArgument('WorkflowType is not set on request.');
    if (!request.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
    if (request.cronSchedule) throw invalidArgument('cron schedules are not supported by this server');
    const badAttribute = this.validateSearchAttributes(ns, request.searchAttributes);
    if (badAttribute) throw invalidArgument(badAttribute);
  }

  startWorkflowExecution(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    this.validateStart(ns, req);
    const { existing, started } = this.applyStartPolicies(ns, req);
    if (existing) return { runId: existing.runId, started, status: STATUS_ENUM[existing.status] };
    const ex = this.createRun({ ns, request: req });
    return { runId: ex.runId, started: true, status: STATUS_ENUM.Running };
  }

  signalWithStartWorkflowExecution(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    if (!req.signalName) throw invalidArgument('SignalName is not set on request.');
    const current = this.latestRun(ns.name, req.workflowId);
    const signal: EventDraft = {
      kind: 'WorkflowExecutionSignaled',
      attributes: { signalName: req.signalName, input: req.signalInput, identity: req.identity, header: req.header },
    };
    if (current?.isRunning && req.workflowIdConflictPolicy !== 'WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING') {
      if (!(req.requestId && current.requestIds.has(req.requestId))) {
        if (req.requestId) current.requestIds.add(req.requestId);
        this.addEvent(current, signal, true);
      }
      return { runId: current.runId, started: false };
    }
    this.validateStart(ns, req);
    const { existing, started } = this.applyStartPolicies(ns, {
      ...req,
      workflowIdConflictPolicy: req.workflowIdConflictPolicy,
    });
    if (existing) return { runId: existing.runId, started };
    const ex = this.createRun({ ns, request: req, beforeFirstTask: (run) => this.appendEvent(run, signal) });
    return { runId: ex.runId, started: true };
  }

  executeMultiOperation(req: Msg, context: CallContext): Promise<Msg> | Msg {
    const ops: Msg[] = req.operations ?? [];
    if (ops.length !== 2 || !ops[0].startWorkflow || !ops[1].updateWorkflow) {
      throw invalidArgument('ExecuteMultiOperation supports exactly [StartWorkflow, UpdateWorkflow]');
    }
    const ns = this.namespace(req.namespace);
    const start: Msg = { ...ops[0].startWorkflow, namespace: ns.name };
    const update: Msg = ops[1].updateWorkflow;
    if (
      start.workflowIdConflictPolicy !== 'WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING' &&
      start.workflowIdConflictPolicy !== 'WORKFLOW_ID_CONFLICT_POLICY_FAIL'
    ) {
      throw invalidArgument('update-with-start requires a workflow id conflict policy of USE_EXISTING or FAIL');
    }
    const startResponse = this.startWorkflowExecution(start);
    return this.updateWorkflowExecution(
      {
        ...update,
        namespace: ns.name,
        workflowExecution: { workflowId: start.workflowId, runId: startResponse.runId },
      },
      context,
    ).then((updateResponse) => ({ responses: [{ startWorkflow: startResponse }, { updateWorkflow: updateResponse }] }));
  }

  // ---------------------------------------------------------------- history

  private appendEvent(ex: Execution, draft: EventDraft): number {
    const eventId = ex.nextEventId;
    ex.history.push(buildEvent(eventId, this.clock.now(), draft));
    draft.onWritten?.(eventId);
    ex.notify();
    return eventId;
  }

  /**
   * Adds an event from outside the workflow (signal, activity result, timer...). While a workflow
   * task is in flight it waits in the buffer, as on a real server; `wake` asks for a workflow task.
   */
  private addEvent(ex: Execution, draft: EventDraft, wake: boolean): void {
    if (!ex.isRunning) return;
    if (ex.wt?.state === 'started') {
      ex.buffered.push(draft);
      if (wake) ex.bufferedWake = true;
      return;
    }
    if (ex.wt?.speculative) this.materializeWorkflowTask(ex);
    this.appendEvent(ex, draft);
    if (wake) this.ensureWorkflowTask(ex);
  }

  private flushBuffered(ex: Execution): boolean {
    const wake = ex.bufferedWake || ex.buffered.length > 0;
    const drafts = ex.buffered;
    ex.buffered = [];
    ex.bufferedWake = false;
    for (const draft of drafts) this.appendEvent(ex, draft);
    return wake;
  }

  // ---------------------------------------------------------------- workflow tasks

  private workflowQueue(namespace: string, name: string): TaskQueue<WorkflowTask> {
    const key = `${namespace}\u0000${name}`;
    let q = this.workflowQueues.get(key);
    if (!q) this.workflowQueues.set(key, (q = new TaskQueue()));
    return q;
  }

  private activityQueue(namespace: string, name: string): TaskQueue<ActivityTask> {
    const key = `${namespace}\u0000${name}`;
    let q = this.activityQueues.get(key);
    if (!q) this.activityQueues.set(key, (q = new TaskQueue()));
    return q;
  }

  private workflowTaskTimeoutMs(ex: Execution): number {
    return durationOr(ex.startRequest.workflowTaskTimeout, DEFAULT_WORKFLOW_TASK_TIMEOUT_MS)!;
  }

  /**
   * Schedules a workflow task unless one is pending. `forUpdate`: only updates wait, so the task
   * stays out of history unless it produces something. A retry of a failing task (attempt > 1)
   * also stays out of history until it completes, and is handed out after `delayMs`.
   */
  private ensureWorkflowTask(ex: Execution, forUpdate = false, delayMs = 0): void {
    if (!ex.isRunning) return;
    if (ex.executionTime > this.clock.now()) return; // the delayed first task is on its timer
    if (ex.wt) {
      if (ex.wt.state === 'scheduled' && ex.wt.speculative && !forUpdate) this.materializeWorkflowTask(ex);
      return;
    }
    const attempt = ex.wtFailureStreak + 1;
    const token = randomUUID();
    const retry = attempt > 1;
    ex.wt = {
      scheduledEventId: 0,
      startedEventId: 0,
      attempt,
      state: 'scheduled',
      speculative: forUpdate || retry,
      droppable: forUpdate && !retry,
      offered: false,
      scheduledTime: this.clock.now() + delayMs,
      startedTime: 0,
      token,
      deliveredUpdates: [],
    };
    if (!ex.wt.speculative) this.writeWorkflowTaskScheduled(ex);
    const offer = (): void => {
      if (ex.wt?.token !== token || ex.wt.offered) return;
      ex.wt.offered = true;
      this.outstandingWorkflowTasks++;
      if (!ex.nextTaskInAnswer) this.offerWorkflowTask(ex, token);
    };
    if (delayMs > 0) this.clock.scheduleAfter(delayMs, offer);
    else offer();
  }

  /** The worker is done with the task: its answer has gone out, or it will never come. */
  private doneAtWorker(ex: Execution, taskId: string): void {
    if (!ex.atWorker.delete(taskId) || ex.atWorker.size > 0) return;
    for (const offer of ex.heldOffers.splice(0)) offer();
  }

  /**
   * A run whose worker asked for stickiness gets its tasks on that worker's sticky queue (with only
   * the new events); if that worker does not pick it up in time, the task moves to the normal queue.
   */
  private offerWorkflowTask(ex: Execution, token: string): void {
    const sticky = ex.sticky;
    if (!sticky) {
      this.workflowQueue(ex.namespace, ex.taskQueue).offer({ kind: 'workflow', ex, token });
      return;
    }
    this.workflowQueue(ex.namespace, sticky.queue).offer({ kind: 'workflow', ex, token });
    const fallback = setTimeout(() => {
      if (ex.wt?.token !== token || ex.wt.state !== 'scheduled') return;
      if (ex.sticky === sticky) ex.sticky = undefined;
      this.workflowQueue(ex.namespace, ex.taskQueue).offer({ kind: 'workflow', ex, token });
    }, sticky.timeoutMs);
    fallback.unref();
  }

  /** Moves the runs stuck to a sticky queue back to the normal one (its worker has gone). */
  private releaseStickyQueue(namespace: string, queue: string): void {
    for (const ex of this.runsById.values()) {
      if (ex.namespace !== namespace || ex.sticky?.queue !== queue) continue;
      ex.sticky = undefined;
      if (ex.wt?.state === 'scheduled')
        this.workflowQueue(ex.namespace, ex.taskQueue).offer({ kind: 'workflow', ex, token: ex.wt.token });
    }
  }

  private writeWorkflowTaskScheduled(ex: Execution): void {
    const wt = ex.wt!;
    wt.scheduledEventId = this.appendEvent(ex, {
      kind: 'WorkflowTaskScheduled',
      attributes: {
        taskQueue: { name: ex.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
        startToCloseTimeout: msToDur(this.workflowTaskTimeoutMs(ex)),
        attempt: wt.attempt,
      },
    });
  }

  private writeWorkflowTaskStarted(ex: Execution, identity?: string, requestId?: string): void {
    const wt = ex.wt!;
    wt.startedEventId = this.appendEvent(ex, {
      kind: 'WorkflowTaskStarted',
      attributes: { scheduledEventId: wt.scheduledEventId, identity, requestId, historySizeBytes: 0 },
    });
  }

  /** Turns a speculative workflow task into a normal one whose events are in history. */
  private materializeWorkflowTask(ex: Execution): void {
    const wt = ex.wt!;
    if (!wt.speculative) return;
    wt.speculative = false;
    wt.droppable = false;
    this.writeWorkflowTaskScheduled(ex);
    if (wt.state === 'started') this.writeWorkflowTaskStarted(ex, wt.identity, wt.requestId);
  }

  private finishWorkflowTask(ex: Execution): void {
    if (!ex.wt) return;
    ex.wt.timeout?.cancel();
    if (ex.wt.offered) this.outstandingWorkflowTasks--;
    ex.wt = null;
    this.clock.poke();
  }

  /** Ends a task the run closed under: queries on the closed run need not wait for its worker. */
  private dropWorkflowTask(ex: Execution): void {
    const token = ex.wt!.token;
    this.finishWorkflowTask(ex);
    this.doneAtWorker(ex, token);
  }

  async pollWorkflowTaskQueue(req: Msg, context: CallContext): Promise<Msg> {
    const ns = this.namespace(req.namespace);
    const queueName: string = req.taskQueue?.name;
    if (!queueName) throw invalidArgument('TaskQueue is not set on request.');
    const queue = this.workflowQueue(ns.name, queueName);
    for (;;) {
      const task = await queue.poll(context, this.pollTimeout(context), (t) => this.workflowTaskIsLive(t));
      if (!task || context.isCancelled()) {
        if (task) queue.offer(task);
        return {};
      }
      if (task.ex.atWorker.size > 0) {
        // A worker gets one task of a run at a time, workflow or query, and the next only once the
        // answer about the last has reached it: until then its core counts the last as
        // outstanding, and a second task for the run overwrites it ("Trying to send a new WFT for
        // a run which already has one!"), leaving a workflow task to time out.
        task.ex.heldOffers.push(() => queue.offer(task));
        continue;
      }
      if (task.kind === 'query') return this.startQueryTask(task.ex, task.query);
      const sticky = req.taskQueue?.kind === 'TASK_QUEUE_KIND_STICKY';
      const response = this.startWorkflowTask(task.ex, { identity: req.identity, partialHistory: sticky });
      if (response) return response;
    }
  }

  private pollTimeout(context: CallContext): number {
    if (this.stopped) return 0;
    const untilDeadline = context.deadline ? context.deadline - Date.now() - 1000 : LONG_POLL_MS;
    return Math.max(0, Math.min(LONG_POLL_MS, untilDeadline));
  }

  private workflowTaskIsLive(task: WorkflowTask): boolean {
    if (task.kind === 'query') return !task.query.dispatched;
    return task.ex.wt?.token === task.token && task.ex.wt.state === 'scheduled';
  }

  /**
   * Starts the run's scheduled workflow task for a worker. `partialHistory`: the worker has the run
   * cached (a sticky poll, or the completion of its last task), so it gets only what happened since.
   */
  private startWorkflowTask(
    ex: Execution,
    taker: { identity?: string; partialHistory: boolean; requestId?: string },
  ): Msg | undefined {
    const wt = ex.wt;
    if (!wt || wt.state !== 'scheduled') return undefined;
    const { identity, requestId } = taker;
    wt.state = 'started';
    wt.startedTime = this.clock.now();
    wt.identity = identity;
    wt.requestId = requestId;
    const since = taker.partialHistory ? ex.lastCompletedWtStartedId : 0;
    const historyForWorker = (): Msg[] => (since > 0 ? ex.history.slice(since) : ex.history);
    let events: Msg[];
    if (wt.speculative) {
      // Transient events: shown to the worker, written only if the task produces something.
      wt.scheduledEventId = ex.nextEventId;
      wt.startedEventId = ex.nextEventId + 1;
      events = [
        ...historyForWorker(),
        buildEvent(wt.scheduledEventId, wt.scheduledTime, {
          kind: 'WorkflowTaskScheduled',
          attributes: {
            taskQueue: { name: ex.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
            startToCloseTimeout: msToDur(this.workflowTaskTimeoutMs(ex)),
            attempt: wt.attempt,
          },
        }),
        buildEvent(wt.startedEventId, wt.startedTime, {
          kind: 'WorkflowTaskStarted',
          attributes: { scheduledEventId: wt.scheduledEventId, identity, requestId, historySizeBytes: 0 },
        }),
      ];
    } else {
      this.writeWorkflowTaskStarted(ex, identity, requestId);
      events = historyForWorker();
    }
    const token = wt.token;
    ex.atWorker.add(token);
    wt.timeout = this.clock.scheduleAfter(this.workflowTaskTimeoutMs(ex), () => {
      if (ex.wt?.token === token && ex.wt.state === 'started') this.timeOutWorkflowTask(ex);
    });
    const messages: Msg[] = [];
    for (const update of ex.updates.values()) {
      if (update.stage !== 'admitted') continue;
      update.stage = 'delivered';
      wt.deliveredUpdates.push(update.updateId);
      messages.push({
        id: `${update.updateId}/request`,
        protocolInstanceId: update.updateId,
        eventId: wt.startedEventId - 1,
        body: packAny('temporal.api.update.v1.Request', update.request),
      });
    }
    return {
      taskToken: encodeToken({ k: 'wt', ns: ex.namespace, wid: ex.workflowId, rid: ex.runId, id: token }),
      workflowExecution: ex.execution,
      workflowType: { name: ex.workflowType },
      previousStartedEventId: ex.lastCompletedWtStartedId,
      startedEventId: wt.startedEventId,
      attempt: wt.attempt,
      history: { events },
      workflowExecutionTaskQueue: { name: ex.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
      scheduledTime: msToTs(wt.scheduledTime),
      startedTime: msToTs(wt.startedTime),
      messages,
    };
  }

  /** The run and task a completion or failure is about; the run's next task waits for its answer. */
  private workflowTaskFromToken(taskToken: Buffer, context: CallContext): { ex: Execution; token: TaskToken } {
    const token = decodeToken(taskToken);
    if (token.k !== 'wt') throw invalidArgument('not a workflow task token');
    const ex = this.runsById.get(`${token.ns}\u0000${token.rid}`);
    if (ex) context.afterResponse(() => this.doneAtWorker(ex, token.id));
    if (!ex || !ex.isRunning || ex.wt?.token !== token.id || ex.wt.state !== 'started') {
      throw notFound('Workflow task not found.');
    }
    return { ex, token };
  }

  /** Returns delivered-but-unanswered updates to the admitted state so the next task carries them again. */
  private redeliverUpdates(ex: Execution): void {
    for (const id of ex.wt?.deliveredUpdates ?? []) {
      const update = ex.updates.get(id);
      if (update?.stage === 'delivered') update.stage = 'admitted';
    }
  }

  /**
   * A failed or timed-out task is written to history on its first attempt only; its retries are
   * transient until one completes, so a workflow failing in a loop does not grow its history.
   * UNHANDLED_COMMAND is not the worker's fault: it is always written and retried at once.
   */
  private failWorkflowTask(ex: Execution, kind: 'WorkflowTaskFailed' | 'WorkflowTaskTimedOut', attributes: Msg): void {
    const wt = ex.wt!;
    // The worker dropped the run from its cache: the retry goes to any worker with full history.
    ex.sticky = undefined;
    this.redeliverUpdates(ex);
    const unhandled = attributes.cause === 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND';
    const transientRetry = wt.attempt > 1 && wt.speculative && !unhandled;
    if (!transientRetry) {
      if (wt.speculative) this.materializeWorkflowTask(ex);
      this.appendEvent(ex, {
        kind,
        attributes: { scheduledEventId: wt.scheduledEventId, startedEventId: wt.startedEventId, ...attributes },
      });
    }
    this.finishWorkflowTask(ex);
    if (!unhandled) ex.wtFailureStreak++;
    this.flushBuffered(ex);
    const retryDelay = ex.wtFailureStreak <= 1 ? 0 : Math.min(10_000, 1000 * (ex.wtFailureStreak - 1));
    this.ensureWorkflowTask(ex, false, retryDelay);
  }

  private timeOutWorkflowTask(ex: Execution): void {
    const token = ex.wt!.token;
    this.failWorkflowTask(ex, 'WorkflowTaskTimedOut', { timeoutType: 'TIMEOUT_TYPE_START_TO_CLOSE' });
    // Its worker may have gone: the retry need not wait for an answer that may never come.
    this.doneAtWorker(ex, token);
    this.dispatchQueries(ex);
  }

  respondWorkflowTaskFailed(req: Msg, context: CallContext): Msg {
    const { ex } = this.workflowTaskFromToken(req.taskToken, context);
    this.failWorkflowTask(ex, 'WorkflowTaskFailed', {
      cause: req.cause ?? 'WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED',
      failure: req.failure,
      identity: req.identity,
      binaryChecksum: req.binaryChecksum,
    });
    this.dispatchQueries(ex);
    return {};
  }

  respondWorkflowTaskCompleted(req: Msg, context: CallContext): Msg {
    const { ex } = this.workflowTaskFromToken(req.taskToken, context);
    const wt = ex.wt!;
    const commands: Msg[] = req.commands ?? [];
    const messages: Msg[] = req.messages ?? [];

    for (const result of Object.entries((req.queryResults ?? {}) as Record<string, Msg>))
      this.answerQuery(ex, result[0], result[1]);

    const invalid = this.validateCommands(ex, commands);
    if (invalid) {
      this.failWorkflowTask(ex, 'WorkflowTaskFailed', {
        cause: invalid.cause,
        failure: { message: invalid.message },
        identity: req.identity,
      });
      // The error makes the worker drop its cached run and replay on the retry.
      throw invalidArgument(invalid.message);
    }
    const closing = commands.some(isCloseCommand);
    const hasUnseenWork = ex.buffered.length > 0 || [...ex.updates.values()].some((u) => u.stage === 'admitted');
    if (closing && hasUnseenWork) {
      // The workflow decided to close without seeing new events: make it look again.
      this.failWorkflowTask(ex, 'WorkflowTaskFailed', {
        cause: 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND',
        failure: { message: 'unhandled events arrived while the workflow task was running' },
        identity: req.identity,
      });
      // The error makes the worker drop its cached run, which has already completed.
      throw invalidArgument('UnhandledCommand');
    }

    // Only past the failures above: the retry of a failed task goes through the task queue.
    ex.nextTaskInAnswer = Boolean(req.returnNewWorkflowTask);
    const decoded = messages.map((m) => ({ message: m, body: unpackAny(m.body ?? {}) }));
    const writesSomething =
      commands.length > 0 ||
      decoded.some((d) => !d.body.typeName.endsWith('Rejection')) ||
      req.forceCreateNewWorkflowTask;
    if (wt.droppable && !writesSomething) {
      // Nothing to keep: the task vanishes from history and the worker rewinds to the last real one.
      for (const d of decoded) this.applyUpdateMessage(ex, d.message, d.body, 0);
      const resetTo = ex.lastCompletedWtStartedId;
      this.finishWorkflowTask(ex);
      this.afterWorkflowTask(ex, false);
      return { resetHistoryEventId: resetTo, workflowTask: this.nextTaskForAnswer(ex, req.identity) };
    }
    if (wt.speculative) this.materializeWorkflowTask(ex);
    const completedEventId = this.appendEvent(ex, {
      kind: 'WorkflowTaskCompleted',
      attributes: {
        scheduledEventId: wt.scheduledEventId,
        startedEventId: wt.startedEventId,
        identity: req.identity,
        binaryChecksum: req.binaryChecksum,
        sdkMetadata: req.sdkMetadata,
        meteringMetadata: req.meteringMetadata,
        workerVersion: req.workerVersionStamp,
      },
    });
    ex.lastCompletedWtStartedId = wt.startedEventId;
    const stickyQueue: string | undefined = req.stickyAttributes?.workerTaskQueue?.name;
    ex.sticky = stickyQueue
      ? { queue: stickyQueue, timeoutMs: durationOr(req.stickyAttributes.scheduleToStartTimeout, 5000)! }
      : undefined;
    ex.wtFailureStreak = 0;
    this.finishWorkflowTask(ex);

    const deferred: Array<() => void> = [];
    const eager: ActivityState[] = [];
    const byId = new Map(decoded.map((d) => [d.message.id as string, d]));
    for (const command of commands) {
      if (!ex.isRunning) break;
      if (command.commandType === 'COMMAND_TYPE_PROTOCOL_MESSAGE') {
        const id = command.protocolMessageCommandAttributes?.messageId;
        const d = byId.get(id);
        if (d) {
          byId.delete(id);
          this.applyUpdateMessage(ex, d.message, d.body, completedEventId);
        }
        continue;
      }
      this.applyCommand(ex, command, completedEventId, deferred, eager);
    }
    for (const d of byId.values()) if (ex.isRunning) this.applyUpdateMessage(ex, d.message, d.body, completedEventId);
    this.afterWorkflowTask(ex, Boolean(req.forceCreateNewWorkflowTask));
    // Started before what the deferred commands cause, which (as on a real server) comes later.
    const workflowTask = this.nextTaskForAnswer(ex, req.identity);
    for (const run of deferred) run();
    const activityTasks = ex.isRunning ? eager.map((activity) => this.startActivity(ex, activity, req.identity)) : [];
    return { activityTasks, workflowTask };
  }

  /**
   * The task a completion created, when its worker asked for it in the answer: started for that
   * worker on the spot, as a real server does, so the worker need not poll for it. Being its next
   * task of the run, it cannot overtake the answer about the last.
   */
  private nextTaskForAnswer(ex: Execution, identity: string | undefined): Msg | undefined {
    if (!ex.nextTaskInAnswer) return undefined;
    ex.nextTaskInAnswer = false;
    if (ex.wt?.state !== 'scheduled' || !ex.wt.offered) return undefined;
    return this.startWorkflowTask(ex, { identity, partialHistory: true, requestId: STARTED_IN_COMPLETION });
  }

  /** After a task completes: write what waited, start the next task if there is work, answer queries. */
  private afterWorkflowTask(ex: Execution, force: boolean): void {
    if (!ex.isRunning) {
      this.dispatchQueries(ex);
      return;
    }
    const woke = this.flushBuffered(ex);
    const pendingUpdates = [...ex.updates.values()].some((u) => u.stage === 'admitted' || u.stage === 'delivered');
    for (const u of ex.updates.values()) if (u.stage === 'delivered') u.stage = 'admitted';
    if (woke || force) this.ensureWorkflowTask(ex);
    else if (pendingUpdates) this.ensureWorkflowTask(ex, true);
    this.dispatchQueries(ex);
  }

  private validateCommands(ex: Execution, commands: Msg[]): { cause: string; message: string } | undefined {
    const ns = this.namespace(ex.namespace);
    const timerIds = new Set(ex.timers.keys());
    const activityIds = new Set([...ex.activities.values()].map((a) => a.activityId));
    for (const command of commands) {
      const attrs: Msg = command[commandAttributesKey(command.commandType)] ?? {};
      switch (command.commandType) {
        case 'COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK': {
          if (!attrs.activityId || !attrs.activityType?.name) {
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
              message: 'ActivityId and ActivityType are required',
            };
          }
          if (activityIds.has(attrs.activityId)) {
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID',
              message: `activity id ${attrs.activityId} is already in use`,
            };
          }
          activityIds.add(attrs.activityId);
          if (!durToMs(attrs.scheduleToCloseTimeout) && !durToMs(attrs.startToCloseTimeout)) {
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
              message: 'a valid StartToClose or ScheduleToClose timeout is not set on the ScheduleActivityTask command',
            };
          }
          break;
        }
        case 'COMMAND_TYPE_START_TIMER':
          if (timerIds.has(attrs.timerId))
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID',
              message: `timer id ${attrs.timerId} is already in use`,
            };
          timerIds.add(attrs.timerId);
          break;
        case 'COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
          const bad = this.validateSearchAttributes(ns, attrs.searchAttributes);
          if (bad) return { cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES', message: bad };
          break;
        }
        case 'COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION': {
          const bad = this.validateSearchAttributes(
            this.namespace(attrs.namespace || ex.namespace),
            attrs.searchAttributes,
          );
          if (bad) return { cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES', message: bad };
          if (!attrs.workflowId || !attrs.workflowType?.name) {
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES',
              message: 'WorkflowId and WorkflowType are required',
            };
          }
          break;
        }
        case 'COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION':
        case 'COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION':
          return {
            cause: 'WORKFLOW_TASK_FAILED_CAUSE_FEATURE_DISABLED',
            message: 'Nexus operations are not supported by this server',
          };
        default:
          break;
      }
    }
    return undefined;
  }

  private applyCommand(
    ex: Execution,
    command: Msg,
    completedEventId: number,
    deferred: Array<() => void>,
    eager: ActivityState[],
  ): void {
    const attrs: Msg = command[commandAttributesKey(command.commandType)] ?? {};
    switch (command.commandType) {
      case 'COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK':
        return this.scheduleActivity(ex, attrs, completedEventId, eager);
      case 'COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK':
        return this.requestCancelActivity(ex, attrs, completedEventId);
      case 'COMMAND_TYPE_START_TIMER':
        return this.startTimer(ex, attrs, completedEventId);
      case 'COMMAND_TYPE_CANCEL_TIMER': {
        const timer = ex.timers.get(attrs.timerId);
        if (!timer) return;
        timer.handle.cancel();
        ex.timers.delete(attrs.timerId);
        this.appendEvent(ex, {
          kind: 'TimerCanceled',
          attributes: {
            timerId: attrs.timerId,
            startedEventId: timer.startedEventId,
            workflowTaskCompletedEventId: completedEventId,
          },
        });
        return;
      }
      case 'COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION':
        return this.closeRun(ex, 'Completed', 'WorkflowExecutionCompleted', {
          result: attrs.result,
          workflowTaskCompletedEventId: completedEventId,
        });
      case 'COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION':
        return this.failRun(ex, attrs.failure, completedEventId);
      case 'COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION':
        return this.closeRun(ex, 'Canceled', 'WorkflowExecutionCanceled', {
          details: attrs.details,
          workflowTaskCompletedEventId: completedEventId,
        });
      case 'COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION':
        return this.continueAsNew(ex, attrs, completedEventId);
      case 'COMMAND_TYPE_RECORD_MARKER':
        this.appendEvent(ex, {
          kind: 'MarkerRecorded',
          attributes: {
            markerName: attrs.markerName,
            details: attrs.details,
            header: attrs.header,
            failure: attrs.failure,
            workflowTaskCompletedEventId: completedEventId,
          },
        });
        return;
      case 'COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
        const fields = this.typedSearchAttributes(
          this.namespace(ex.namespace),
          attrs.searchAttributes?.indexedFields ?? {},
        );
        for (const [name, payload] of Object.entries(fields)) {
          if (payloadToJs(payload) === undefined || payloadToJs(payload) === null) delete ex.searchAttributes[name];
          else ex.searchAttributes[name] = payload;
        }
        this.appendEvent(ex, {
          kind: 'UpsertWorkflowSearchAttributes',
          attributes: { searchAttributes: attrs.searchAttributes, workflowTaskCompletedEventId: completedEventId },
        });
        return;
      }
      case 'COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES': {
        for (const [name, payload] of Object.entries((attrs.upsertedMemo?.fields ?? {}) as Record<string, Msg>)) {
          if (payloadToJs(payload) === undefined) delete ex.memo[name];
          else ex.memo[name] = payload;
        }
        this.appendEvent(ex, {
          kind: 'WorkflowPropertiesModified',
          attributes: { upsertedMemo: attrs.upsertedMemo, workflowTaskCompletedEventId: completedEventId },
        });
        return;
      }
      case 'COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION':
        return this.initiateChild(ex, attrs, completedEventId, deferred);
      case 'COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION':
        return this.signalExternal(ex, attrs, completedEventId, deferred);
      case 'COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION':
        return this.cancelExternal(ex, attrs, completedEventId, deferred);
      default:
        throw invalidArgument(`unsupported command ${command.commandType}`);
    }
  }

  // ---------------------------------------------------------------- timers

  private startTimer(ex: Execution, attrs: Msg, completedEventId: number): void {
    const startedEventId = this.appendEvent(ex, {
      kind: 'TimerStarted',
      attributes: {
        timerId: attrs.timerId,
        startToFireTimeout: attrs.startToFireTimeout,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    const timerId: string = attrs.timerId;
    const handle = this.clock.scheduleAfter(durToMs(attrs.startToFireTimeout) ?? 0, () => {
      if (ex.timers.get(timerId)?.handle !== handle) return;
      ex.timers.delete(timerId);
      this.addEvent(ex, { kind: 'TimerFired', attributes: { timerId, startedEventId } }, true);
    });
    ex.timers.set(timerId, { startedEventId, handle });
  }

  // ---------------------------------------------------------------- activities

  private scheduleActivity(ex: Execution, attrs: Msg, completedEventId: number, eager?: ActivityState[]): void {
    const runTimeoutMs = durationOr(ex.startRequest.workflowRunTimeout, undefined);
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
    const attributes: Msg = {
      activityId: attrs.activityId,
      activityType: attrs.activityType,
      taskQueue: { name: attrs.taskQueue?.name || ex.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
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
    const scheduledEventId = this.appendEvent(ex, { kind: 'ActivityTaskScheduled', attributes });
    const now = this.clock.now();
    const activity: ActivityState = {
      scheduledEventId,
      activityId: attrs.activityId,
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
    ex.activities.set(scheduledEventId, activity);
    if (scheduleToClose) {
      activity.timers.push(
        this.clock.scheduleAfter(scheduleToClose, () =>
          this.timeOutActivity(ex, activity, 'TIMEOUT_TYPE_SCHEDULE_TO_CLOSE', false),
        ),
      );
    }
    if (eager && attrs.requestEagerExecution && activity.attributes.taskQueue.name === ex.taskQueue) {
      // The completing worker reserved a slot: it gets the task in the response, no poll needed.
      activity.token = randomUUID();
      this.outstandingActivityTasks++;
      eager.push(activity);
      return;
    }
    this.enqueueActivity(ex, activity);
  }

  private enqueueActivity(ex: Execution, activity: ActivityState): void {
    activity.state = 'scheduled';
    activity.token = randomUUID();
    const token = activity.token;
    const scheduleToStart = durToMs(activity.attributes.scheduleToStartTimeout);
    if (scheduleToStart) {
      activity.heartbeatTimer?.cancel();
      activity.heartbeatTimer = this.clock.scheduleAfter(scheduleToStart, () => {
        if (activity.token === token && activity.state === 'scheduled')
          this.timeOutActivity(ex, activity, 'TIMEOUT_TYPE_SCHEDULE_TO_START', false);
      });
    }
    this.outstandingActivityTasks++;
    this.activityQueue(ex.namespace, activity.attributes.taskQueue.name).offer({ ex, activity, token });
  }

  /** The activity leaves the queue or its worker: no longer holds time still. */
  private releaseActivityTask(activity: ActivityState): void {
    if (activity.state === 'scheduled' || activity.state === 'started') {
      this.outstandingActivityTasks--;
      this.clock.poke();
    }
  }

  async pollActivityTaskQueue(req: Msg, context: CallContext): Promise<Msg> {
    const ns = this.namespace(req.namespace);
    const queueName: string = req.taskQueue?.name;
    if (!queueName) throw invalidArgument('TaskQueue is not set on request.');
    const queue = this.activityQueue(ns.name, queueName);
    const isLive = (t: ActivityTask): boolean =>
      t.activity.token === t.token && t.activity.state === 'scheduled' && t.ex.isRunning;
    const task = await queue.poll(context, this.pollTimeout(context), isLive);
    if (!task) return {};
    if (context.isCancelled()) {
      queue.offer(task);
      return {};
    }
    return this.startActivity(task.ex, task.activity, req.identity);
  }

  private startActivity(ex: Execution, activity: ActivityState, identity: string | undefined): Msg {
    activity.state = 'started';
    activity.startedTime = this.clock.now();
    activity.identity = identity;
    activity.heartbeatTimer?.cancel();
    const token = activity.token;
    const startToClose = durToMs(activity.attributes.startToCloseTimeout);
    if (startToClose) {
      activity.timers.push(
        this.clock.scheduleAfter(startToClose, () => {
          if (activity.token === token && activity.state === 'started')
            this.timeOutActivity(ex, activity, 'TIMEOUT_TYPE_START_TO_CLOSE', true);
        }),
      );
    }
    this.armHeartbeatTimeout(ex, activity);
    const a = activity.attributes;
    return {
      taskToken: encodeToken({
        k: 'at',
        ns: ex.namespace,
        wid: ex.workflowId,
        rid: ex.runId,
        id: String(activity.scheduledEventId),
        a: activity.attempt,
      }),
      workflowNamespace: ex.namespace,
      workflowType: { name: ex.workflowType },
      workflowExecution: ex.execution,
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

  private armHeartbeatTimeout(ex: Execution, activity: ActivityState): void {
    const heartbeat = durToMs(activity.attributes.heartbeatTimeout);
    if (!heartbeat) return;
    activity.heartbeatTimer?.cancel();
    const token = activity.token;
    activity.heartbeatTimer = this.clock.scheduleAfter(heartbeat, () => {
      if (activity.token === token && activity.state === 'started')
        this.timeOutActivity(ex, activity, 'TIMEOUT_TYPE_HEARTBEAT', true);
    });
  }

  private activityFromToken(taskToken: Buffer): { ex: Execution; activity: ActivityState } {
    const token = decodeToken(taskToken);
    if (token.k !== 'at') throw invalidArgument('not an activity task token');
    const ex = this.runsById.get(`${token.ns}\u0000${token.rid}`);
    const activity = ex?.activities.get(Number(token.id));
    if (!ex || !ex.isRunning || !activity || activity.attempt !== token.a || activity.state !== 'started') {
      throw notFound('invalid activityID or activity already timed out or invoking workflow is completed');
    }
    return { ex, activity };
  }

  private activityById(req: Msg): { ex: Execution; activity: ActivityState } {
    const ns = this.namespace(req.namespace);
    const ex = this.runningRun(ns.name, { workflowId: req.workflowId, runId: req.runId });
    const activity = [...ex.activities.values()].find((a) => a.activityId === req.activityId);
    if (!activity) throw notFound(`activity ${req.activityId} not found`);
    return { ex, activity };
  }

  private heartbeat(ex: Execution, activity: ActivityState, details: Msg | undefined): Msg {
    activity.heartbeatDetails = details ?? activity.heartbeatDetails;
    activity.lastHeartbeatTime = this.clock.now();
    if (activity.state === 'started') this.armHeartbeatTimeout(ex, activity);
    return { cancelRequested: activity.cancelRequested, activityPaused: false, activityReset: false };
  }

  recordActivityTaskHeartbeat(req: Msg): Msg {
    const { ex, activity } = this.activityFromToken(req.taskToken);
    return this.heartbeat(ex, activity, req.details);
  }

  recordActivityTaskHeartbeatById(req: Msg): Msg {
    const { ex, activity } = this.activityById(req);
    return this.heartbeat(ex, activity, req.details);
  }

  /** Takes the activity off the run: no timers, no outstanding task, stale token. */
  private detachActivity(ex: Execution, activity: ActivityState): void {
    this.releaseActivityTask(activity);
    for (const t of activity.timers) t.cancel();
    activity.heartbeatTimer?.cancel();
    activity.token = '';
    ex.activities.delete(activity.scheduledEventId);
  }

  /**
   * Writes the outcome of an activity that reached a worker: ActivityTaskStarted (for the final
   * attempt only, as a real server does) followed by the closing event.
   */
  private finishActivity(ex: Execution, activity: ActivityState, kind: string, attributes: Msg): void {
    this.detachActivity(ex, activity);
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
      this.addEvent(ex, started, false);
      this.addEvent(ex, close, true);
    } else {
      this.addEvent(
        ex,
        { kind, attributes: { ...attributes, scheduledEventId: activity.scheduledEventId, startedEventId: 0 } },
        true,
      );
    }
    activity.state = 'backoff';
  }

  private completeActivity(ex: Execution, activity: ActivityState, result: Msg | undefined, identity?: string): void {
    this.finishActivity(ex, activity, 'ActivityTaskCompleted', { result, identity: identity ?? activity.identity });
  }

  respondActivityTaskCompleted(req: Msg): Msg {
    const { ex, activity } = this.activityFromToken(req.taskToken);
    this.completeActivity(ex, activity, req.result, req.identity);
    return {};
  }

  respondActivityTaskCompletedById(req: Msg): Msg {
    const { ex, activity } = this.activityById(req);
    this.completeActivity(ex, activity, req.result, req.identity);
    return {};
  }

  respondActivityTaskFailed(req: Msg): Msg {
    const { ex, activity } = this.activityFromToken(req.taskToken);
    this.failActivity(ex, activity, req.failure, req.identity, req.lastHeartbeatDetails);
    return {};
  }

  respondActivityTaskFailedById(req: Msg): Msg {
    const { ex, activity } = this.activityById(req);
    this.failActivity(ex, activity, req.failure, req.identity, req.lastHeartbeatDetails);
    return {};
  }

  private cancelActivityTask(
    ex: Execution,
    activity: ActivityState,
    details: Msg | undefined,
    identity?: string,
  ): void {
    this.finishActivity(ex, activity, 'ActivityTaskCanceled', {
      details,
      latestCancelRequestedEventId: activity.cancelRequestedEventId,
      identity: identity ?? activity.identity,
    });
  }

  respondActivityTaskCanceled(req: Msg): Msg {
    const { ex, activity } = this.activityFromToken(req.taskToken);
    this.cancelActivityTask(ex, activity, req.details, req.identity);
    return {};
  }

  respondActivityTaskCanceledById(req: Msg): Msg {
    const { ex, activity } = this.activityById(req);
    this.cancelActivityTask(ex, activity, req.details, req.identity);
    return {};
  }

  /** How long until the next attempt, or why there is none. */
  private activityRetry(
    activity: ActivityState,
    failure: Msg | undefined,
  ): { delayMs: number } | { retryState: string } {
    const policy = activity.attributes.retryPolicy;
    const info = failure?.applicationFailureInfo;
    if (info?.nonRetryable) return { retryState: 'RETRY_STATE_NON_RETRYABLE_FAILURE' };
    if (info?.type && (policy.nonRetryableErrorTypes as string[]).includes(info.type))
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
    if (scheduleToClose && this.clock.now() + delayMs >= activity.scheduledTime + scheduleToClose)
      return { retryState: 'RETRY_STATE_TIMEOUT' };
    return { delayMs };
  }

  private retryActivity(ex: Execution, activity: ActivityState, failure: Msg, delayMs: number): void {
    this.releaseActivityTask(activity);
    for (const t of activity.timers.splice(0)) t.cancel();
    activity.heartbeatTimer?.cancel();
    activity.lastFailure = failure;
    activity.state = 'backoff';
    activity.token = '';
    // The pending activity is the next attempt from now on, due after the backoff.
    activity.attempt++;
    activity.currentAttemptScheduledTime = this.clock.now() + delayMs;
    const scheduleToClose = durToMs(activity.attributes.scheduleToCloseTimeout);
    if (scheduleToClose) {
      activity.timers.push(
        this.clock.schedule(activity.scheduledTime + scheduleToClose, () =>
          this.timeOutActivity(ex, activity, 'TIMEOUT_TYPE_SCHEDULE_TO_CLOSE', false),
        ),
      );
    }
    activity.timers.push(
      this.clock.scheduleAfter(delayMs, () => {
        if (!ex.isRunning || ex.activities.get(activity.scheduledEventId) !== activity || activity.state !== 'backoff')
          return;
        this.enqueueActivity(ex, activity);
      }),
    );
  }

  private failActivity(
    ex: Execution,
    activity: ActivityState,
    failure: Msg | undefined,
    identity?: string,
    heartbeatDetails?: Msg,
  ): void {
    if (heartbeatDetails) activity.heartbeatDetails = heartbeatDetails;
    const decision = activity.cancelRequested
      ? { retryState: 'RETRY_STATE_CANCEL_REQUESTED' }
      : this.activityRetry(activity, failure);
    if ('delayMs' in decision) {
      this.retryActivity(ex, activity, failure ?? { message: 'activity failed' }, decision.delayMs);
      return;
    }
    this.finishActivity(ex, activity, 'ActivityTaskFailed', {
      failure,
      identity: identity ?? activity.identity,
      retryState: decision.retryState,
    });
  }

  private timeOutActivity(ex: Execution, activity: ActivityState, timeoutType: string, retryable: boolean): void {
    if (!ex.isRunning || ex.activities.get(activity.scheduledEventId) !== activity) return;
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
      const decision = this.activityRetry(activity, failure);
      if ('delayMs' in decision) {
        this.retryActivity(ex, activity, failure, decision.delayMs);
        return;
      }
      this.finishActivity(ex, activity, 'ActivityTaskTimedOut', { failure, retryState: decision.retryState });
      return;
    }
    if (activity.state === 'scheduled' && activity.startedTime === 0) {
      this.detachActivity(ex, activity);
      this.addEvent(
        ex,
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
    this.finishActivity(ex, activity, 'ActivityTaskTimedOut', { failure, retryState: 'RETRY_STATE_TIMEOUT' });
  }

  private requestCancelActivity(ex: Execution, attrs: Msg, completedEventId: number): void {
    const activity = ex.activities.get(Number(attrs.scheduledEventId));
    const requestedEventId = this.appendEvent(ex, {
      kind: 'ActivityTaskCancelRequested',
      attributes: { scheduledEventId: attrs.scheduledEventId, workflowTaskCompletedEventId: completedEventId },
    });
    if (!activity) return;
    activity.cancelRequested = true;
    activity.cancelRequestedEventId = requestedEventId;
    if (activity.state !== 'started') {
      // Never reached a worker: cancelled on the spot.
      this.detachActivity(ex, activity);
      this.addEvent(
        ex,
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

  // ---------------------------------------------------------------- closing runs

  private closeRun(ex: Execution, status: ExecutionStatus, kind: string, attributes: Msg): void {
    if (!ex.isRunning) return;
    this.appendEvent(ex, { kind, attributes });
    ex.status = status;
    ex.closeTime = this.clock.now();
    if (ex.wt) this.dropWorkflowTask(ex);
    ex.buffered = [];
    for (const t of ex.closeTimers) t.cancel();
    for (const timer of ex.timers.values()) timer.handle.cancel();
    ex.timers.clear();
    for (const activity of ex.activities.values()) {
      this.releaseActivityTask(activity);
      for (const t of activity.timers) t.cancel();
      activity.heartbeatTimer?.cancel();
      activity.token = '';
    }
    ex.activities.clear();
    for (const update of ex.updates.values()) {
      if (update.stage !== 'completed') update.waiters.splice(0).forEach((w) => w());
    }
    this.applyParentClosePolicy(ex);
    if (status !== 'ContinuedAsNew' && !ex.newRunIdOnClose) this.notifyParent(ex, kind, attributes);
    ex.notify();
    this.dispatchQueries(ex);
    this.clock.poke();
  }

  private failRun(ex: Execution, failure: Msg | undefined, completedEventId: number): void {
    const retry = this.workflowRetry(ex, failure);
    if (retry === 'timeout') {
      this.closeRun(ex, 'Failed', 'WorkflowExecutionFailed', {
        failure,
        retryState: 'RETRY_STATE_TIMEOUT',
        workflowTaskCompletedEventId: completedEventId,
      });
      return;
    }
    if (retry) {
      const attempt = (eventAttributes(ex.history[0]).attempt ?? 1) + 1;
      const next = this.startNextRun(ex, {
        request: ex.startRequest,
        attempt,
        initiator: 'CONTINUE_AS_NEW_INITIATOR_RETRY',
        continuedFailure: failure,
        backoffMs: retry.delayMs,
      });
      this.closeRun(ex, 'Failed', 'WorkflowExecutionFailed', {
        failure,
        retryState: 'RETRY_STATE_IN_PROGRESS',
        workflowTaskCompletedEventId: completedEventId,
        newExecutionRunId: next,
      });
      return;
    }
    this.closeRun(ex, 'Failed', 'WorkflowExecutionFailed', {
      failure,
      retryState: ex.startRequest.retryPolicy
        ? 'RETRY_STATE_NON_RETRYABLE_FAILURE'
        : 'RETRY_STATE_RETRY_POLICY_NOT_SET',
      workflowTaskCompletedEventId: completedEventId,
    });
  }

  private workflowRetry(ex: Execution, failure: Msg | undefined): { delayMs: number } | 'timeout' | undefined {
    const policy = ex.startRequest.retryPolicy;
    if (!policy) return undefined;
    const info = failure?.applicationFailureInfo;
    if (info?.nonRetryable || (info?.type && (policy.nonRetryableErrorTypes ?? []).includes(info.type)))
      return undefined;
    const attempt: number = eventAttributes(ex.history[0]).attempt ?? 1;
    if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) return undefined;
    const initial = durationOr(policy.initialInterval, 1000)!;
    const maximum = durationOr(policy.maximumInterval, initial * 100)!;
    const delayMs = Math.min(maximum, initial * Math.pow(policy.backoffCoefficient || 2, attempt - 1));
    // A retry that would start after the execution timeout is not started.
    const expiration = ex.startRequest.__executionExpiration as number | undefined;
    if (expiration !== undefined && this.clock.now() + delayMs >= expiration) return 'timeout';
    return { delayMs };
  }

  /** Starts the next run of a chain (continue-as-new or retry); returns its run id. */
  private startNextRun(
    ex: Execution,
    params: {
      request: Msg;
      attempt: number;
      initiator: string;
      continuedFailure?: Msg;
      lastCompletionResult?: Msg;
      backoffMs?: number;
    },
  ): string {
    const pendingUpdates = [...ex.updates.values()].filter((u) => u.stage === 'admitted' || u.stage === 'delivered');
    const next = this.createRun({
      ns: this.namespace(ex.namespace),
      request: { ...params.request, requestId: undefined, workflowStartDelay: undefined },
      firstExecutionRunId: ex.firstExecutionRunId,
      continuedExecutionRunId: ex.runId,
      initiator: params.initiator,
      attempt: params.attempt,
      continuedFailure: params.continuedFailure,
      lastCompletionResult: params.lastCompletionResult,
      backoffMs: params.backoffMs,
      parent: ex.parent,
    });
    ex.newRunIdOnClose = next.runId;
    // Updates the old run never saw move to the new run.
    for (const update of pendingUpdates) {
      ex.updates.delete(update.updateId);
      update.stage = 'admitted';
      next.updates.set(update.updateId, update);
    }
    if (pendingUpdates.length) this.ensureWorkflowTask(next);
    return next.runId;
  }

  private continueAsNew(ex: Execution, attrs: Msg, completedEventId: number): void {
    const request: Msg = {
      ...ex.startRequest,
      workflowType: attrs.workflowType?.name ? attrs.workflowType : ex.startRequest.workflowType,
      taskQueue: attrs.taskQueue?.name ? attrs.taskQueue : ex.startRequest.taskQueue,
      input: attrs.input,
      workflowRunTimeout: attrs.workflowRunTimeout ?? ex.startRequest.workflowRunTimeout,
      workflowTaskTimeout: attrs.workflowTaskTimeout ?? ex.startRequest.workflowTaskTimeout,
      retryPolicy: attrs.retryPolicy ?? ex.startRequest.retryPolicy,
      header: attrs.header,
      memo: attrs.memo ?? ex.startRequest.memo,
      searchAttributes: attrs.searchAttributes ?? { indexedFields: ex.searchAttributes },
    };
    const newRunId = this.startNextRun(ex, {
      request,
      attempt: 1,
      initiator: attrs.initiator ?? 'CONTINUE_AS_NEW_INITIATOR_WORKFLOW',
      continuedFailure: attrs.failure,
      lastCompletionResult: attrs.lastCompletionResult,
      backoffMs: durToMs(attrs.backoffStartInterval),
    });
    this.closeRun(ex, 'ContinuedAsNew', 'WorkflowExecutionContinuedAsNew', {
      newExecutionRunId: newRunId,
      workflowType: request.workflowType,
      taskQueue: { name: request.taskQueue.name, kind: 'TASK_QUEUE_KIND_NORMAL' },
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

  private timeOutRun(ex: Execution): void {
    if (!ex.isRunning) return;
    this.closeRun(ex, 'TimedOut', 'WorkflowExecutionTimedOut', { retryState: 'RETRY_STATE_TIMEOUT' });
  }

  private terminateRun(ex: Execution, reason: string | undefined, details: Msg | undefined, identity?: string): void {
    if (ex.wt?.state === 'started') {
      if (ex.wt.speculative) this.materializeWorkflowTask(ex);
      this.appendEvent(ex, {
        kind: 'WorkflowTaskFailed',
        attributes: {
          scheduledEventId: ex.wt.scheduledEventId,
          startedEventId: ex.wt.startedEventId,
          cause: 'WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND',
          identity,
        },
      });
      this.dropWorkflowTask(ex);
    }
    this.flushBuffered(ex);
    this.closeRun(ex, 'Terminated', 'WorkflowExecutionTerminated', { reason, details, identity });
  }

  terminateWorkflowExecution(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    const ex = this.runningRun(ns.name, req.workflowExecution);
    if (req.firstExecutionRunId && ex.firstExecutionRunId !== req.firstExecutionRunId)
      throw notFound('workflow execution not found for the given first execution run id');
    this.terminateRun(ex, req.reason, req.details, req.identity);
    return {};
  }

  deleteWorkflowExecution(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    const ex = this.findRun(ns.name, req.workflowExecution);
    if (ex.isRunning) this.terminateRun(ex, 'deleted', undefined);
    this.runsById.delete(`${ns.name}\u0000${ex.runId}`);
    const key = this.runKey(ns.name, ex.workflowId);
    const list = (this.runs.get(key) ?? []).filter((r) => r !== ex);
    if (list.length) this.runs.set(key, list);
    else this.runs.delete(key);
    return {};
  }

  requestCancelWorkflowExecution(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    const ex = this.runningRun(ns.name, req.workflowExecution);
    if (req.firstExecutionRunId && ex.firstExecutionRunId !== req.firstExecutionRunId)
      throw notFound('workflow execution not found for the given first execution run id');
    if (req.requestId && ex.requestIds.has(`cancel:${req.requestId}`)) return {};
    if (req.requestId) ex.requestIds.add(`cancel:${req.requestId}`);
    if (ex.cancelRequested) return {};
    ex.cancelRequested = true;
    this.addEvent(
      ex,
      { kind: 'WorkflowExecutionCancelRequested', attributes: { cause: req.reason, identity: req.identity } },
      true,
    );
    return {};
  }

  signalWorkflowExecution(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    if (!req.signalName) throw invalidArgument('SignalName is not set on request.');
    const ex = this.runningRun(ns.name, req.workflowExecution);
    if (req.requestId && ex.requestIds.has(`signal:${req.requestId}`)) return {};
    if (req.requestId) ex.requestIds.add(`signal:${req.requestId}`);
    this.addEvent(
      ex,
      {
        kind: 'WorkflowExecutionSignaled',
        attributes: { signalName: req.signalName, input: req.input, identity: req.identity, header: req.header },
      },
      true,
    );
    return {};
  }

  // ---------------------------------------------------------------- children and external workflows

  private initiateChild(ex: Execution, attrs: Msg, completedEventId: number, deferred: Array<() => void>): void {
    const namespace: string = attrs.namespace || ex.namespace;
    const initiatedEventId = this.appendEvent(ex, {
      kind: 'StartChildWorkflowExecutionInitiated',
      attributes: {
        ...attrs,
        namespace,
        workflowTaskCompletedEventId: completedEventId,
        taskQueue: { name: attrs.taskQueue?.name || ex.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
      },
    });
    const parentClosePolicy: string =
      attrs.parentClosePolicy && attrs.parentClosePolicy !== 'PARENT_CLOSE_POLICY_UNSPECIFIED'
        ? attrs.parentClosePolicy
        : 'PARENT_CLOSE_POLICY_TERMINATE';
    ex.children.set(initiatedEventId, {
      initiatedEventId,
      namespace,
      workflowId: attrs.workflowId,
      workflowType: attrs.workflowType.name,
      parentClosePolicy,
    });
    deferred.push(() => {
      if (!ex.isRunning) return;
      const child = ex.children.get(initiatedEventId)!;
      const ns = this.namespace(namespace);
      const request: Msg = {
        namespace,
        workflowId: attrs.workflowId,
        workflowType: attrs.workflowType,
        taskQueue: { name: attrs.taskQueue?.name || ex.taskQueue },
        input: attrs.input,
        workflowExecutionTimeout: attrs.workflowExecutionTimeout,
        workflowRunTimeout: attrs.workflowRunTimeout,
        workflowTaskTimeout: attrs.workflowTaskTimeout,
        workflowIdReusePolicy: attrs.workflowIdReusePolicy,
        retryPolicy: attrs.retryPolicy,
        memo: attrs.memo,
        searchAttributes: attrs.searchAttributes,
        header: attrs.header,
        identity: `parent:${ex.workflowId}`,
      };
      try {
        this.applyStartPolicies(ns, { ...request, workflowIdConflictPolicy: 'WORKFLOW_ID_CONFLICT_POLICY_FAIL' });
      } catch {
        ex.children.delete(initiatedEventId);
        this.addEvent(
          ex,
          {
            kind: 'StartChildWorkflowExecutionFailed',
            attributes: {
              namespace,
              workflowId: attrs.workflowId,
              workflowType: attrs.workflowType,
              cause: 'START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS',
              control: attrs.control,
              initiatedEventId,
              workflowTaskCompletedEventId: completedEventId,
            },
          },
          true,
        );
        return;
      }
      const run = this.createRun({
        ns,
        request,
        parent: { namespace: ex.namespace, workflowId: ex.workflowId, runId: ex.runId, initiatedEventId },
      });
      child.runId = run.runId;
      this.addEvent(
        ex,
        {
          kind: 'ChildWorkflowExecutionStarted',
          attributes: {
            namespace,
            initiatedEventId,
            workflowExecution: run.execution,
            workflowType: attrs.workflowType,
            header: attrs.header,
          },
          onWritten: (id) => (child.startedEventId = id),
        },
        true,
      );
    });
  }

  /** Tells a parent that its child's chain has ended. */
  private notifyParent(ex: Execution, kind: string, attributes: Msg): void {
    if (!ex.parent) return;
    const parent = this.runsById.get(`${ex.parent.namespace}\u0000${ex.parent.runId}`);
    if (!parent?.isRunning) return;
    const child = parent.children.get(ex.parent.initiatedEventId);
    if (!child) return;
    parent.children.delete(ex.parent.initiatedEventId);
    const common = {
      namespace: ex.namespace,
      workflowExecution: { workflowId: ex.workflowId, runId: ex.runId },
      workflowType: { name: ex.workflowType },
      initiatedEventId: child.initiatedEventId,
      startedEventId: child.startedEventId,
    };
    const mapping: Record<string, [string, Msg]> = {
      WorkflowExecutionCompleted: ['ChildWorkflowExecutionCompleted', { result: attributes.result }],
      WorkflowExecutionFailed: [
        'ChildWorkflowExecutionFailed',
        { failure: attributes.failure, retryState: attributes.retryState },
      ],
      WorkflowExecutionCanceled: ['ChildWorkflowExecutionCanceled', { details: attributes.details }],
      WorkflowExecutionTimedOut: ['ChildWorkflowExecutionTimedOut', { retryState: attributes.retryState }],
      WorkflowExecutionTerminated: ['ChildWorkflowExecutionTerminated', {}],
    };
    const [childKind, extra] = mapping[kind];
    this.addEvent(parent, { kind: childKind, attributes: { ...common, ...extra } }, true);
  }

  private applyParentClosePolicy(ex: Execution): void {
    for (const child of ex.children.values()) {
      if (!child.runId) continue;
      const run = this.latestRun(child.namespace, child.workflowId);
      if (
        !run?.isRunning ||
        run.firstExecutionRunId !== this.runsById.get(`${child.namespace}\u0000${child.runId}`)?.firstExecutionRunId
      )
        continue;
      if (child.parentClosePolicy === 'PARENT_CLOSE_POLICY_TERMINATE') {
        this.terminateRun(run, 'by parent close policy', undefined, 'history-service');
      } else if (child.parentClosePolicy === 'PARENT_CLOSE_POLICY_REQUEST_CANCEL' && !run.cancelRequested) {
        run.cancelRequested = true;
        this.addEvent(
          run,
          {
            kind: 'WorkflowExecutionCancelRequested',
            attributes: { cause: 'by parent close policy', identity: 'history-service' },
          },
          true,
        );
      }
    }
    ex.children.clear();
  }

  private signalExternal(ex: Execution, attrs: Msg, completedEventId: number, deferred: Array<() => void>): void {
    const namespace: string = attrs.namespace || ex.namespace;
    const initiatedEventId = this.appendEvent(ex, {
      kind: 'SignalExternalWorkflowExecutionInitiated',
      attributes: {
        namespace,
        workflowExecution: attrs.execution,
        signalName: attrs.signalName,
        input: attrs.input,
        control: attrs.control,
        childWorkflowOnly: attrs.childWorkflowOnly,
        header: attrs.header,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    deferred.push(() => {
      let target: Execution | undefined;
      try {
        target = this.runningRun(namespace, attrs.execution);
      } catch {
        target = undefined;
      }
      if (!target) {
        this.addEvent(
          ex,
          {
            kind: 'SignalExternalWorkflowExecutionFailed',
            attributes: {
              cause: 'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND',
              namespace,
              workflowExecution: attrs.execution,
              initiatedEventId,
              control: attrs.control,
              workflowTaskCompletedEventId: completedEventId,
            },
          },
          true,
        );
        return;
      }
      this.addEvent(
        target,
        {
          kind: 'WorkflowExecutionSignaled',
          attributes: {
            signalName: attrs.signalName,
            input: attrs.input,
            identity: `workflow:${ex.workflowId}`,
            header: attrs.header,
            externalWorkflowExecution: ex.execution,
          },
        },
        true,
      );
      this.addEvent(
        ex,
        {
          kind: 'ExternalWorkflowExecutionSignaled',
          attributes: { initiatedEventId, namespace, workflowExecution: target.execution, control: attrs.control },
        },
        true,
      );
    });
  }

  private cancelExternal(ex: Execution, attrs: Msg, completedEventId: number, deferred: Array<() => void>): void {
    const namespace: string = attrs.namespace || ex.namespace;
    const execution = { workflowId: attrs.workflowId, runId: attrs.runId };
    const initiatedEventId = this.appendEvent(ex, {
      kind: 'RequestCancelExternalWorkflowExecutionInitiated',
      attributes: {
        namespace,
        workflowExecution: execution,
        control: attrs.control,
        childWorkflowOnly: attrs.childWorkflowOnly,
        reason: attrs.reason,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    deferred.push(() => {
      let target: Execution | undefined;
      try {
        target = this.runningRun(namespace, execution);
      } catch {
        target = undefined;
      }
      if (!target) {
        this.addEvent(
          ex,
          {
            kind: 'RequestCancelExternalWorkflowExecutionFailed',
            attributes: {
              cause: 'CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND',
              namespace,
              workflowExecution: execution,
              initiatedEventId,
              control: attrs.control,
              workflowTaskCompletedEventId: completedEventId,
            },
          },
          true,
        );
        return;
      }
      if (!target.cancelRequested) {
        target.cancelRequested = true;
        this.addEvent(
          target,
          {
            kind: 'WorkflowExecutionCancelRequested',
            attributes: {
              cause: attrs.reason,
              externalInitiatedEventId: initiatedEventId,
              externalWorkflowExecution: ex.execution,
              identity: `workflow:${ex.workflowId}`,
            },
          },
          true,
        );
      }
      this.addEvent(
        ex,
        {
          kind: 'ExternalWorkflowExecutionCancelRequested',
          attributes: { initiatedEventId, namespace, workflowExecution: target.execution },
        },
        true,
      );
    });
  }

  // ---------------------------------------------------------------- updates

  private updateResponse(ex: Execution, update: UpdateState): Msg {
    const stage =
      update.stage === 'completed'
        ? 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED'
        : update.stage === 'accepted'
          ? 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED'
          : 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED';
    return {
      updateRef: { workflowExecution: ex.execution, updateId: update.updateId },
      outcome: update.outcome,
      stage,
    };
  }

  private reached(update: UpdateState, waitStage: string): boolean {
    if (update.stage === 'completed') return true;
    if (waitStage === 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED') return update.stage === 'accepted';
    if (waitStage === 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED') return true;
    return false;
  }

  /** Waits until the update reaches the stage, the run closes, the client leaves or the long poll ends. */
  private async waitForUpdate(
    ex: Execution,
    update: UpdateState,
    waitStage: string,
    context: CallContext,
  ): Promise<Msg> {
    const deadline = Date.now() + this.pollTimeout(context);
    while (!this.reached(update, waitStage)) {
      const owner = this.runOfUpdate(ex, update.updateId);
      if (!owner) throw notFound('workflow execution already completed');
      if (!owner.isRunning && update.stage !== 'accepted') throw notFound('workflow execution already completed');
      if (!owner.isRunning) throw notFound('workflow execution already completed');
      const remaining = deadline - Date.now();
      if (remaining <= 0 || context.isCancelled()) return this.updateResponse(owner, update);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        update.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        void context.cancelled.then(resolve);
      });
    }
    return this.updateResponse(this.runOfUpdate(ex, update.updateId) ?? ex, update);
  }

  /** Updates can move to the next run of a chain; find where it lives now. */
  private runOfUpdate(ex: Execution, updateId: string): Execution | undefined {
    let run: Execution | undefined = ex;
    while (run) {
      if (run.updates.has(updateId)) return run;
      run = run.newRunIdOnClose ? this.runsById.get(`${run.namespace}\u0000${run.newRunIdOnClose}`) : undefined;
    }
    return undefined;
  }

  async updateWorkflowExecution(req: Msg, context: CallContext): Promise<Msg> {
    const ns = this.namespace(req.namespace);
    const request: Msg = req.request ?? {};
    const updateId: string = request.meta?.updateId;
    if (!updateId) throw invalidArgument('update id is required');
    if (!request.input?.name) throw invalidArgument('update name is required');
    const ex = this.findRun(ns.name, req.workflowExecution);
    if (req.firstExecutionRunId && ex.firstExecutionRunId !== req.firstExecutionRunId)
      throw notFound('workflow execution not found for the given first execution run id');
    const waitStage: string = req.waitPolicy?.lifecycleStage ?? 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED';
    const existingRun = this.runOfUpdate(ex, updateId);
    if (existingRun) return this.waitForUpdate(existingRun, existingRun.updates.get(updateId)!, waitStage, context);
    if (!ex.isRunning) throw notFound('workflow execution already completed');
    const update: UpdateState = { updateId, request, stage: 'admitted', waiters: [] };
    ex.updates.set(updateId, update);
    this.ensureWorkflowTask(ex, true);
    return this.waitForUpdate(ex, update, waitStage, context);
  }

  pollWorkflowExecutionUpdate(req: Msg, context: CallContext): Promise<Msg> {
    const ns = this.namespace(req.namespace);
    const ref = req.updateRef ?? {};
    const ex = this.findRun(ns.name, ref.workflowExecution);
    const owner = this.runOfUpdate(ex, ref.updateId);
    if (!owner) throw notFound(`update ${ref.updateId} not found`);
    const waitStage: string = req.waitPolicy?.lifecycleStage ?? 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED';
    return this.waitForUpdate(owner, owner.updates.get(ref.updateId)!, waitStage, context);
  }

  private applyUpdateMessage(
    ex: Execution,
    message: Msg,
    body: { typeName: string; value: Msg },
    completedEventId: number,
  ): void {
    const update = ex.updates.get(message.protocolInstanceId);
    if (!update) return;
    const wake = (): void => update.waiters.splice(0).forEach((w) => w());
    switch (body.typeName) {
      case 'temporal.api.update.v1.Acceptance':
        update.acceptedEventId = this.appendEvent(ex, {
          kind: 'WorkflowExecutionUpdateAccepted',
          attributes: {
            protocolInstanceId: update.updateId,
            acceptedRequestMessageId: body.value.acceptedRequestMessageId,
            acceptedRequestSequencingEventId: body.value.acceptedRequestSequencingEventId,
            acceptedRequest: update.request,
          },
        });
        update.stage = 'accepted';
        break;
      case 'temporal.api.update.v1.Rejection':
        update.outcome = { failure: body.value.failure };
        update.stage = 'completed';
        // A rejected update leaves no trace: the next request with this id is a new update.
        ex.updates.delete(update.updateId);
        break;
      case 'temporal.api.update.v1.Response':
        this.appendEvent(ex, {
          kind: 'WorkflowExecutionUpdateCompleted',
          attributes: {
            meta: body.value.meta ?? update.request.meta,
            acceptedEventId: update.acceptedEventId,
            outcome: body.value.outcome,
          },
        });
        update.outcome = body.value.outcome;
        update.stage = 'completed';
        break;
      default:
        return;
    }
    void completedEventId;
    wake();
  }

  // ---------------------------------------------------------------- queries

  async queryWorkflow(req: Msg, context: CallContext): Promise<Msg> {
    const ns = this.namespace(req.namespace);
    const ex = this.findRun(ns.name, req.execution);
    const condition: string | undefined = req.queryRejectCondition;
    if (!ex.isRunning && condition === 'QUERY_REJECT_CONDITION_NOT_OPEN')
      return { queryRejected: { status: STATUS_ENUM[ex.status] } };
    if (!ex.isRunning && condition === 'QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY' && ex.status !== 'Completed') {
      return { queryRejected: { status: STATUS_ENUM[ex.status] } };
    }
    if (ex.lastCompletedWtStartedId === 0 && !ex.isRunning)
      throw failedPrecondition('workflow closed before its first workflow task completed');
    const result = await new Promise<Msg>((resolve, reject) => {
      const query: PendingQuery = { id: randomUUID(), query: req.query, resolve, reject, dispatched: false };
      ex.queries.push(query);
      const timeout = Math.max(0, (context.deadline ?? Date.now() + 30_000) - Date.now() - 200);
      const timer = setTimeout(() => {
        this.removeQuery(ex, query);
        this.doneAtWorker(ex, query.id);
        reject(deadlineExceeded('query timed out: no worker answered'));
      }, timeout);
      const settle = (fn: () => void): void => {
        clearTimeout(timer);
        fn();
      };
      query.resolve = (r) => settle(() => resolve(r));
      query.reject = (e) => settle(() => reject(e));
      this.dispatchQueries(ex);
    });
    return result;
  }

  private removeQuery(ex: Execution, query: PendingQuery): void {
    const i = ex.queries.indexOf(query);
    if (i >= 0) ex.queries.splice(i, 1);
    query.dispatched = true;
  }

  /** Queries go out when no workflow task is outstanding, so they see every accepted event. */
  private dispatchQueries(ex: Execution): void {
    if (ex.wt || ex.lastCompletedWtStartedId === 0) return;
    for (const query of ex.queries) {
      if (query.dispatched || query.queued) continue;
      query.queued = true;
      this.workflowQueue(ex.namespace, ex.taskQueue).offer({ kind: 'query', ex, query });
    }
  }

  private startQueryTask(ex: Execution, query: PendingQuery): Msg {
    query.dispatched = true;
    ex.atWorker.add(query.id);
    return {
      taskToken: encodeToken({ k: 'q', ns: ex.namespace, wid: ex.workflowId, rid: ex.runId, id: query.id }),
      workflowExecution: ex.execution,
      workflowType: { name: ex.workflowType },
      previousStartedEventId: ex.lastCompletedWtStartedId,
      startedEventId: 0,
      attempt: 1,
      history: { events: ex.history },
      query: query.query,
      workflowExecutionTaskQueue: { name: ex.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
      scheduledTime: msToTs(this.clock.now()),
      startedTime: msToTs(this.clock.now()),
    };
  }

  private answerQuery(ex: Execution, queryId: string, result: Msg): void {
    const query = ex.queries.find((q) => q.id === queryId);
    if (!query) return;
    this.removeQuery(ex, query);
    if (result.resultType === 'QUERY_RESULT_TYPE_ANSWERED') query.resolve({ queryResult: result.answer });
    else query.reject(queryFailed(result.errorMessage || 'query failed', result.failure));
  }

  respondQueryTaskCompleted(req: Msg, context: CallContext): Msg {
    const token = decodeToken(req.taskToken);
    if (token.k !== 'q') throw invalidArgument('not a query task token');
    const ex = this.runsById.get(`${token.ns}\u0000${token.rid}`);
    if (!ex) throw notFound('query not found');
    context.afterResponse(() => this.doneAtWorker(ex, token.id));
    const query = ex.queries.find((q) => q.id === token.id);
    if (!query) throw notFound('query not found or already answered');
    this.removeQuery(ex, query);
    if (req.completedType === 'QUERY_RESULT_TYPE_ANSWERED') query.resolve({ queryResult: req.queryResult });
    else query.reject(queryFailed(req.errorMessage || 'query failed', req.failure));
    return {};
  }

  // ---------------------------------------------------------------- describe, history, visibility

  private executionInfo(ex: Execution): Msg {
    return {
      execution: ex.execution,
      type: { name: ex.workflowType },
      startTime: msToTs(ex.startTime),
      closeTime: ex.closeTime !== undefined ? msToTs(ex.closeTime) : undefined,
      status: STATUS_ENUM[ex.status],
      historyLength: ex.history.length,
      parentNamespaceId: ex.parent ? this.namespaces.get(ex.parent.namespace)?.id : undefined,
      parentExecution: ex.parent ? { workflowId: ex.parent.workflowId, runId: ex.parent.runId } : undefined,
      executionTime: msToTs(ex.executionTime),
      memo: { fields: ex.memo },
      searchAttributes: { indexedFields: ex.searchAttributes },
      taskQueue: ex.taskQueue,
      stateTransitionCount: ex.history.length,
      historySizeBytes: 0,
      firstRunId: ex.firstExecutionRunId,
      executionDuration: ex.closeTime !== undefined ? msToDur(ex.closeTime - ex.startTime) : undefined,
    };
  }

  describeWorkflowExecution(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    const ex = this.findRun(ns.name, req.execution);
    const started = eventAttributes(ex.history[0]);
    return {
      executionConfig: {
        taskQueue: { name: ex.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
        workflowExecutionTimeout: started.workflowExecutionTimeout,
        workflowRunTimeout: started.workflowRunTimeout,
        defaultWorkflowTaskTimeout: started.workflowTaskTimeout,
      },
      workflowExecutionInfo: this.executionInfo(ex),
      pendingActivities: [...ex.activities.values()].map((a) => ({
        activityId: a.activityId,
        activityType: a.attributes.activityType,
        state: a.cancelRequested
          ? 'PENDING_ACTIVITY_STATE_CANCEL_REQUESTED'
          : a.state === 'started'
            ? 'PENDING_ACTIVITY_STATE_STARTED'
            : 'PENDING_ACTIVITY_STATE_SCHEDULED',
        heartbeatDetails: a.heartbeatDetails,
        lastHeartbeatTime: a.lastHeartbeatTime ? msToTs(a.lastHeartbeatTime) : undefined,
        lastStartedTime: a.startedTime ? msToTs(a.startedTime) : undefined,
        attempt: a.attempt,
        maximumAttempts: a.attributes.retryPolicy.maximumAttempts,
        scheduledTime: msToTs(a.state === 'backoff' ? a.scheduledTime : a.currentAttemptScheduledTime),
        nextAttemptScheduleTime: a.state === 'backoff' ? msToTs(a.currentAttemptScheduledTime) : undefined,
        expirationTime: durToMs(a.attributes.scheduleToCloseTimeout)
          ? msToTs(a.scheduledTime + durToMs(a.attributes.scheduleToCloseTimeout)!)
          : undefined,
        lastFailure: a.lastFailure,
        lastWorkerIdentity: a.identity,
      })),
      pendingChildren: [...ex.children.values()].map((c) => ({
        workflowId: c.workflowId,
        runId: c.runId,
        workflowTypeName: c.workflowType,
        initiatedId: c.initiatedEventId,
        parentClosePolicy: c.parentClosePolicy,
      })),
      pendingWorkflowTask: ex.wt
        ? {
            state:
              ex.wt.state === 'started'
                ? 'PENDING_WORKFLOW_TASK_STATE_STARTED'
                : 'PENDING_WORKFLOW_TASK_STATE_SCHEDULED',
            scheduledTime: msToTs(ex.wt.scheduledTime),
            originalScheduledTime: msToTs(ex.wt.scheduledTime),
            startedTime: ex.wt.startedTime ? msToTs(ex.wt.startedTime) : undefined,
            attempt: ex.wt.attempt,
          }
        : undefined,
    };
  }

  async getWorkflowExecutionHistory(req: Msg, context: CallContext): Promise<Msg> {
    const ns = this.namespace(req.namespace);
    const ex = this.findRun(ns.name, req.execution);
    const closeOnly = req.historyEventFilterType === 'HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT';
    const pageSize: number = req.maximumPageSize > 0 ? req.maximumPageSize : 1000;
    let from = 1;
    if (req.nextPageToken?.length) {
      const token = JSON.parse(Buffer.from(req.nextPageToken).toString()) as { from: number };
      from = token.from;
    }
    const deadline = Date.now() + this.pollTimeout(context);
    for (;;) {
      if (closeOnly) {
        if (!ex.isRunning) return { history: { events: [ex.history[ex.history.length - 1]] } };
      } else if (ex.history.length >= from) {
        const events = ex.history.slice(from - 1, from - 1 + pageSize);
        const next = from + events.length;
        const more = next <= ex.history.length || (req.waitNewEvent && ex.isRunning);
        return { history: { events }, nextPageToken: more ? Buffer.from(JSON.stringify({ from: next })) : undefined };
      } else if (!ex.isRunning || !req.waitNewEvent) {
        return { history: { events: [] } };
      }
      if (!req.waitNewEvent) return { history: { events: [] } };
      const remaining = deadline - Date.now();
      if (remaining <= 0 || context.isCancelled()) {
        return {
          history: { events: [] },
          nextPageToken: closeOnly ? req.nextPageToken : Buffer.from(JSON.stringify({ from })),
        };
      }
      await Promise.race([ex.waitForChange(remaining), context.cancelled]);
    }
  }

  getWorkflowExecutionHistoryReverse(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    const ex = this.findRun(ns.name, req.execution);
    return { history: { events: [...ex.history].reverse() } };
  }

  private visibilityRecord(ex: Execution): VisibilityRecord {
    const searchAttributes: Record<string, unknown> = {};
    for (const [name, payload] of Object.entries(ex.searchAttributes)) searchAttributes[name] = payloadToJs(payload);
    return {
      workflowId: ex.workflowId,
      runId: ex.runId,
      workflowType: ex.workflowType,
      executionStatus: ex.status,
      taskQueue: ex.taskQueue,
      startTime: ex.startTime,
      executionTime: ex.executionTime,
      closeTime: ex.closeTime,
      searchAttributes,
    };
  }

  private queryRuns(
    namespace: string,
    query: string | undefined,
    allowGroupBy = false,
  ): { runs: Execution[]; compiled: CompiledQuery } {
    const ns = this.namespace(namespace);
    let compiled: CompiledQuery;
    try {
      compiled = compileVisibilityQuery(query ?? '', {
        ...PREDEFINED_SEARCH_ATTRIBUTES,
        ...Object.fromEntries(ns.searchAttributes),
      });
    } catch (err) {
      if (err instanceof VisibilityQueryError) throw invalidArgument(`invalid query: ${err.message}`);
      throw err;
    }
    const rows = this.allRuns()
      .filter((ex) => ex.namespace === ns.name)
      .map((ex) => ({ ex, record: this.visibilityRecord(ex) }))
      .filter((row) => compiled.matches(row.record));
    if (compiled.groupBy.length && !allowGroupBy)
      throw invalidArgument('invalid query: GROUP BY is only supported by CountWorkflowExecutions');
    rows.sort((a, b) => compiled.compare(a.record, b.record));
    return { runs: rows.map((r) => r.ex), compiled };
  }

  listWorkflowExecutions(req: Msg): Msg {
    const { runs } = this.queryRuns(req.namespace, req.query);
    const offset = req.nextPageToken?.length ? Number(Buffer.from(req.nextPageToken).toString()) : 0;
    const pageSize: number = req.pageSize > 0 ? req.pageSize : 1000;
    const page = runs.slice(offset, offset + pageSize);
    const next = offset + page.length;
    return {
      executions: page.map((ex) => this.executionInfo(ex)),
      nextPageToken: next < runs.length ? Buffer.from(String(next)) : undefined,
    };
  }

  scanWorkflowExecutions(req: Msg): Msg {
    return this.listWorkflowExecutions(req);
  }

  countWorkflowExecutions(req: Msg): Msg {
    const { runs, compiled } = this.queryRuns(req.namespace, req.query, true);
    if (!compiled.groupBy.length) return { count: runs.length };
    const groups = new Map<string, { values: string[]; count: number }>();
    for (const ex of runs) {
      const values = compiled.groupValues(this.visibilityRecord(ex));
      const key = JSON.stringify(values);
      const group = groups.get(key) ?? { values, count: 0 };
      group.count++;
      groups.set(key, group);
    }
    return {
      count: runs.length,
      groups: [...groups.values()].map((g) => ({
        groupValues: g.values.map((v) => ({
          metadata: { encoding: Buffer.from('json/plain') },
          data: Buffer.from(JSON.stringify(v)),
        })),
        count: g.count,
      })),
    };
  }

  listOpenWorkflowExecutions(req: Msg): Msg {
    return {
      executions: this.queryRuns(req.namespace, "ExecutionStatus = 'Running'").runs.map((ex) => this.executionInfo(ex)),
    };
  }

  listClosedWorkflowExecutions(req: Msg): Msg {
    return {
      executions: this.queryRuns(req.namespace, "ExecutionStatus != 'Running'").runs.map((ex) =>
        this.executionInfo(ex),
      ),
    };
  }

  // ---------------------------------------------------------------- worker housekeeping

  shutdownWorker(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    if (req.stickyTaskQueue) this.releaseStickyQueue(ns.name, req.stickyTaskQueue);
    return {};
  }

  resetStickyTaskQueue(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    const ex = this.findRun(ns.name, req.execution);
    ex.sticky = undefined;
    if (ex.wt?.state === 'scheduled')
      this.workflowQueue(ex.namespace, ex.taskQueue).offer({ kind: 'workflow', ex, token: ex.wt.token });
    return {};
  }

  respondNexusTaskCompleted(): Msg {
    throw invalidArgument('Nexus is not supported by this server');
  }

  async pollNexusTaskQueue(_req: Msg, context: CallContext): Promise<Msg> {
    // Workers poll for Nexus work whether or not they host any; answer "nothing" after a long poll.
    await Promise.race([new Promise((r) => setTimeout(r, this.pollTimeout(context))), context.cancelled]);
    return {};
  }

  describeTaskQueue(req: Msg): Msg {
    const ns = this.namespace(req.namespace);
    const name: string = req.taskQueue?.name;
    const backlog =
      req.taskQueueType === 'TASK_QUEUE_TYPE_ACTIVITY'
        ? this.activityQueue(ns.name, name).backlog
        : this.workflowQueue(ns.name, name).backlog;
    return { pollers: [], taskQueueStatus: { backlogCountHint: backlog } };
  }

  recordWorkerHeartbeat(): Msg {
    return {};
  }
}
