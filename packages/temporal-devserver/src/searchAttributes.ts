/**
 * The one registry of search attributes: their types and wire names, the system attributes every
 * run has, the predefined ones every namespace has, and how values are checked and stamped.
 */
import type { Namespace } from './namespaces';
import type { Msg } from './protos';
import type { Payload } from './wire';

export type SearchAttributeType = 'Keyword' | 'KeywordList' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime';

/** Each type's temporal.api.enums.v1.IndexedValueType name. */
export const SEARCH_ATTRIBUTE_TYPES: Record<SearchAttributeType, string> = {
  Keyword: 'INDEXED_VALUE_TYPE_KEYWORD',
  KeywordList: 'INDEXED_VALUE_TYPE_KEYWORD_LIST',
  Text: 'INDEXED_VALUE_TYPE_TEXT',
  Int: 'INDEXED_VALUE_TYPE_INT',
  Double: 'INDEXED_VALUE_TYPE_DOUBLE',
  Bool: 'INDEXED_VALUE_TYPE_BOOL',
  Datetime: 'INDEXED_VALUE_TYPE_DATETIME',
};

export const isSearchAttributeType = (name: string): name is SearchAttributeType =>
  Object.hasOwn(SEARCH_ATTRIBUTE_TYPES, name);

const TYPE_BY_WIRE_NAME = new Map(
  Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([type, wireName]) => [wireName, type as SearchAttributeType]),
);
export const searchAttributeTypeOfWireName = (wireName: string): SearchAttributeType | undefined =>
  TYPE_BY_WIRE_NAME.get(wireName);

/** Attributes the server keeps for every run; list filters may name them, workflows may not set them. */
export const SYSTEM_SEARCH_ATTRIBUTES = {
  WorkflowId: 'Keyword',
  RunId: 'Keyword',
  WorkflowType: 'Keyword',
  ExecutionStatus: 'Keyword',
  TaskQueue: 'Keyword',
  StartTime: 'Datetime',
  ExecutionTime: 'Datetime',
  CloseTime: 'Datetime',
} as const satisfies Record<string, SearchAttributeType>;

export type SystemSearchAttribute = keyof typeof SYSTEM_SEARCH_ATTRIBUTES;

/** Attributes every Temporal namespace has; the SDK upserts TemporalChangeVersion for patches. */
export const PREDEFINED_SEARCH_ATTRIBUTES: Record<string, SearchAttributeType> = {
  TemporalChangeVersion: 'KeywordList',
  BinaryChecksums: 'KeywordList',
  BuildIds: 'KeywordList',
  BatcherUser: 'Keyword',
  TemporalScheduledStartTime: 'Datetime',
  TemporalScheduledById: 'Keyword',
  TemporalSchedulePaused: 'Bool',
  TemporalWorkerDeploymentVersion: 'Keyword',
  TemporalWorkerDeployment: 'Keyword',
  TemporalWorkflowVersioningBehavior: 'Keyword',
};

export const isReservedSearchAttribute = (name: string): boolean =>
  Object.hasOwn(SYSTEM_SEARCH_ATTRIBUTES, name) || Object.hasOwn(PREDEFINED_SEARCH_ATTRIBUTES, name);

/** The attributes a namespace's runs may carry: predefined and custom. */
export function settableSearchAttributes(namespace: Namespace): Record<string, SearchAttributeType> {
  return { ...PREDEFINED_SEARCH_ATTRIBUTES, ...Object.fromEntries(namespace.searchAttributes) };
}

const typeOf = (namespace: Namespace, name: string): SearchAttributeType | undefined =>
  namespace.searchAttributes.get(name) ?? PREDEFINED_SEARCH_ATTRIBUTES[name];

/** A JSON payload's value (search attributes and memo fields are JSON), or its text. */
export function payloadValue(payload: Payload | undefined): unknown {
  if (!payload?.data || payload.data.length === 0) return undefined;
  // Read in place: a copy of each attribute's bytes at every upsert is garbage for the allocator.
  const data: unknown = payload.data;
  const text =
    data instanceof Uint8Array
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString()
      : Buffer.from(data as number[]).toString();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Each search attribute's decoded value, by name. */
export function searchAttributeValues(payloads: Record<string, Payload>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, payload] of Object.entries(payloads)) values[name] = payloadValue(payload);
  return values;
}

/** Whether a decoded value fits the attribute's type; SDKs may send any type as a list of values. */
function fitsSearchAttributeType(type: SearchAttributeType, value: unknown): boolean {
  const values: unknown[] = Array.isArray(value) ? value : [value];
  if (type !== 'KeywordList' && values.length > 1) return false;
  return values.every((element) => {
    switch (type) {
      case 'Keyword':
      case 'KeywordList':
      case 'Text':
        return typeof element === 'string';
      case 'Int':
        return typeof element === 'number' && Number.isInteger(element);
      case 'Double':
        return typeof element === 'number';
      case 'Bool':
        return typeof element === 'boolean';
      case 'Datetime':
        return typeof element === 'string' && !Number.isNaN(Date.parse(element));
      default:
        return false;
    }
  });
}

/** Why the attributes cannot be set in the namespace, or undefined when they can. */
export function validateSearchAttributes(namespace: Namespace, attributes: Msg | undefined): string | undefined {
  for (const [name, payload] of Object.entries((attributes?.indexedFields ?? {}) as Record<string, Msg>)) {
    const type = typeOf(namespace, name);
    if (!type) return `search attribute ${name} is not defined`;
    const value = payloadValue(payload);
    if (value !== undefined && value !== null && !fitsSearchAttributeType(type, value)) {
      return `invalid value for search attribute ${name} of type ${type}: ${JSON.stringify(value)}`;
    }
  }
  return undefined;
}

/** Stamps each payload with its attribute's type, as the server's type map does for old SDKs. */
export function typedSearchAttributes(namespace: Namespace, fields: Record<string, Payload>): Record<string, Payload> {
  const typed: Record<string, Payload> = {};
  for (const [name, payload] of Object.entries(fields)) {
    const type = typeOf(namespace, name);
    typed[name] =
      type && !payload.metadata?.type
        ? { ...payload, metadata: { ...payload.metadata, type: Buffer.from(type) } }
        : payload;
  }
  return typed;
}
