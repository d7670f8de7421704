/**
 * DescribeWorkflowExecution and the visibility listings (list, scan, count with GROUP BY), with
 * list filters compiled by visibility/.
 */
import { settableSearchAttributes } from './searchAttributes';
import type { Msg } from './protos';
import type {
  DescribeWorkflowExecutionRequest,
  ListWorkflowExecutionsRequest,
  NamespaceScoped,
  WorkflowExecutionStartedAttributes,
} from './wire';
import { invalidArgument } from './errors';
import { eventAttributes } from './events';
import type { ActivityState } from './execution';
import type { RunSummary } from './runs';
import { STATUS_ENUM } from './executionStatus';
import { durToMs, msToDur, msToTs } from './time';
import { type CompiledQuery, type VisibilityRecord, VisibilityQueryError, compileVisibilityQuery } from './visibility';
import type { ServerContext } from './context';

export class Listing {
  constructor(private readonly server: ServerContext) {}

  private executionInfo(run: RunSummary): Msg {
    return {
      execution: { workflowId: run.workflowId, runId: run.runId },
      type: { name: run.workflowType },
      startTime: msToTs(run.startTime),
      closeTime: run.closeTime !== undefined ? msToTs(run.closeTime) : undefined,
      status: STATUS_ENUM[run.status],
      historyLength: run.historyLength,
      parentNamespaceId: run.parent ? this.server.namespaces.byName.get(run.parent.namespace)?.id : undefined,
      parentExecution: run.parent ? { workflowId: run.parent.workflowId, runId: run.parent.runId } : undefined,
      executionTime: msToTs(run.executionTime),
      memo: { fields: run.memo },
      searchAttributes: { indexedFields: run.searchAttributes },
      taskQueue: run.taskQueue,
      stateTransitionCount: run.historyLength,
      historySizeBytes: 0,
      firstRunId: run.firstExecutionRunId,
      executionDuration: run.closeTime !== undefined ? msToDur(run.closeTime - run.startTime) : undefined,
    };
  }

  async describeWorkflowExecution(req: DescribeWorkflowExecutionRequest): Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const run = await this.server.runs.find(namespace.name, req.execution);
    const started = eventAttributes(run.history[0]) as WorkflowExecutionStartedAttributes;
    return {
      executionConfig: {
        taskQueue: { name: run.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
        workflowExecutionTimeout: started.workflowExecutionTimeout,
        workflowRunTimeout: started.workflowRunTimeout,
        defaultWorkflowTaskTimeout: started.workflowTaskTimeout,
      },
      workflowExecutionInfo: this.executionInfo(run),
      pendingActivities: [...run.activities.values()].map((a) => this.pendingActivity(a)),
      pendingChildren: [...run.children.values()].map((c) => ({
        workflowId: c.workflowId,
        runId: c.runId,
        workflowTypeName: c.workflowType,
        initiatedId: c.initiatedEventId,
        parentClosePolicy: c.parentClosePolicy,
      })),
      pendingWorkflowTask: run.workflowTask
        ? {
            state:
              run.workflowTask.state === 'started'
                ? 'PENDING_WORKFLOW_TASK_STATE_STARTED'
                : 'PENDING_WORKFLOW_TASK_STATE_SCHEDULED',
            scheduledTime: msToTs(run.workflowTask.scheduledTime),
            originalScheduledTime: msToTs(run.workflowTask.scheduledTime),
            startedTime: run.workflowTask.startedTime ? msToTs(run.workflowTask.startedTime) : undefined,
            attempt: run.workflowTask.attempt,
          }
        : undefined,
    };
  }

