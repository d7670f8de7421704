/**
 * The runs in memory, by run id and by workflow id, in front of the store. Open runs live here
 * whole; a closed run stays only while it is among the few used last, then leaves memory
 * altogether: what clients ask about it (a lookup, a listing, the id policies) is read from the
 * store, so memory does not grow with the runs that have closed.
 */
import { ClosedRun } from './closedRun';
import { invalidArgument, notFound } from './errors';
import type { Execution } from './execution';
import { NamespacedMap } from './namespacedMap';
import { rebuildRun } from './recovery';
import type { DevServerStore } from './store/store';
import type { WorkflowExecutionRef } from './wire';
import { andThen, type MaybePromise } from './maybePromise';

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
  | 'searchAttributeValues'
> & { readonly requestIds: ReadonlySet<string> };

/** Closed runs kept whole in memory by default, the most recently used first to stay. */
export const DEFAULT_CLOSED_RUNS_KEPT = 32;

export class RunStore {
  /** Open runs, and the closed runs used last. */
  private readonly resident = new Map<string, Execution>();
  /**
   * Each workflow id's latest run, where memory holds it: every open run is its workflow's latest.
   * An id missing here has no open run, and the store knows its latest closed one.
   */
  private readonly latestRuns = new NamespacedMap<Execution>();
  /** The closed runs held whole, in the order of their use (oldest first). */
  private readonly recentlyClosed = new Set<string>();
  /** Loads under way, so that two requests for one closed run share one read and one object. */
  private readonly loading = new Map<string, Promise<Execution | undefined>>();
  /** Loads whose run was deleted (retention, a delete request) while they read it: gone for them too. */
  private readonly removedWhileLoading = new Set<string>();

  constructor(
    private readonly store: DevServerStore,
    private readonly closedRunsKept = DEFAULT_CLOSED_RUNS_KEPT,
  ) {}

  /** A new run: kept here and written to the store. */
  add(run: Execution): void {
    this.restore(run);
    this.store.saveRun(run);
  }

  /** An open run read back from the store, oldest first: the latest of its workflow id. */
  restore(run: Execution): void {
    this.resident.set(key(run.namespace, run.runId), run);
    this.latestRuns.set(run.namespace, run.workflowId, run);
  }

