/**
 * Workflow updates: admitted by a client, delivered with a workflow task, accepted, rejected or
 * completed by the workflow's protocol messages, and waited for until a lifecycle stage.
 */
import type { CallContext } from './grpcServer';
import type { Msg } from './protos';
import type {
  PollWorkflowExecutionUpdateRequest,
  ProtocolMessage,
  UpdateAcceptance,
  UpdateRejection,
  UpdateRequest,
  UpdateResponse,
  UpdateWorkflowExecutionRequest,
} from './wire';
import { invalidArgument, notFound } from './errors';
import type { Execution, UpdateState } from './execution';
import type { ServerContext } from './context';

export class Updates {
  constructor(private readonly server: ServerContext) {}

  private response(run: Execution, update: UpdateState): Msg {
    const stage =
      update.stage === 'completed'
        ? 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED'
        : update.stage === 'accepted'
          ? 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED'
          : 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED';
    return {
      updateRef: { workflowExecution: run.execution, updateId: update.updateId },
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
  private async waitFor(run: Execution, update: UpdateState, waitStage: string, context: CallContext): Promise<Msg> {
    const deadline = Date.now() + this.server.taskQueues.pollTimeout(context);
    while (!this.reached(update, waitStage)) {
      const owner = this.runOf(run, update.updateId);
      if (!owner) throw notFound('workflow execution already completed');
      if (!owner.isRunning && update.stage !== 'accepted') throw notFound('workflow execution already completed');
      if (!owner.isRunning) throw notFound('workflow execution already completed');
      const remaining = deadline - Date.now();
      if (remaining <= 0 || context.isCancelled()) return this.response(owner, update);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        update.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        void context.cancelled.then(resolve);
      });
    }
    return this.response(this.runOf(run, update.updateId) ?? run, update);
  }

  /** Updates can move to the next candidate of a chain; find where it lives now. */
  private runOf(run: Execution, updateId: string): Execution | undefined {
    let candidate: Execution | undefined = run;
    while (candidate) {
      if (candidate.updates.has(updateId)) return candidate;
      candidate = candidate.newRunIdOnClose
        ? this.server.runs.byRunId(candidate.namespace, candidate.newRunIdOnClose)
        : undefined;
    }
    return undefined;
  }

  async updateWorkflowExecution(req: UpdateWorkflowExecutionRequest, context: CallContext): Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const request: UpdateRequest = req.request ?? {};
    const updateId = request.meta?.updateId;
    if (!updateId) throw invalidArgument('update id is required');
    if (!request.input?.name) throw invalidArgument('update name is required');
    const run =
      this.server.runs.inMemory(namespace.name, req.workflowExecution) ??
      (await this.server.runs.find(namespace.name, req.workflowExecution));
    if (req.firstExecutionRunId && run.firstExecutionRunId !== req.firstExecutionRunId)
      throw notFound('workflow execution not found for the given first execution run id');
    const waitStage = req.waitPolicy?.lifecycleStage ?? 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED';
    const existingRun = this.runOf(run, updateId);
    if (existingRun) return this.waitFor(existingRun, existingRun.updates.get(updateId)!, waitStage, context);
    if (!run.isRunning) throw notFound('workflow execution already completed');
    const update: UpdateState = { updateId, request, stage: 'admitted', waiters: [] };
    run.updates.set(updateId, update);
    this.server.workflowTasks.ensure(run, true);
    return this.waitFor(run, update, waitStage, context);
  }

  async pollWorkflowExecutionUpdate(req: PollWorkflowExecutionUpdateRequest, context: CallContext): Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const ref = req.updateRef ?? {};
    const run = await this.server.runs.find(namespace.name, ref.workflowExecution);
    const updateId = ref.updateId ?? '';
    const owner = this.runOf(run, updateId);
    if (!owner) throw notFound(`update ${ref.updateId} not found`);
    const waitStage = req.waitPolicy?.lifecycleStage ?? 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED';
    return this.waitFor(owner, owner.updates.get(updateId)!, waitStage, context);
  }

  applyMessage(
    run: Execution,
    message: ProtocolMessage,
    body: { typeName: string; value: Msg },
    completedEventId: number,
  ): void {
    const update = run.updates.get(message.protocolInstanceId ?? '');
    if (!update) return;
    const wake = (): void => update.waiters.splice(0).forEach((w) => w());
    switch (body.typeName) {
      case 'temporal.api.update.v1.Acceptance': {
        const acceptance = body.value as UpdateAcceptance;
        update.acceptedEventId = this.server.history.append(run, {
          kind: 'WorkflowExecutionUpdateAccepted',
          attributes: {
            protocolInstanceId: update.updateId,
            acceptedRequestMessageId: acceptance.acceptedRequestMessageId,
            acceptedRequestSequencingEventId: acceptance.acceptedRequestSequencingEventId,
            acceptedRequest: update.request,
          },
        });
        update.stage = 'accepted';
        break;
      }
      case 'temporal.api.update.v1.Rejection':
        update.outcome = { failure: (body.value as UpdateRejection).failure };
        update.stage = 'completed';
        // A rejected update leaves no trace: the next request with this id is a new update.
        run.updates.delete(update.updateId);
        break;
      case 'temporal.api.update.v1.Response': {
        const response = body.value as UpdateResponse;
        this.server.history.append(run, {
          kind: 'WorkflowExecutionUpdateCompleted',
          attributes: {
            meta: response.meta ?? (update.request as UpdateRequest).meta,
            acceptedEventId: update.acceptedEventId,
            outcome: response.outcome,
          },
        });
        update.outcome = response.outcome;
        update.stage = 'completed';
        break;
      }
      default:
        return;
    }
    void completedEventId;
    wake();
  }
}
