/**
 * Where the server keeps what it must not lose. The service writes through this interface as it
 * changes state and never knows which store it has: in memory (nothing survives the process) or
 * Postgres (everything a restart needs to carry on). Writes are staged synchronously, as the
 * change happens, and `commit` resolves once every write staged so far is durable; an RPC answers
 * only after that.
 */
import type { Msg } from '../protos';
import type { ActivityState, Execution } from '../execution';
import type { Namespace } from '../namespaces';
import type { ScheduleRecord } from '../schedules/record';
import type { WireScheduleSpec } from '../schedules/wire';

/** A run as the store hands it back on start: its identity, start request, history and mutable state. */
export interface StoredRun {
  namespace: string;
  workflowId: string;
  runId: string;
  firstExecutionRunId: string;
  workflowType: string;
  taskQueue: string;
  startTime: number;
  executionTime: number;
  startRequest: Msg;
  parent?: Execution['parent'];
  state: RunState;
  history: Msg[];
}

/** What changes on a run besides its history. */
export interface RunState {
  status: Execution['status'];
  closeTime?: number;
  searchAttributes: Record<string, Msg>;
  memo: Record<string, Msg>;
  /** Events from outside that wait for the workflow task in flight. */
  buffered: Array<{ kind: string; attributes: Msg }>;
  newRunIdOnClose?: string;
  workflowTaskFailureStreak: number;
  requestIds: string[];
  /** Attempts of pending activities, with their heartbeat details and last failure. */
  activities: StoredActivity[];
}

export type StoredActivity = Pick<
  ActivityState,
  | 'scheduledEventId'
  | 'attempt'
  | 'state'
  | 'startedTime'
  | 'currentAttemptScheduledTime'
  | 'identity'
  | 'heartbeatDetails'
  | 'lastHeartbeatTime'
  | 'lastFailure'
>;

export interface StoredNamespace {
  name: string;
  id: string;
  description: string;
  retentionMs: number;
  searchAttributes: Record<string, string>;
}

/** A schedule with its spec in wire form and everything its runner keeps, without its timer. */
export type StoredSchedule = Omit<ScheduleRecord, 'spec' | 'timer' | 'deleted' | 'bufferDropped'> & {
  spec: WireScheduleSpec;
  /** Absent in a schedule kept before its buffer had a bound. */
  bufferDropped?: number;
};

/**
 * What the server keeps in memory of a closed run (packed as a `ClosedRun`): what listings, their
 * filters, the workflow id policies and retention read. Its history and start request stay in the
 * store (`loadRun`).
 */
export type ClosedRunSummary = Omit<StoredRun, 'startRequest' | 'state' | 'history'> &
  Pick<RunState, 'status' | 'searchAttributes' | 'memo' | 'newRunIdOnClose' | 'requestIds'> & {
    closeTime: number;
    historyLength: number;
  };

export interface StoredState {
  namespaces: StoredNamespace[];
  /** Open runs whole, oldest first, so that a workflow id's latest run comes last. */
  runs: StoredRun[];
  schedules: StoredSchedule[];
  /** Closed runs, oldest first: each older than any open run of its workflow id. */
  closedRuns: ClosedRunSummary[];
}

/** Names a run in the store. */
export type RunKey = Pick<Execution, 'namespace' | 'runId'>;

export interface DevServerStore {
  readonly kind: 'memory' | 'postgres';
  /** Where the data lives, for the start-up line. */
  readonly location: string;
  /** Prepares the store (schema included) and returns what it holds. */
  open(): Promise<StoredState>;
  saveNamespace(namespace: Namespace): void;
  /** The run is new, or its mutable state changed (status, search attributes, buffer, attempts...). */
  saveRun(run: Execution): void;
  appendEvent(run: Execution, event: Msg): void;
  deleteRun(run: RunKey): void;
  /** The schedule is new, or it changed (spec, policies, state, what its runner did). */
  saveSchedule(schedule: ScheduleRecord): void;
  deleteSchedule(schedule: ScheduleRecord): void;
  /**
   * The closed run leaves the service's memory: the store gives it back on `loadRun` (the memory
   * store keeps it, having nowhere else to put it).
   */
  releaseRun(run: Execution): void;
  /** A closed run whole, as the store holds it once every write staged so far is durable. */
  loadRun(run: RunKey): Promise<StoredRun | undefined>;
  /** Resolves once every write staged so far is durable; rejects with UNAVAILABLE when it cannot be. */
  commit(): Promise<void>;
  /** Called once when a commit fails: the staged state is lost and the server must reload. */
  onFailure(listener: (err: Error) => void): void;
  close(): Promise<void>;
}

const runKey = (run: RunKey): string => `${run.namespace}\u0000${run.runId}`;

/** Nothing to write: the service's own maps are the store, and closed runs that leave them are kept here. */
export class MemoryStore implements DevServerStore {
  readonly kind = 'memory' as const;
  readonly location = 'memory (lost when the process ends)';
  private readonly released = new Map<string, Execution>();

