/**
 * The runs, by workflow id (oldest first) and by run id. Open runs live in memory; a closed run
 * keeps only its summary here (what listings, their filters and the id policies read) and leaves
 * memory once a few more recent closed runs have been used, to be read back from the store when a
 * client asks about it.
 */
import { ClosedRun } from './closedRun';
import { invalidArgument, notFound } from './errors';
import { Execution } from './execution';
import { NamespacedMap } from './namespacedMap';
import { rebuildRun } from './recovery';
import { closedRunSummary, runState, startRecord, type ClosedRunSummary, type DevServerStore } from './store/store';
import type { WorkflowExecutionRef } from './wire';

const key = (namespace: string, id: string): string => `${namespace}\u0000${id}`;

/** What every run shows, open or closed, without its history. */
export type RunSummary = Pick<
  Execution,
  | 'namespace'
  | 'workflowId'
  | 'runId'
  | 'firstExecutionRunId'
  | 'workflowType'
  | 'taskQueue'
  | 'startTime'
  | 'executionTime'
  | 'closeTime'
  | 'status'
  | 'parent'
  | 'searchAttributes'
  | 'memo'
  | 'newRunIdOnClose'
  | 'historyLength'
> & { readonly requestIds: ReadonlySet<string> };

/** Closed runs kept whole in memory by default, the most recently used first to stay. */
export const DEFAULT_CLOSED_RUNS_KEPT = 32;

export class RunStore {
  /** Each workflow id's runs, oldest first. */
  private readonly byWorkflowId = new NamespacedMap<readonly RunSummary[]>();
  private readonly summaries = new NamespacedMap<RunSummary>();
  /** Open runs, and the closed runs used last (in the order of their use, oldest first). */
  private readonly resident = new Map<string, Execution>();
  private readonly recentlyClosed = new Set<string>();
  /** Loads under way, so that two requests for one closed run share one read and one object. */
  private readonly loading = new Map<string, Promise<Execution | undefined>>();

  constructor(
    private readonly store: DevServerStore,
    private readonly closedRunsKept = DEFAULT_CLOSED_RUNS_KEPT,
  ) {}

  /** A new run: kept here and written to the store. */
  add(run: Execution): void {
    this.restore(run);
    this.store.saveRun(run);
  }

  /** A run read back from the store: open ones whole, closed ones as their summary. */
  restore(run: Execution | ClosedRunSummary): void {
    const summary = run instanceof Execution ? run : new ClosedRun(run);
    // Arrays of their exact length: most chains are one run long, and a pushed array takes room for 17.
    const chain = this.byWorkflowId.get(run.namespace, run.workflowId);
    this.byWorkflowId.set(run.namespace, run.workflowId, chain ? [...chain, summary] : [summary]);
    this.summaries.set(run.namespace, run.runId, summary);
    if (run instanceof Execution) this.resident.set(key(run.namespace, run.runId), run);
  }

  /** The run has closed: it keeps a summary here and stays whole only while recently used. */
  closed(run: Execution): void {
    const runKey = key(run.namespace, run.runId);
    if (this.resident.get(runKey) !== run) return;
    this.replaceSummary(run, new ClosedRun(closedRunSummary(startRecord(run), runState(run), run.history.length)));
    this.touch(runKey);
  }

  private replaceSummary(run: RunSummary, summary: RunSummary): void {
    this.summaries.set(run.namespace, run.runId, summary);
    const chain = this.byWorkflowId.get(run.namespace, run.workflowId);
    if (chain)
      this.byWorkflowId.set(
        run.namespace,
        run.workflowId,
        chain.map((other) => (other.runId === run.runId ? summary : other)),
      );
  }

  private touch(runKey: string): void {
    this.recentlyClosed.delete(runKey);
    this.recentlyClosed.add(runKey);
    this.trim();
  }

  /**
   * Lets go of the closed runs used longest ago beyond `kept`, but not of one a query or a worker
   * still holds; they stay in the store.
   */
  trim(kept = this.closedRunsKept): void {
    let excess = this.recentlyClosed.size - kept;
    for (const runKey of this.recentlyClosed) {
      if (excess <= 0) break;
      const run = this.resident.get(runKey);
      if (run && (run.queries.length || run.atWorker.size || run.waiters)) continue;
      this.recentlyClosed.delete(runKey);
      this.resident.delete(runKey);
      if (run) this.store.releaseRun(run);
      excess--;
    }
  }

