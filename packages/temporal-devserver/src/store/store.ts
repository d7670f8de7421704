/**
 * Where the server keeps what it must not lose. The service writes through this interface as it
 * changes state and never knows which store it has: in memory (nothing survives the process) or
 * Postgres (everything a restart needs to carry on). Writes are staged synchronously, as the
 * change happens, and `commit` resolves once every write staged so far is durable; an RPC answers
 * only after that.
 */
import { decode, encode, type Msg } from '../protos';
import { searchAttributeValues } from '../searchAttributes';
import type { ActivityState, Execution } from '../execution';
import type { Namespace } from '../namespaces';
import type { ScheduleRecord } from '../schedules/record';
import type { WireScheduleSpec } from '../schedules/wire';
import { NamespacedMap } from '../namespacedMap';
import type { MaybePromise } from '../maybePromise';

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
 * What listings, their filters and the workflow id policies read of a closed run, as the store
 * answers about it without its history or start request (`loadRun` has those). Plain JSON, so that
 * reading thousands for a listing costs one parse each: search attribute values come decoded for
 * the filters, and each search attribute and memo field is its payload's protobuf bytes in base64,
 * decoded only for the runs a listing returns.
 */
export type ClosedRunSummary = Omit<StoredRun, 'startRequest' | 'state' | 'history'> &
  Pick<RunState, 'status' | 'newRunIdOnClose' | 'requestIds'> & {
    closeTime: number;
    historyLength: number;
    searchAttributeValues: Record<string, unknown>;
    searchAttributes: Record<string, string>;
    memo: Record<string, string>;
  };

export interface StoredState {
  namespaces: StoredNamespace[];
  /** Open runs whole, oldest first, so that a workflow id's latest run comes last. */
  runs: StoredRun[];
  schedules: StoredSchedule[];
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
  /** A closed run whole, as the store holds it once every write staged so far is durable. */
  loadRun(run: RunKey): Promise<StoredRun | undefined>;
  /** The run has closed: from now on the store answers about it (its close is staged as any change is). */
  runClosed(run: Execution): void;
  /** A closed run's summary, once every write staged so far is durable. */
  closedRun(run: RunKey): Promise<ClosedRunSummary | undefined>;
  /**
   * The latest closed run of a workflow id: at once when the store can tell without a read (the id
   * never closed a run), else once every write staged so far is durable.
   */
  latestClosedRun(namespace: string, workflowId: string): MaybePromise<ClosedRunSummary | undefined>;
  /** Every closed run of a namespace, for a listing. */
  closedRuns(namespace: string): Promise<ClosedRunSummary[]>;
  /** When the namespace's earliest closed run closed, if it has any. */
  earliestClose(namespace: string): Promise<number | undefined>;
  /** Deletes the namespace's runs that closed before `before`, with their histories. */
  deleteClosedBefore(namespace: string, before: number): Promise<void>;
  /** Resolves once every write staged so far is durable; rejects with UNAVAILABLE when it cannot be. */
  commit(): Promise<void>;
  /** Called once when a commit fails: the staged state is lost and the server must reload. */
  onFailure(listener: (err: Error) => void): void;
  close(): Promise<void>;
}

const runKey = (run: RunKey): string => `${run.namespace}\u0000${run.runId}`;

/**
 * Nothing to write: open runs live in the service's own maps, and this store keeps the closed ones
 * (whole, with their summaries) for as long as the process lives.
 */
export class MemoryStore implements DevServerStore {
  readonly kind = 'memory' as const;
  readonly location = 'memory (lost when the process ends)';
  private readonly closed = new Map<string, { run: Execution; summary: ClosedRunSummary }>();
  /** Each workflow id's closed runs, oldest first. */
  private readonly chains = new NamespacedMap<ClosedRunSummary[]>();

  open(): Promise<StoredState> {
    return Promise.resolve({ namespaces: [], runs: [], schedules: [] });
  }

  saveNamespace(): void {}
  saveRun(): void {}
  appendEvent(): void {}
  saveSchedule(): void {}
  deleteSchedule(): void {}