  open(): Promise<StoredState> {
    return Promise.resolve({ namespaces: [], runs: [], closedRuns: [], schedules: [] });
  }

  saveNamespace(): void {}
  saveRun(): void {}
  appendEvent(): void {}
  saveSchedule(): void {}
  deleteSchedule(): void {}

  deleteRun(run: RunKey): void {
    this.released.delete(runKey(run));
  }

  releaseRun(run: Execution): void {
    this.released.set(runKey(run), run);
  }

  loadRun(key: RunKey): Promise<StoredRun | undefined> {
    const run = this.released.get(runKey(key));
    return Promise.resolve(run && { ...startRecord(run), state: runState(run), history: [...run.history] });
  }

  commit(): Promise<void> {
    return Promise.resolve();
  }

  onFailure(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function startRecord(run: Execution): Omit<StoredRun, 'state' | 'history'> {
  return {
    namespace: run.namespace,
    workflowId: run.workflowId,
    runId: run.runId,
    firstExecutionRunId: run.firstExecutionRunId,
    workflowType: run.workflowType,
    taskQueue: run.taskQueue,
    startTime: run.startTime,
    executionTime: run.executionTime,
    startRequest: run.startRequest,
    parent: run.parent,
  };
}

export function runState(run: Execution): RunState {
  return {
    status: run.status,
    closeTime: run.closeTime,
    searchAttributes: run.searchAttributes,
    memo: run.memo,
    buffered: run.buffered.map((draft) => ({ kind: draft.kind, attributes: draft.attributes })),
    newRunIdOnClose: run.newRunIdOnClose,
    workflowTaskFailureStreak: run.workflowTaskFailureStreak,
    requestIds: [...run.requestIds],
    activities: [...run.activities.values()].map((activity) => ({
      scheduledEventId: activity.scheduledEventId,
      attempt: activity.attempt,
      state: activity.state,
      startedTime: activity.startedTime,
      currentAttemptScheduledTime: activity.currentAttemptScheduledTime,
      identity: activity.identity,
      heartbeatDetails: activity.heartbeatDetails,
      lastHeartbeatTime: activity.lastHeartbeatTime,
      lastFailure: activity.lastFailure,
    })),
  };
}

export function storedSchedule(record: ScheduleRecord): StoredSchedule {
  const { spec, timer: _timer, deleted: _deleted, ...kept } = record;
  return { ...kept, spec: spec.toWire() };
}

/**
 * The store as one life of the service sees it: once that service has been replaced (the store
 * failed and was taken up again), whatever its leftover calls still write is dropped.
 */
export class StoreSession implements DevServerStore {
  private ended = false;

  constructor(private readonly store: DevServerStore) {}

  get kind(): DevServerStore['kind'] {
    return this.store.kind;
  }

  get location(): string {
    return this.store.location;
  }

  end(): void {
    this.ended = true;
  }

  open(): Promise<StoredState> {
    return this.store.open();
  }

  saveNamespace(namespace: Namespace): void {
    if (!this.ended) this.store.saveNamespace(namespace);
  }

  saveRun(run: Execution): void {
    if (!this.ended) this.store.saveRun(run);
  }

  appendEvent(run: Execution, event: Msg): void {
    if (!this.ended) this.store.appendEvent(run, event);
  }

  deleteRun(run: RunKey): void {
    if (!this.ended) this.store.deleteRun(run);
  }

  saveSchedule(schedule: ScheduleRecord): void {
    if (!this.ended) this.store.saveSchedule(schedule);
  }

  deleteSchedule(schedule: ScheduleRecord): void {
    if (!this.ended) this.store.deleteSchedule(schedule);
  }

  releaseRun(run: Execution): void {
    if (!this.ended) this.store.releaseRun(run);
  }

  loadRun(run: RunKey): Promise<StoredRun | undefined> {
    return this.store.loadRun(run);
  }

  commit(): Promise<void> {
    return this.store.commit();
  }

  onFailure(listener: (err: Error) => void): void {
    this.store.onFailure(listener);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/** What a closed run keeps in memory, from its start record and mutable state. */
export function closedRunSummary(
  start: Omit<StoredRun, 'state' | 'history'>,
  state: RunState,
  historyLength: number,
): ClosedRunSummary {
  return {
    namespace: start.namespace,
    workflowId: start.workflowId,
    runId: start.runId,
    firstExecutionRunId: start.firstExecutionRunId,
    workflowType: start.workflowType,
    taskQueue: start.taskQueue,
    startTime: start.startTime,
    executionTime: start.executionTime,
    closeTime: state.closeTime ?? start.startTime,
    status: state.status,
    historyLength,
    parent: start.parent,
    searchAttributes: state.searchAttributes,
    memo: state.memo,
    newRunIdOnClose: state.newRunIdOnClose,
    // Signal and cancel request ids matter only while the run is open.
    requestIds: state.requestIds.filter((id) => !id.startsWith('signal:') && !id.startsWith('cancel:')),
  };
}
