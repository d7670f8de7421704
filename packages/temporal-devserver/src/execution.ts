/**
 * The in-memory record of one workflow run: its history and everything pending on it.
 */
import type { TimerHandle } from './time';
import type { Msg } from './protos';
import { searchAttributeValues } from './searchAttributes';
import type { EventDraft } from './events';
import type { ExecutionStatus } from './executionStatus';
import type { ScheduledActivityAttributes } from './wire';

export interface WorkflowTaskState {
  scheduledEventId: number;
  startedEventId: number;
  attempt: number;
  state: 'scheduled' | 'started';
  /**
   * Its scheduled and started events are shown to the worker but written only when the task
   * completes: tasks created only to deliver updates, and retries of a failing task.
   */
  speculative: boolean;
  /** Created only to deliver updates: vanishes from history if it produces nothing. */
  droppable: boolean;
  /**
   * Handed out: to the task queue, or kept for the answer to the completion that made it (a retry
   * waits for its backoff first).
   */
  offered: boolean;
  scheduledTime: number;
  startedTime: number;
  token: string;
  identity?: string;
  /** Set when the task was started for the answer to a completion rather than by a poll. */
  requestId?: string;
  timeout?: TimerHandle;
  /** Update ids delivered with this task. */
  deliveredUpdates: string[];
}

export interface ActivityState {
  scheduledEventId: number;
  activityId: string;
  attributes: ScheduledActivityAttributes;
  attempt: number;
  state: 'scheduled' | 'started' | 'backoff';
  scheduledTime: number;
  currentAttemptScheduledTime: number;
  startedTime: number;
  token: string;
  identity?: string;
  heartbeatDetails?: Msg;
  lastHeartbeatTime?: number;
  lastFailure?: Msg;
  cancelRequested: boolean;
  cancelRequestedEventId?: number;
  timers: TimerHandle[];
  heartbeatTimer?: TimerHandle;
}

export interface ChildState {
  initiatedEventId: number;
  startedEventId?: number;
  namespace: string;
  workflowId: string;
  runId?: string;
  workflowType: string;
  parentClosePolicy: string;
}

export interface UpdateState {
  updateId: string;
  request: Msg;
  stage: 'admitted' | 'delivered' | 'accepted' | 'completed';
  acceptedEventId?: number;
  outcome?: Msg;
  /** Callbacks waiting for the update to reach a stage (or the run to close). */
  waiters: Array<() => void>;
}

export interface PendingQuery {
  id: string;
  query: Msg | undefined;
  resolve(result: Msg): void;
  reject(err: Error): void;
  dispatched: boolean;
  queued?: boolean;
}

export interface ParentInfo {
  namespace: string;
  workflowId: string;
  runId: string;
  initiatedEventId: number;
}

export class Execution {
  readonly history: Msg[] = [];
  status: ExecutionStatus = 'Running';
  closeTime?: number;
  workflowTask: WorkflowTaskState | null = null;
  /** Started event id of the last completed workflow task (0 before the first). */
  lastCompletedWorkflowTaskStartedId = 0;
  /** Events that arrived while a workflow task was in flight; written after its completion. */
  buffered: EventDraft[] = [];
  /** Whether a buffered event asks the workflow to run. */
  bufferedWake = false;
  readonly activities = new Map<number, ActivityState>();
  readonly timers = new Map<string, { startedEventId: number; handle: TimerHandle }>();
  readonly children = new Map<number, ChildState>();
  readonly updates = new Map<string, UpdateState>();
  readonly queries: PendingQuery[] = [];
  readonly requestIds = new Set<string>();
  readonly closeTimers: TimerHandle[] = [];
  /** Wakes long-polls on history and results. */
  private listeners: Array<() => void> = [];
  cancelRequested = false;
  searchAttributes: Record<string, Msg> = {};
  memo: Record<string, Msg> = {};
  newRunIdOnClose?: string;
  workflowTaskFailureStreak = 0;
  /** The sticky queue of the worker that has this run cached, if it asked for one. */
  sticky?: { queue: string; timeoutMs: number };
  /**
   * Tasks of this run (workflow task tokens, query ids) that a worker holds or whose answer is
   * still on its way to it; while there are any, the run's next tasks wait in `heldOffers`.
   */
  readonly atWorker = new Set<string>();
  readonly heldOffers: Array<() => void> = [];
  /**
   * While a completion is processed whose worker asked for the next task in the answer: a task
   * created meanwhile is kept for that answer instead of being queued.
   */
  nextTaskInAnswer = false;

  constructor(
    readonly namespace: string,
    readonly workflowId: string,
    readonly runId: string,
    readonly firstExecutionRunId: string,
    readonly workflowType: string,
    readonly taskQueue: string,
    readonly startTime: number,
    readonly executionTime: number,
    readonly startRequest: Msg,
    readonly parent?: ParentInfo,
  ) {}

  /** Each search attribute's value, as listing filters read it. */
  get searchAttributeValues(): Record<string, unknown> {
    return searchAttributeValues(this.searchAttributes);
  }

  get nextEventId(): number {
    return this.history.length + 1;
  }

  get historyLength(): number {
    return this.history.length;
  }

  get isRunning(): boolean {
    return this.status === 'Running';
  }

  get execution(): Msg {
    return { workflowId: this.workflowId, runId: this.runId };
  }

  onChange(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  notify(): void {
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l();
  }

  /** Long polls waiting on this run's next change. */
  get waiters(): number {
    return this.listeners.length;
  }

  /**
   * Resolves on the next change, after `timeoutMs` of real time, or once `cancelled` resolves
   * (the caller went away), leaving no listener or timer behind in either case.
   */
  waitForChange(timeoutMs: number, cancelled?: Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(settle, timeoutMs);
      const off = this.onChange(settle);
      void cancelled?.then(settle);
    });
  }
}