  private pendingActivity(a: ActivityState): Msg {
    const attributes = a.attributes;
    return {
      activityId: a.activityId,
      activityType: attributes.activityType,
      state: a.cancelRequested
        ? 'PENDING_ACTIVITY_STATE_CANCEL_REQUESTED'
        : a.state === 'started'
          ? 'PENDING_ACTIVITY_STATE_STARTED'
          : 'PENDING_ACTIVITY_STATE_SCHEDULED',
      heartbeatDetails: a.heartbeatDetails,
      lastHeartbeatTime: a.lastHeartbeatTime ? msToTs(a.lastHeartbeatTime) : undefined,
      lastStartedTime: a.startedTime ? msToTs(a.startedTime) : undefined,
      attempt: a.attempt,
      maximumAttempts: attributes.retryPolicy.maximumAttempts,
      scheduledTime: msToTs(a.state === 'backoff' ? a.scheduledTime : a.currentAttemptScheduledTime),
      nextAttemptScheduleTime: a.state === 'backoff' ? msToTs(a.currentAttemptScheduledTime) : undefined,
      expirationTime: durToMs(attributes.scheduleToCloseTimeout)
        ? msToTs(a.scheduledTime + durToMs(attributes.scheduleToCloseTimeout)!)
        : undefined,
      lastFailure: a.lastFailure,
      lastWorkerIdentity: a.identity,
    };
  }

  private record(run: RunSummary): VisibilityRecord {
    return {
      workflowId: run.workflowId,
      runId: run.runId,
      workflowType: run.workflowType,
      executionStatus: run.status,
      taskQueue: run.taskQueue,
      startTime: run.startTime,
      executionTime: run.executionTime,
      closeTime: run.closeTime,
      searchAttributes: run.searchAttributeValues,
    };
  }

  private async queryRuns(
    namespaceName: string | undefined,
    query: string | undefined,
    allowGroupBy = false,
  ): Promise<{ runs: RunSummary[]; compiled: CompiledQuery }> {
    const namespace = this.server.namespaces.get(namespaceName);
    let compiled: CompiledQuery;
    try {
      compiled = compileVisibilityQuery(query ?? '', settableSearchAttributes(namespace));
    } catch (err) {
      if (err instanceof VisibilityQueryError) throw invalidArgument(`invalid query: ${err.message}`);
      throw err;
    }
    if (compiled.groupBy.length && !allowGroupBy)
      throw invalidArgument('invalid query: GROUP BY is only supported by CountWorkflowExecutions');
    const rows = (await this.server.runs.inNamespace(namespace.name))
      .map((run) => ({ run, record: this.record(run) }))
      .filter((row) => compiled.matches(row.record));
    rows.sort((a, b) => compiled.compare(a.record, b.record));
    return { runs: rows.map((r) => r.run), compiled };
  }

  async listWorkflowExecutions(req: ListWorkflowExecutionsRequest): Promise<Msg> {
    const { runs } = await this.queryRuns(req.namespace, req.query);
    const offset = req.nextPageToken?.length ? Number(Buffer.from(req.nextPageToken).toString()) : 0;
    const pageSize = req.pageSize && req.pageSize > 0 ? req.pageSize : 1000;
    const page = runs.slice(offset, offset + pageSize);
    const next = offset + page.length;
    return {
      executions: page.map((run) => this.executionInfo(run)),
      nextPageToken: next < runs.length ? Buffer.from(String(next)) : undefined,
    };
  }

  scanWorkflowExecutions(req: ListWorkflowExecutionsRequest): Promise<Msg> {
    return this.listWorkflowExecutions(req);
  }

  async countWorkflowExecutions(req: ListWorkflowExecutionsRequest): Promise<Msg> {
    const { runs, compiled } = await this.queryRuns(req.namespace, req.query, true);
    if (!compiled.groupBy.length) return { count: runs.length };
    const groups = new Map<string, { values: string[]; count: number }>();
    for (const run of runs) {
      const values = compiled.groupValues(this.record(run));
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

  listOpenWorkflowExecutions(req: NamespaceScoped): Promise<Msg> {
    return this.executions(req, "ExecutionStatus = 'Running'");
  }

  listClosedWorkflowExecutions(req: NamespaceScoped): Promise<Msg> {
    return this.executions(req, "ExecutionStatus != 'Running'");
  }

  private async executions(req: NamespaceScoped, query: string): Promise<Msg> {
    const { runs } = await this.queryRuns(req.namespace, query);
    return { executions: runs.map((run) => this.executionInfo(run)) };
  }
}
