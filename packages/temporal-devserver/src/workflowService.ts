/**
 * temporal.api.workflowservice.v1.WorkflowService, in memory. Each RPC (bound by name by
 * grpcServer.ts) goes to the module that owns its concern; they share one ServerContext.
 */
import { createServerContext, type ServerContext } from './context';
import type { CallContext } from './grpcServer';
import type { Namespaces } from './namespaces';
import type { Msg } from './protos';
import { Schedules } from './schedules/service';
import { restoreState, type RestartOptions } from './recovery';
import { MemoryStore, type DevServerStore, type StoredState } from './store/store';
import type { VirtualClock } from './time';

export interface WorkflowServiceOptions {
  clock: VirtualClock;
  /** Where runs, namespaces and schedules are kept (default: memory only). */
  store?: DevServerStore;
  /** Closed runs kept whole in memory, the most recently used (default 32; Infinity keeps them all). */
  closedRunsKept?: number;
}

export class WorkflowService {
  private readonly server: ServerContext;
  private readonly schedules: Schedules;

  constructor(options: WorkflowServiceOptions) {
    this.server = createServerContext(options.clock, options.store ?? new MemoryStore(), options.closedRunsKept);
    this.schedules = new Schedules(this.server);
  }

  get namespaces(): Namespaces {
    return this.server.namespaces;
  }

  /** Takes up the runs, namespaces and schedules a store kept, as after a restart. */
  restore(state: StoredState, restart: RestartOptions = { workersGone: false }): void {
    restoreState(this.server, state, restart);
    this.schedules.restore(state.schedules);
  }

  /** Runs held whole in memory: every open run, and the closed runs used last. */
  runsInMemory(): { open: number; closed: number } {
    return this.server.runs.counts();
  }

  /**
   * Lets go of the closed runs kept whole for the clients and workers that were using them (once
   * traffic has paused, say): they are read back from the store when asked for again.
   */
  releaseClosedRuns(): void {
    this.server.runs.trim(0);
  }

  /** Workflow or activity work outstanding: time may not skip. */
  isBusy(): boolean {
    return this.server.taskQueues.isBusy();
  }

  stop(): void {
    this.server.taskQueues.stop();
  }

  getSystemInfo(): Msg {
    return this.server.namespaces.getSystemInfo();
  }

  getClusterInfo(): Msg {
    return this.server.namespaces.getClusterInfo();
  }

  describeNamespace(request: Msg): Msg {
    return this.server.namespaces.describeNamespace(request);
  }

  listNamespaces(): Msg {
    return this.server.namespaces.listNamespaces();
  }

  registerNamespace(request: Msg): Msg {
    return this.server.namespaces.registerNamespace(request);
  }

  /** A new retention period applies at once to the runs already closed. */
  updateNamespace(request: Msg): Msg {
    const response = this.server.namespaces.updateNamespace(request);
    this.server.retention.retentionChanged(this.server.namespaces.get(request.namespace as string));
    return response;
  }

  getSearchAttributes(): Msg {
    return this.server.namespaces.getSearchAttributes();
  }

  startWorkflowExecution(request: Msg): Msg | Promise<Msg> {
    return this.server.runStart.startWorkflowExecution(request);
  }

  signalWithStartWorkflowExecution(request: Msg): Msg | Promise<Msg> {
    return this.server.runStart.signalWithStartWorkflowExecution(request);
  }

  executeMultiOperation(request: Msg, context: CallContext): Promise<Msg> | Msg {
    return this.server.runStart.executeMultiOperation(request, context);
  }

  pollWorkflowTaskQueue(request: Msg, context: CallContext): Promise<Msg> {
    return this.server.workflowTasks.pollWorkflowTaskQueue(request, context);
  }

  respondWorkflowTaskFailed(request: Msg, context: CallContext): Msg {
    return this.server.workflowTasks.respondWorkflowTaskFailed(request, context);
  }

  respondWorkflowTaskCompleted(request: Msg, context: CallContext): Msg {
    return this.server.commands.respondWorkflowTaskCompleted(request, context);
  }

  pollActivityTaskQueue(request: Msg, context: CallContext): Promise<Msg> {
    return this.server.activities.pollActivityTaskQueue(request, context);
  }

  recordActivityTaskHeartbeat(request: Msg): Msg {
    return this.server.activities.recordActivityTaskHeartbeat(request);
  }

  recordActivityTaskHeartbeatById(request: Msg): Msg | Promise<Msg> {
    return this.server.activities.recordActivityTaskHeartbeatById(request);
  }

  respondActivityTaskCompleted(request: Msg): Msg {
    return this.server.activities.respondActivityTaskCompleted(request);
  }

  respondActivityTaskCompletedById(request: Msg): Msg | Promise<Msg> {
    return this.server.activities.respondActivityTaskCompletedById(request);
  }

