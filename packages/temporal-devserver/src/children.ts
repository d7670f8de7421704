/**
 * Child workflows (start, the parent told of their end, parent close policies) and the signals and
 * cancellation requests a workflow sends to other workflows.
 */
import type { Msg } from './protos';
import type {
  CloseEventAttributes,
  RequestCancelExternalWorkflowExecutionAttributes,
  SignalExternalWorkflowExecutionAttributes,
  StartChildWorkflowExecutionAttributes,
  StartWorkflowExecutionRequest,
} from './wire';
import { status } from '@grpc/grpc-js';
import { ServiceError } from './errors';
import { eventAttributes } from './events';
import type { Execution } from './execution';
import type { MaybePromise } from './maybePromise';
import type { StartDecision } from './runStart';
import type { ServerContext } from './context';

export class Children {
  constructor(private readonly server: ServerContext) {}

  initiate(
    run: Execution,
    attrs: StartChildWorkflowExecutionAttributes,
    completedEventId: number,
    deferred: Array<() => void>,
  ): void {
    const namespace = attrs.namespace || run.namespace;
    const initiatedEventId = this.server.history.append(run, {
      kind: 'StartChildWorkflowExecutionInitiated',
      attributes: {
        ...attrs,
        namespace,
        workflowTaskCompletedEventId: completedEventId,
        taskQueue: { name: attrs.taskQueue?.name || run.taskQueue, kind: 'TASK_QUEUE_KIND_NORMAL' },
      },
    });
    const parentClosePolicy =
      attrs.parentClosePolicy && attrs.parentClosePolicy !== 'PARENT_CLOSE_POLICY_UNSPECIFIED'
        ? attrs.parentClosePolicy
        : 'PARENT_CLOSE_POLICY_TERMINATE';
    run.children.set(initiatedEventId, {
      initiatedEventId,
      namespace,
      workflowId: attrs.workflowId as string,
      workflowType: attrs.workflowType!.name as string,
      parentClosePolicy,
    });
    deferred.push(() => this.start(run, initiatedEventId));
  }

