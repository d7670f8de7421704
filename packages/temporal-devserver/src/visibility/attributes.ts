/** Which search attributes a list filter may name, their types, and where a run keeps their values. */
import {
  isSearchAttributeType,
  SYSTEM_SEARCH_ATTRIBUTES,
  type SearchAttributeType,
  type SystemSearchAttribute,
} from '../searchAttributes';
import { VisibilityQueryError, type VisibilityRecord } from './model';
import type { AttributeName } from './syntax';

export interface AttributeBinding {
  name: string;
  type: SearchAttributeType;
  read: (record: VisibilityRecord) => unknown;
}

const READ_SYSTEM_ATTRIBUTE: Record<SystemSearchAttribute, (record: VisibilityRecord) => unknown> = {
  WorkflowId: (r) => r.workflowId,
  RunId: (r) => r.runId,
  WorkflowType: (r) => r.workflowType,
  ExecutionStatus: (r) => r.executionStatus,
  TaskQueue: (r) => r.taskQueue,
  StartTime: (r) => r.startTime,
  ExecutionTime: (r) => r.executionTime,
  CloseTime: (r) => r.closeTime,
};

const SYSTEM_ATTRIBUTES: Record<string, AttributeBinding> = Object.fromEntries(
  Object.entries(SYSTEM_SEARCH_ATTRIBUTES).map(([name, type]) => [
    name,
    { name, type, read: READ_SYSTEM_ATTRIBUTE[name as SystemSearchAttribute] },
  ]),
);

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
    if (!isSearchAttributeType(type)) {
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
