/**
 * A closed run as the store describes it, read for one request (a listing, an id policy, a lookup)
 * and then let go: the service keeps no record of closed runs that have left memory. Its search
 * attributes and memo stay packed until read, which a listing does only for the page it returns.
 */
import type { Msg } from './protos';
import type { RunSummary } from './runs';
import { unpackPayloads, type ClosedRunSummary } from './store/store';

export class ClosedRun implements RunSummary {
  readonly namespace: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly firstExecutionRunId: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly startTime: number;
  readonly executionTime: number;
  readonly closeTime: number;
  readonly status: ClosedRunSummary['status'];
  readonly historyLength: number;
  readonly parent: ClosedRunSummary['parent'];
  readonly newRunIdOnClose: string | undefined;
  readonly requestIds: ReadonlySet<string>;
  /** Each search attribute's value, as the listing filters read it. */
  readonly searchAttributeValues: Readonly<Record<string, unknown>>;

  constructor(private readonly summary: ClosedRunSummary) {
    this.namespace = summary.namespace;
    this.workflowId = summary.workflowId;
    this.runId = summary.runId;
    this.firstExecutionRunId = summary.firstExecutionRunId;
    this.workflowType = summary.workflowType;
    this.taskQueue = summary.taskQueue;
    this.startTime = summary.startTime;
    this.executionTime = summary.executionTime;
    this.closeTime = summary.closeTime;
    this.status = summary.status;
    this.historyLength = summary.historyLength;
    this.parent = summary.parent;
    this.newRunIdOnClose = summary.newRunIdOnClose;
    this.requestIds = new Set(summary.requestIds);
    this.searchAttributeValues = summary.searchAttributeValues;
  }

  get searchAttributes(): Record<string, Msg> {
    return unpackPayloads(this.summary.searchAttributes);
  }

  get memo(): Record<string, Msg> {
    return unpackPayloads(this.summary.memo);
  }
}
