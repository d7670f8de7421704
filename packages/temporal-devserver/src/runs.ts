/** Every run the server knows, by workflow id (oldest first) and by run id. */
import { invalidArgument, notFound } from './errors';
import type { Execution } from './execution';
import type { DevServerStore } from './store/store';
import type { WorkflowExecutionRef } from './wire';

const key = (namespace: string, id: string): string => `${namespace}\u0000${id}`;

export class RunStore {
  private readonly byWorkflowId = new Map<string, Execution[]>();
  private readonly byRunIdKey = new Map<string, Execution>();

  constructor(private readonly store: DevServerStore) {}

  /** A new run: kept here and written to the store. */
  add(run: Execution): void {
    this.restore(run);
    this.store.saveRun(run);
  }

  /** A run read back from the store. */
  restore(run: Execution): void {
    const chain = this.byWorkflowId.get(key(run.namespace, run.workflowId)) ?? [];
    chain.push(run);
    this.byWorkflowId.set(key(run.namespace, run.workflowId), chain);
    this.byRunIdKey.set(key(run.namespace, run.runId), run);
  }

  remove(run: Execution): void {
    this.store.deleteRun(run);
    this.byRunIdKey.delete(key(run.namespace, run.runId));
    const workflowKey = key(run.namespace, run.workflowId);
    const remaining = (this.byWorkflowId.get(workflowKey) ?? []).filter((other) => other !== run);
    if (remaining.length) this.byWorkflowId.set(workflowKey, remaining);
    else this.byWorkflowId.delete(workflowKey);
  }

  byRunId(namespace: string, runId: string): Execution | undefined {
    return this.byRunIdKey.get(key(namespace, runId));
  }

  latest(namespace: string, workflowId: string): Execution | undefined {
    const chain = this.byWorkflowId.get(key(namespace, workflowId));
    return chain?.[chain.length - 1];
  }

  /** The run a request names: its run id, or the workflow's latest run. */
  find(namespace: string, execution: WorkflowExecutionRef | undefined): Execution {
    const workflowId = execution?.workflowId;
    if (!workflowId) throw invalidArgument('workflow id is required');
    const runId = execution?.runId || undefined;
    const run = runId ? this.byRunId(namespace, runId) : this.latest(namespace, workflowId);
    if (!run || run.workflowId !== workflowId) {
      throw notFound(
        `workflow execution not found for workflow ID "${workflowId}"${runId ? ` and run ID "${runId}"` : ''}`,
      );
    }
    return run;
  }

  running(namespace: string, execution: WorkflowExecutionRef | undefined): Execution {
    const run = this.find(namespace, execution);
    if (!run.isRunning) throw notFound('workflow execution already completed');
    return run;
  }

  all(): Execution[] {
    return [...this.byRunIdKey.values()];
  }
}