  /**
   * Starts the child a run initiated, under the id policies, or records why it could not start.
   * Also called on restart for a child initiated but neither started nor failed.
   */
  start(run: Execution, initiatedEventId: number): void {
    const child = run.children.get(initiatedEventId);
    if (!run.isRunning || !child) return;
    const attrs = eventAttributes(run.history[initiatedEventId - 1]) as StartChildWorkflowExecutionAttributes & {
      namespace: string;
      workflowTaskCompletedEventId: number;
    };
    const { namespace, workflowTaskCompletedEventId: completedEventId } = attrs;
    const childNamespace = this.server.namespaces.get(namespace);
    const request: StartWorkflowExecutionRequest = {
      namespace,
      workflowId: attrs.workflowId,
      workflowType: attrs.workflowType,
      taskQueue: { name: attrs.taskQueue?.name },
      input: attrs.input,
      workflowExecutionTimeout: attrs.workflowExecutionTimeout,
      workflowRunTimeout: attrs.workflowRunTimeout,
      workflowTaskTimeout: attrs.workflowTaskTimeout,
      workflowIdReusePolicy: attrs.workflowIdReusePolicy,
      retryPolicy: attrs.retryPolicy,
      memo: attrs.memo,
      searchAttributes: attrs.searchAttributes,
      header: attrs.header,
      identity: `parent:${run.workflowId}`,
    };
    const failed = (): void => {
      run.children.delete(initiatedEventId);
      this.server.history.add(
        run,
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
    };
    const startNow = (): void => {
      const childRun = this.server.runStart.create({
        namespace: childNamespace,
        request,
        parent: { namespace: run.namespace, workflowId: run.workflowId, runId: run.runId, initiatedEventId },
      });
      child.runId = childRun.runId;
      this.server.history.add(
        run,
        {
          kind: 'ChildWorkflowExecutionStarted',
          attributes: {
            namespace,
            initiatedEventId,
            workflowExecution: childRun.execution,
            workflowType: attrs.workflowType,
            header: attrs.header,
          },
          onWritten: (id) => (child.startedEventId = id),
        },
        true,
      );
    };
    let decision: MaybePromise<StartDecision>;
    try {
      decision = this.server.runStart.applyStartPolicies(childNamespace, {
        ...request,
        workflowIdConflictPolicy: 'WORKFLOW_ID_CONFLICT_POLICY_FAIL',
      });
    } catch {
      failed();
      return;
    }
    if (!(decision instanceof Promise)) {
      startNow();
      return;
    }
    // The workflow id's latest run is closed and out of memory: the store is read first.
    const stillWaiting = (): boolean => run.isRunning && run.children.get(initiatedEventId) === child && !child.runId;
    decision.then(
      () => stillWaiting() && startNow(),
      (err: unknown) => stillWaiting() && !(err instanceof ServiceError && err.code === status.UNAVAILABLE) && failed(),
    );
  }

  /** Tells a parent that its child's chain has ended. */
  notifyParent(run: Execution, kind: string, attributes: CloseEventAttributes): void {
    if (!run.parent) return;
    const parent = this.server.runs.byRunId(run.parent.namespace, run.parent.runId);
    if (!parent?.isRunning) return;
    const child = parent.children.get(run.parent.initiatedEventId);
    if (!child) return;
    parent.children.delete(run.parent.initiatedEventId);
    const common = {
      namespace: run.namespace,
      workflowExecution: { workflowId: run.workflowId, runId: run.runId },
      workflowType: { name: run.workflowType },
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
    this.server.history.add(parent, { kind: childKind, attributes: { ...common, ...extra } }, true);
  }

  applyParentClosePolicy(run: Execution): void {
    for (const child of run.children.values()) {
      if (!child.runId) continue;
      const childRun = this.server.runs.latestOpen(child.namespace, child.workflowId);
      // The child's chain still runs: the run this parent started is its first.
      if (!childRun || childRun.firstExecutionRunId !== child.runId) continue;
      if (child.parentClosePolicy === 'PARENT_CLOSE_POLICY_TERMINATE') {
        this.server.runClose.terminate(childRun, 'by parent close policy', undefined, 'history-service');
      } else if (child.parentClosePolicy === 'PARENT_CLOSE_POLICY_REQUEST_CANCEL' && !childRun.cancelRequested) {
        childRun.cancelRequested = true;
        this.server.history.add(
          childRun,
          {
            kind: 'WorkflowExecutionCancelRequested',
            attributes: { cause: 'by parent close policy', identity: 'history-service' },
          },
          true,
        );
      }
    }
    run.children.clear();
  }

  signalExternal(
    run: Execution,
    attrs: SignalExternalWorkflowExecutionAttributes,
    completedEventId: number,
    deferred: Array<() => void>,
  ): void {
    const namespace = attrs.namespace || run.namespace;
    const initiatedEventId = this.server.history.append(run, {
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
        target = this.server.runs.runningNow(namespace, attrs.execution);
      } catch {
        target = undefined;
      }
      if (!target) {
        this.server.history.add(
          run,
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
      this.server.history.add(
        target,
        {
          kind: 'WorkflowExecutionSignaled',
          attributes: {
            signalName: attrs.signalName,
            input: attrs.input,
            identity: `workflow:${run.workflowId}`,
            header: attrs.header,
            externalWorkflowExecution: run.execution,
          },
        },
        true,
      );
      this.server.history.add(
        run,
        {
          kind: 'ExternalWorkflowExecutionSignaled',
          attributes: { initiatedEventId, namespace, workflowExecution: target.execution, control: attrs.control },
        },
        true,
      );
    });
  }

  cancelExternal(
    run: Execution,
    attrs: RequestCancelExternalWorkflowExecutionAttributes,
    completedEventId: number,
    deferred: Array<() => void>,
  ): void {
    const namespace = attrs.namespace || run.namespace;
    const execution = { workflowId: attrs.workflowId, runId: attrs.runId };
    const initiatedEventId = this.server.history.append(run, {
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
        target = this.server.runs.runningNow(namespace, execution);
      } catch {
        target = undefined;
      }
      if (!target) {
        this.server.history.add(
          run,
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
        this.server.history.add(
          target,
          {
            kind: 'WorkflowExecutionCancelRequested',
            attributes: {
              cause: attrs.reason,
              externalInitiatedEventId: initiatedEventId,
              externalWorkflowExecution: run.execution,
              identity: `workflow:${run.workflowId}`,
            },
          },
          true,
        );
      }
      this.server.history.add(
        run,
        {
          kind: 'ExternalWorkflowExecutionCancelRequested',
          attributes: { initiatedEventId, namespace, workflowExecution: target.execution },
        },
        true,
      );
    });
  }
}
