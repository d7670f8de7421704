/**
 * Queries: held until no workflow task is outstanding, handed to a worker as a query task on the
 * run's task queue, answered legacy-style or in a workflow task completion.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from './grpcServer';
import type { Msg } from './protos';
import type { QueryWorkflowRequest, RespondQueryTaskCompletedRequest, WorkflowQueryResult } from './wire';
import { deadlineExceeded, failedPrecondition, invalidArgument, notFound, queryFailed } from './errors';
import type { Execution, PendingQuery } from './execution';
import { STATUS_ENUM } from './executionStatus';
import { msToTs } from './time';
import { encodeToken, decodeToken } from './taskTokens';
import type { ServerContext } from './context';

export class Queries {
  constructor(private readonly server: ServerContext) {}

  async queryWorkflow(req: QueryWorkflowRequest, context: CallContext): Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const run =
      this.server.runs.inMemory(namespace.name, req.execution) ??
      (await this.server.runs.find(namespace.name, req.execution));
    const condition = req.queryRejectCondition;
    if (!run.isRunning && condition === 'QUERY_REJECT_CONDITION_NOT_OPEN')
      return { queryRejected: { status: STATUS_ENUM[run.status] } };
    if (!run.isRunning && condition === 'QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY' && run.status !== 'Completed') {
      return { queryRejected: { status: STATUS_ENUM[run.status] } };
    }
    if (run.lastCompletedWorkflowTaskStartedId === 0 && !run.isRunning)
      throw failedPrecondition('workflow closed before its first workflow task completed');
    const result = await new Promise<Msg>((resolve, reject) => {
      const query: PendingQuery = { id: randomUUID(), query: req.query, resolve, reject, dispatched: false };
      run.queries.push(query);
      const timeout = Math.max(0, (context.deadline ?? Date.now() + 30_000) - Date.now() - 200);
      const timer = setTimeout(() => {
        this.remove(run, query);
        this.server.workflowTasks.doneAtWorker(run, query.id);
        reject(deadlineExceeded('query timed out: no worker answered'));
      }, timeout);
      const settle = (fn: () => void): void => {
        clearTimeout(timer);
        fn();
      };
      query.resolve = (r) => settle(() => resolve(r));
      query.reject = (e) => settle(() => reject(e));
      this.dispatch(run);
    });
    return result;
  }

  private remove(run: Execution, query: PendingQuery): void {
    const i = run.queries.indexOf(query);
    if (i >= 0) run.queries.splice(i, 1);
    query.dispatched = true;
  }

  /** Queries go out when no workflow task is outstanding, so they see every accepted event. */
  dispatch(run: Execution): void {
    if (run.workflowTask || run.lastCompletedWorkflowTaskStartedId === 0) return;
    for (const query of run.queries) {
      if (query.dispatched || query.queued) continue;
      query.queued = true;
      this.server.taskQueues.workflowQueue(run.namespace, run.taskQueue).offer({ kind: 'query', run, query });
    }
  }

  startTask(run: Execution, query: PendingQuery): Msg {
    query.dispatched = true;
    run.atWorker.add(query.id);
    return {
      taskToken: encodeToken({
        kind: 'query',
        namespace: run.namespace,
        workflowId: run.workflowId,
        runId: run.runId,
        id: query.id,
      }),
      workflowExecution: run.execution,
      workflowType: { name: run.workflowType },
      previousStartedEventId: run.lastCompletedWorkflowTaskStartedId,
      startedEventId: 0,
      attempt: 1,
      history: { events: run.history },
      query: query.query,
      workflowExecutionTaskQueue: { name: run.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
      scheduledTime: msToTs(this.server.clock.now()),
      startedTime: msToTs(this.server.clock.now()),
    };
  }

  answer(run: Execution, queryId: string, result: WorkflowQueryResult): void {
    const query = run.queries.find((q) => q.id === queryId);
    if (!query) return;
    this.remove(run, query);
    if (result.resultType === 'QUERY_RESULT_TYPE_ANSWERED') query.resolve({ queryResult: result.answer });
    else query.reject(queryFailed(result.errorMessage || 'query failed', result.failure));
  }

  respondQueryTaskCompleted(req: RespondQueryTaskCompletedRequest, context: CallContext): Msg {
    const token = decodeToken(req.taskToken);
    if (token.kind !== 'query') throw invalidArgument('not a query task token');
    const run = this.server.runs.byRunId(token.namespace, token.runId);
    if (!run) throw notFound('query not found');
    context.afterResponse(() => this.server.workflowTasks.doneAtWorker(run, token.id));
    const query = run.queries.find((q) => q.id === token.id);
    if (!query) throw notFound('query not found or already answered');
    this.remove(run, query);
    if (req.completedType === 'QUERY_RESULT_TYPE_ANSWERED') query.resolve({ queryResult: req.queryResult });
    else query.reject(queryFailed(req.errorMessage || 'query failed', req.failure));
    return {};
  }
}
