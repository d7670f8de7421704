/** What the visibility filter reads from a workflow run, and what it gives back. */

import type { ExecutionStatus } from '../executionStatus';

export { EXECUTION_STATUSES, type ExecutionStatus } from '../executionStatus';
export type { SearchAttributeType } from '../searchAttributes';

export interface VisibilityRecord {
  workflowId: string;
  runId: string;
  workflowType: string;
  executionStatus: ExecutionStatus;
  taskQueue: string;
  /** Epoch milliseconds. */
  startTime: number;
  /** Epoch milliseconds. */
  executionTime: number;
  /** Epoch milliseconds; absent while the run is open. */
  closeTime?: number;
  /**
   * Custom search attributes decoded to JS values: string, string[], number, boolean, or an ISO
   * string for Datetime. A value given as an array (as older SDKs send every attribute) matches
   * when any of its elements does.
   */
  searchAttributes: Record<string, unknown>;
}

/** Its functions do not use `this`, so they can be passed on directly: `runs.filter(query.matches).sort(query.compare)`. */
export interface CompiledQuery {
  /** True when the run satisfies the filter (a missing attribute satisfies only IS NULL). */
  readonly matches: (record: VisibilityRecord) => boolean;
  /**
   * Sort order for the listing: the query's ORDER BY, then StartTime DESC, then RunId; without
   * ORDER BY, open runs first, then CloseTime DESC, StartTime DESC, RunId.
   */
  readonly compare: (a: VisibilityRecord, b: VisibilityRecord) => number;
  /**
   * Attributes named in GROUP BY (only ExecutionStatus is allowed, as on a real server); empty
   * when the query has none. Only CountWorkflowExecutions may honour a grouping.
   */
  readonly groupBy: readonly string[];
  /** The run's value for each GROUP BY attribute, in order. */
  readonly groupValues: (record: VisibilityRecord) => string[];
}

/**
 * A list filter the server cannot run: malformed, unsupported, or naming an unknown attribute.
 * The message names the problem and, where there is one, its 1-based character position.
 */
export class VisibilityQueryError extends Error {
  override readonly name = 'VisibilityQueryError';

  constructor(
    message: string,
    /** 1-based character position in the query where the problem was found. */
    readonly position?: number,
  ) {
    super(position === undefined ? message : `${message} at position ${position}`);
  }
}