  respondActivityTaskFailed(request: Msg): Msg {
    return this.server.activities.respondActivityTaskFailed(request);
  }

  respondActivityTaskFailedById(request: Msg): Msg | Promise<Msg> {
    return this.server.activities.respondActivityTaskFailedById(request);
  }

  respondActivityTaskCanceled(request: Msg): Msg {
    return this.server.activities.respondActivityTaskCanceled(request);
  }

  respondActivityTaskCanceledById(request: Msg): Msg | Promise<Msg> {
    return this.server.activities.respondActivityTaskCanceledById(request);
  }

  terminateWorkflowExecution(request: Msg): Msg | Promise<Msg> {
    return this.server.runClose.terminateWorkflowExecution(request);
  }

  deleteWorkflowExecution(request: Msg): Msg | Promise<Msg> {
    return this.server.runClose.deleteWorkflowExecution(request);
  }

  requestCancelWorkflowExecution(request: Msg): Msg | Promise<Msg> {
    return this.server.runClose.requestCancelWorkflowExecution(request);
  }

  signalWorkflowExecution(request: Msg): Msg | Promise<Msg> {
    return this.server.runStart.signalWorkflowExecution(request);
  }

  updateWorkflowExecution(request: Msg, context: CallContext): Promise<Msg> {
    return this.server.updates.updateWorkflowExecution(request, context);
  }

  pollWorkflowExecutionUpdate(request: Msg, context: CallContext): Promise<Msg> {
    return this.server.updates.pollWorkflowExecutionUpdate(request, context);
  }

  queryWorkflow(request: Msg, context: CallContext): Promise<Msg> {
    return this.server.queries.queryWorkflow(request, context);
  }

  respondQueryTaskCompleted(request: Msg, context: CallContext): Msg {
    return this.server.queries.respondQueryTaskCompleted(request, context);
  }

  describeWorkflowExecution(request: Msg): Promise<Msg> {
    return this.server.listing.describeWorkflowExecution(request);
  }

  getWorkflowExecutionHistory(request: Msg, context: CallContext): Promise<Msg> {
    return this.server.history.getWorkflowExecutionHistory(request, context);
  }

  getWorkflowExecutionHistoryReverse(request: Msg): Promise<Msg> {
    return this.server.history.getWorkflowExecutionHistoryReverse(request);
  }

  listWorkflowExecutions(request: Msg): Msg | Promise<Msg> {
    return this.server.listing.listWorkflowExecutions(request);
  }

  scanWorkflowExecutions(request: Msg): Msg | Promise<Msg> {
    return this.server.listing.scanWorkflowExecutions(request);
  }

  countWorkflowExecutions(request: Msg): Msg | Promise<Msg> {
    return this.server.listing.countWorkflowExecutions(request);
  }

  listOpenWorkflowExecutions(request: Msg): Msg | Promise<Msg> {
    return this.server.listing.listOpenWorkflowExecutions(request);
  }

  listClosedWorkflowExecutions(request: Msg): Msg | Promise<Msg> {
    return this.server.listing.listClosedWorkflowExecutions(request);
  }

  shutdownWorker(request: Msg): Msg {
    return this.server.workflowTasks.shutdownWorker(request);
  }

  resetStickyTaskQueue(request: Msg): Msg | Promise<Msg> {
    return this.server.workflowTasks.resetStickyTaskQueue(request);
  }

  respondNexusTaskCompleted(): Msg {
    return this.server.taskQueues.respondNexusTaskCompleted();
  }

  pollNexusTaskQueue(_request: Msg, context: CallContext): Promise<Msg> {
    return this.server.taskQueues.pollNexusTaskQueue(context);
  }

  describeTaskQueue(request: Msg): Msg {
    return this.server.taskQueues.describeTaskQueue(request);
  }

  recordWorkerHeartbeat(): Msg {
    return this.server.taskQueues.recordWorkerHeartbeat();
  }

  createSchedule(request: Msg): Msg {
    return this.schedules.createSchedule(request);
  }

  describeSchedule(request: Msg): Msg {
    return this.schedules.describeSchedule(request);
  }

  updateSchedule(request: Msg): Msg {
    return this.schedules.updateSchedule(request);
  }

  patchSchedule(request: Msg): Msg {
    return this.schedules.patchSchedule(request);
  }

  deleteSchedule(request: Msg): Msg {
    return this.schedules.deleteSchedule(request);
  }

  listSchedules(request: Msg): Msg {
    return this.schedules.listSchedules(request);
  }

  countSchedules(request: Msg): Msg {
    return this.schedules.countSchedules(request);
  }

  listScheduleMatchingTimes(request: Msg): Msg {
    return this.schedules.listScheduleMatchingTimes(request);
  }
}