  runClosed(run: Execution): void {
    const summary = closedRunSummary(startRecord(run), runState(run), run.history.length);
    this.closed.set(runKey(run), { run, summary });
    const chain = this.chains.get(run.namespace, run.workflowId);
    if (chain) chain.push(summary);
    else this.chains.set(run.namespace, run.workflowId, [summary]);
  }

  deleteRun(key: RunKey): void {
    const closed = this.closed.get(runKey(key));
    if (!closed) return;
    this.closed.delete(runKey(key));
    const { namespace, workflowId } = closed.summary;
    const remaining = (this.chains.get(namespace, workflowId) ?? []).filter((other) => other !== closed.summary);
    if (remaining.length) this.chains.set(namespace, workflowId, remaining);
    else this.chains.delete(namespace, workflowId);
  }

  loadRun(key: RunKey): Promise<StoredRun | undefined> {
    const run = this.closed.get(runKey(key))?.run;
    return Promise.resolve(run && { ...startRecord(run), state: runState(run), history: [...run.history] });
  }

  closedRun(key: RunKey): Promise<ClosedRunSummary | undefined> {
    return Promise.resolve(this.closed.get(runKey(key))?.summary);
  }

  latestClosedRun(namespace: string, workflowId: string): ClosedRunSummary | undefined {
    return this.chains.get(namespace, workflowId)?.at(-1);
  }

  closedRuns(namespace: string): Promise<ClosedRunSummary[]> {
    return Promise.resolve(this.summariesIn(namespace));
  }

  earliestClose(namespace: string): Promise<number | undefined> {
    const times = this.summariesIn(namespace).map((summary) => summary.closeTime);
    return Promise.resolve(times.length ? Math.min(...times) : undefined);
  }

  deleteClosedBefore(namespace: string, before: number): Promise<void> {
    for (const summary of this.summariesIn(namespace)) if (summary.closeTime < before) this.deleteRun(summary);
    return Promise.resolve();
  }

  private summariesIn(namespace: string): ClosedRunSummary[] {
    return [...this.closed.values()]
      .map((closed) => closed.summary)
      .filter((summary) => summary.namespace === namespace);
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

  loadRun(run: RunKey): Promise<StoredRun | undefined> {
    return this.store.loadRun(run);
  }

  runClosed(run: Execution): void {
    if (!this.ended) this.store.runClosed(run);
  }

  closedRun(run: RunKey): Promise<ClosedRunSummary | undefined> {
    return this.store.closedRun(run);
  }

  latestClosedRun(namespace: string, workflowId: string): MaybePromise<ClosedRunSummary | undefined> {
    return this.store.latestClosedRun(namespace, workflowId);
  }

  closedRuns(namespace: string): Promise<ClosedRunSummary[]> {
    return this.store.closedRuns(namespace);
  }

  earliestClose(namespace: string): Promise<number | undefined> {
    return this.store.earliestClose(namespace);
  }

  deleteClosedBefore(namespace: string, before: number): Promise<void> {
    return this.store.deleteClosedBefore(namespace, before);
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

/** A closed run's summary, from its start record and mutable state. */
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
    searchAttributeValues: searchAttributeValues(state.searchAttributes),
    searchAttributes: packPayloads(state.searchAttributes),
    memo: packPayloads(state.memo),
    newRunIdOnClose: state.newRunIdOnClose,
    // Signal and cancel request ids matter only while the run is open.
    requestIds: state.requestIds.filter((id) => !id.startsWith('signal:') && !id.startsWith('cancel:')),
  };
}

const PAYLOAD = 'temporal.api.common.v1.Payload';

function packPayloads(payloads: Record<string, Msg>): Record<string, string> {
  const packed: Record<string, string> = {};
  for (const [name, payload] of Object.entries(payloads)) packed[name] = encode(PAYLOAD, payload).toString('base64');
  return packed;
}

export function unpackPayloads(packed: Record<string, string>): Record<string, Msg> {
  const payloads: Record<string, Msg> = {};
  for (const [name, bytes] of Object.entries(packed)) payloads[name] = decode(PAYLOAD, Buffer.from(bytes, 'base64'));
  return payloads;
}