  remove(run: Pick<Execution, 'namespace' | 'workflowId' | 'runId'>): void {
    this.store.deleteRun(run);
    const runKey = key(run.namespace, run.runId);
    this.summaries.delete(run.namespace, run.runId);
    this.resident.delete(runKey);
    this.recentlyClosed.delete(runKey);
    const remaining = (this.byWorkflowId.get(run.namespace, run.workflowId) ?? []).filter(
      (other) => other.runId !== run.runId,
    );
    if (remaining.length) this.byWorkflowId.set(run.namespace, run.workflowId, remaining);
    else this.byWorkflowId.delete(run.namespace, run.workflowId);
  }

  /** A run held in memory: every open run, and closed runs used lately. */
  byRunId(namespace: string, runId: string): Execution | undefined {
    return this.resident.get(key(namespace, runId));
  }

  /** Any run's summary, open or closed. */
  summary(namespace: string, runId: string): RunSummary | undefined {
    return this.summaries.get(namespace, runId);
  }

  latest(namespace: string, workflowId: string): RunSummary | undefined {
    const chain = this.byWorkflowId.get(namespace, workflowId);
    return chain?.[chain.length - 1];
  }

  /** The workflow's latest run if it is open. */
  latestOpen(namespace: string, workflowId: string): Execution | undefined {
    const latest = this.latest(namespace, workflowId);
    return latest instanceof Execution && latest.isRunning ? latest : undefined;
  }

  /** The summary of the run a request names: its run id, or the workflow's latest run. */
  named(namespace: string, execution: WorkflowExecutionRef | undefined): RunSummary {
    const workflowId = execution?.workflowId;
    if (!workflowId) throw invalidArgument('workflow id is required');
    const runId = execution?.runId || undefined;
    const run = runId ? this.summary(namespace, runId) : this.latest(namespace, workflowId);
    if (!run || run.workflowId !== workflowId) {
      throw notFound(
        `workflow execution not found for workflow ID "${workflowId}"${runId ? ` and run ID "${runId}"` : ''}`,
      );
    }
    return run;
  }

  /**
   * The run a request names if it is in memory (every open run is): callers that change a run use
   * it before anything else can, then fall back on `find`.
   */
  inMemory(namespace: string, execution: WorkflowExecutionRef | undefined): Execution | undefined {
    return this.resident.get(key(namespace, this.named(namespace, execution).runId));
  }

  /** The run a request names, whole: read back from the store if it has left memory. */
  async find(namespace: string, execution: WorkflowExecutionRef | undefined): Promise<Execution> {
    const summary = this.named(namespace, execution);
    const run = this.resident.get(key(namespace, summary.runId)) ?? (await this.load(summary));
    if (!run) throw notFound(`workflow execution not found for workflow ID "${summary.workflowId}"`);
    return run;
  }

  private load(summary: RunSummary): Promise<Execution | undefined> {
    const runKey = key(summary.namespace, summary.runId);
    let loading = this.loading.get(runKey);
    if (!loading) {
      loading = this.store.loadRun(summary).then(
        (stored) => {
          this.loading.delete(runKey);
          // Deleted meanwhile (retention, a delete request): it is gone for this request too.
          if (!stored || this.summaries.get(summary.namespace, summary.runId) !== summary) return undefined;
          const resident = this.resident.get(runKey) ?? rebuildRun(stored).run;
          this.resident.set(runKey, resident);
          this.touch(runKey);
          return resident;
        },
        (err: unknown) => {
          this.loading.delete(runKey);
          throw err;
        },
      );
      this.loading.set(runKey, loading);
    }
    return loading;
  }

  running(namespace: string, execution: WorkflowExecutionRef | undefined): Execution {
    const summary = this.named(namespace, execution);
    const run = this.resident.get(key(namespace, summary.runId));
    if (!run?.isRunning) throw notFound('workflow execution already completed');
    return run;
  }

  /** Every run's summary. */
  all(): RunSummary[] {
    return [...this.summaries.values()];
  }

  /** Open runs. */
  open(): Execution[] {
    return [...this.resident.values()].filter((run) => run.isRunning);
  }

  /** How many runs are held whole in memory, open and closed. */
  counts(): { open: number; closed: number } {
    const closed = this.recentlyClosed.size;
    return { open: this.resident.size - closed, closed };
  }
}
