/** Which search attributes a list filter may name, their types, and where a run keeps their values. */
import { VisibilityQueryError, type SearchAttributeType, type VisibilityRecord } from './model';
import type { AttributeName } from './syntax';

export interface AttributeBinding {
  name: string;
  type: SearchAttributeType;
  read: (record: VisibilityRecord) => unknown;
}

const SYSTEM_ATTRIBUTES: Record<string, AttributeBinding> = {
  WorkflowId: { name: 'WorkflowId', type: 'Keyword', read: (r) => r.workflowId },
  RunId: { name: 'RunId', type: 'Keyword', read: (r) => r.runId },
  WorkflowType: { name: 'WorkflowType', type: 'Keyword', read: (r) => r.workflowType },
  ExecutionStatus: { name: 'ExecutionStatus', type: 'Keyword', read: (r) => r.executionStatus },
  TaskQueue: { name: 'TaskQueue', type: 'Keyword', read: (r) => r.taskQueue },
  StartTime: { name: 'StartTime', type: 'Datetime', read: (r) => r.startTime },
  ExecutionTime: { name: 'ExecutionTime', type: 'Datetime', read: (r) => r.executionTime },
  CloseTime: { name: 'CloseTime', type: 'Datetime', read: (r) => r.closeTime },
};

/** System attributes of a real Temporal server that this server does not record. */
const UNRECORDED_SYSTEM_ATTRIBUTES = new Set([
  'ExecutionDuration',
  'HistoryLength',
  'HistorySizeBytes',
  'StateTransitionCount',
  'ParentWorkflowId',
  'ParentRunId',
  'RootWorkflowId',
  'RootRunId',
  'BuildIds',
  'BinaryChecksums',
  'BatcherUser',
  'TemporalChangeVersion',
  'TemporalNamespaceDivision',
  'TemporalSchedulePaused',
  'TemporalScheduledById',
  'TemporalScheduledStartTime',
  'TemporalPauseInfo',
  'TemporalWorkerDeployment',
  'TemporalWorkerDeploymentVersion',
  'TemporalWorkflowVersioningBehavior',
]);

const SEARCH_ATTRIBUTE_TYPES = new Set<string>(['Keyword', 'KeywordList', 'Text', 'Int', 'Double', 'Bool', 'Datetime']);

export const isSystemAttribute = (name: string): boolean => Object.hasOwn(SYSTEM_ATTRIBUTES, name);

/** Binds a name written in a query to its attribute; names are case-sensitive, as on a real server. */
export function resolveAttribute(
  attribute: AttributeName,
  customAttributes: Record<string, SearchAttributeType>,
): AttributeBinding {
  const { name, pos } = attribute;
  if (Object.hasOwn(SYSTEM_ATTRIBUTES, name)) return SYSTEM_ATTRIBUTES[name];
  if (Object.hasOwn(customAttributes, name)) {
    const type = customAttributes[name];
    if (!SEARCH_ATTRIBUTE_TYPES.has(type)) {
      throw new VisibilityQueryError(
        `search attribute "${name}" is registered with unknown type "${String(type)}"`,
        pos,
      );
    }
    return { name, type, read: (r) => r.searchAttributes[name] };
  }
  if (UNRECORDED_SYSTEM_ATTRIBUTES.has(name)) {
    throw new VisibilityQueryError(`search attribute "${name}" is not supported by this server`, pos);
  }
  const lower = name.toLowerCase();
  const sameButCase = [...Object.keys(SYSTEM_ATTRIBUTES), ...Object.keys(customAttributes)].find(
    (known) => known.toLowerCase() === lower,
  );
  const hint = sameButCase ? ` (did you mean "${sameButCase}"? attribute names are case-sensitive)` : '';
  throw new VisibilityQueryError(`unknown search attribute "${name}"${hint}`, pos);
}
