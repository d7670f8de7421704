/**
 * The visibility list-filter language of ListWorkflowExecutions and CountWorkflowExecutions:
 * Temporal's SQL-like filters, compiled once and evaluated over in-memory runs.
 */
export { compileVisibilityQuery } from './visibility/compile';
export { VisibilityQueryError, EXECUTION_STATUSES } from './visibility/model';
export type { CompiledQuery, ExecutionStatus, SearchAttributeType, VisibilityRecord } from './visibility/model';