  /** The run has closed: the store answers about it from now on, and it stays whole while used. */
  closed(run: Execution): void {
    const runKey = key(run.namespace, run.runId);
    if (this.resident.get(runKey) !== run) return;
    this.store.runClosed(run);
    this.touch(runKey);
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
      if (run && this.latestRuns.get(run.namespace, run.workflowId) === run)
        this.latestRuns.delete(run.namespace, run.workflowId);
      excess--;
    }
  }

  remove(run: Pick<Execution, 'namespace' | 'workflowId' | 'runId'>): void {
    this.store.deleteRun(run);
    const runKey = key(run.namespace, run.runId);
    this.resident.delete(runKey);
    this.recentlyClosed.delete(runKey);
    // The run before it, if any, is the latest now: the store says which.
    if (this.latestRuns.get(run.namespace, run.workflowId)?.runId === run.runId)
      this.latestRuns.delete(run.namespace, run.workflowId);
    if (this.loading.has(runKey)) this.removedWhileLoading.add(runKey);
  }

  /** Closed runs held in memory that closed before `before`, for retention. */
  closedBefore(namespace: string, before: number): Execution[] {
    return [...this.resident.values()].filter(
      (run) => run.namespace === namespace && !run.isRunning && run.closeTime !== undefined && run.closeTime < before,
    );
  }

  /** A run held in memory: every open run, and closed runs used lately. */
  byRunId(namespace: string, runId: string): Execution | undefined {
    return this.resident.get(key(namespace, runId));
  }

  /** The workflow's latest run if it is open. */
  latestOpen(namespace: string, workflowId: string): Execution | undefined {
    const latest = this.latestRuns.get(namespace, workflowId);
    return latest?.isRunning ? latest : undefined;
  }

  /**
   * The workflow's latest run, open or closed: from memory when it is there, else from the store
   * (at once, when the store can tell the workflow id has never closed a run).
   */
  latest(namespace: string, workflowId: string): MaybePromise<RunSummary | undefined> {
    const latest = this.latestRuns.get(namespace, workflowId);
    if (latest) return latest;
    // A run of that id may have started while the store was read.
    return andThen(
      this.store.latestClosedRun(namespace, workflowId),
      (summary) => this.latestRuns.get(namespace, workflowId) ?? (summary && new ClosedRun(summary)),
    );
  }

  /** Any run's summary, open or closed. */
  async summary(namespace: string, runId: string): Promise<RunSummary | undefined> {
    const resident = this.byRunId(namespace, runId);
    if (resident) return resident;
    const stored = await this.store.closedRun({ namespace, runId });
    return this.byRunId(namespace, runId) ?? (stored && new ClosedRun(stored));
  }

  /**
   * The run a request names (its run id, or the workflow's latest run) if memory holds it: every
   * open run is here. Callers that change a run use it before anything else can, then fall back on
   * `find` or `named`.
   */
  inMemory(namespace: string, execution: WorkflowExecutionRef | undefined): Execution | undefined {
    const workflowId = execution?.workflowId;
    if (!workflowId) throw invalidArgument('workflow id is required');
    const runId = execution?.runId || undefined;
    const run = runId ? this.byRunId(namespace, runId) : this.latestRuns.get(namespace, workflowId);
    return run?.workflowId === workflowId ? run : undefined;
  }

  /** The summary of the run a request names: its run id, or the workflow's latest run. */
  async named(namespace: string, execution: WorkflowExecutionRef | undefined): Promise<RunSummary> {
    const resident = this.inMemory(namespace, execution);
    if (resident) return resident;
    const workflowId = execution!.workflowId as string;
    const runId = execution?.runId || undefined;
    const run = runId ? await this.summary(namespace, runId) : await this.latest(namespace, workflowId);
    if (!run || run.workflowId !== workflowId) {
      throw notFound(
        `workflow execution not found for workflow ID "${workflowId}"${runId ? ` and run ID "${runId}"` : ''}`,
      );
    }
    return run;
  }

  /** The run a request names, whole: read back from the store if it has left memory. */
  async find(namespace: string, execution: WorkflowExecutionRef | undefined): Promise<Execution> {
    const resident = this.inMemory(namespace, execution);
    if (resident) return resident;
    const summary = await this.named(namespace, execution);
    const run = this.byRunId(namespace, summary.runId) ?? (await this.load(summary));
    if (!run) throw notFound(`workflow execution not found for workflow ID "${summary.workflowId}"`);
    // Named as its workflow's latest run, and no run of that id started since: it stays the latest.
    if (
      !execution?.runId &&
      !this.latestRuns.get(namespace, run.workflowId) &&
      this.byRunId(namespace, run.runId) === run
    )
      this.latestRuns.set(namespace, run.workflowId, run);
    return run;
  }

  private load(summary: RunSummary): Promise<Execution | undefined> {
    const runKey = key(summary.namespace, summary.runId);
    let loading = this.loading.get(runKey);
    if (!loading) {
      loading = this.store.loadRun(summary).then(
        (stored) => {
          this.loading.delete(runKey);
          if (this.removedWhileLoading.delete(runKey) || !stored) return undefined;
          const resident = this.resident.get(runKey) ?? rebuildRun(stored).run;
          this.resident.set(runKey, resident);
          this.touch(runKey);
          return resident;
        },
        (err: unknown) => {
          this.loading.delete(runKey);
          this.removedWhileLoading.delete(runKey);
          throw err;
        },
      );
      this.loading.set(runKey, loading);
    }
    return loading;
  }

  /** The open run a request names, if there is one. */
  runningNow(namespace: string, execution: WorkflowExecutionRef | undefined): Execution | undefined {
    const run = this.inMemory(namespace, execution);
    return run?.isRunning ? run : undefined;
  }

  /** Why a request names no open run: NOT_FOUND, saying whether the run closed or never was. */
  async notRunning(namespace: string, execution: WorkflowExecutionRef | undefined): Promise<never> {
    await this.named(namespace, execution);
    throw notFound('workflow execution already completed');
  }

  /** A namespace's runs for a listing: open and recently used ones from memory, the rest from the store. */
  async inNamespace(namespace: string): Promise<RunSummary[]> {
    const closed = await this.store.closedRuns(namespace);
    const runs: RunSummary[] = [...this.resident.values()].filter(
      (run) => run.namespace === namespace && run.isRunning,
    );
    for (const summary of closed) runs.push(this.byRunId(namespace, summary.runId) ?? new ClosedRun(summary));
    return runs;
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
