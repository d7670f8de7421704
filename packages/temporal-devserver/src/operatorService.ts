/** The parts of temporal.api.operatorservice.v1.OperatorService that manage search attributes. */
import type { Msg } from './protos';
import { invalidArgument, notFound } from './errors';
import { PREDEFINED_SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_TYPES, type WorkflowService } from './workflowService';
import type { SearchAttributeType } from './visibility';

const TYPE_BY_ENUM = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([k, v]) => [v, k])) as Record<
  string,
  SearchAttributeType
>;
const SYSTEM_ATTRIBUTES: Record<string, string> = {
  WorkflowId: 'INDEXED_VALUE_TYPE_KEYWORD',
  RunId: 'INDEXED_VALUE_TYPE_KEYWORD',
  WorkflowType: 'INDEXED_VALUE_TYPE_KEYWORD',
  ExecutionStatus: 'INDEXED_VALUE_TYPE_KEYWORD',
  TaskQueue: 'INDEXED_VALUE_TYPE_KEYWORD',
  StartTime: 'INDEXED_VALUE_TYPE_DATETIME',
  ExecutionTime: 'INDEXED_VALUE_TYPE_DATETIME',
  CloseTime: 'INDEXED_VALUE_TYPE_DATETIME',
};

export class OperatorService {
  constructor(private readonly workflows: WorkflowService) {}

  addSearchAttributes(req: Msg): Msg {
    const ns = this.workflows.namespace(req.namespace);
    const entries = Object.entries((req.searchAttributes ?? {}) as Record<string, string>);
    for (const [name, enumName] of entries) {
      const type = TYPE_BY_ENUM[enumName];
      if (!type) throw invalidArgument(`search attribute ${name} has an unsupported type ${enumName}`);
      if (SYSTEM_ATTRIBUTES[name] || PREDEFINED_SEARCH_ATTRIBUTES[name])
        throw invalidArgument(`search attribute ${name} is reserved by the system`);
      const existing = ns.searchAttributes.get(name);
      if (existing && existing !== type)
        throw invalidArgument(`search attribute ${name} already exists with type ${existing}`);
    }
    for (const [name, enumName] of entries) ns.searchAttributes.set(name, TYPE_BY_ENUM[enumName]);
    return {};
  }

  removeSearchAttributes(req: Msg): Msg {
    const ns = this.workflows.namespace(req.namespace);
    for (const name of (req.searchAttributes ?? []) as string[]) {
      if (!ns.searchAttributes.delete(name)) throw notFound(`search attribute ${name} is not defined`);
    }
    return {};
  }

  listSearchAttributes(req: Msg): Msg {
    const ns = this.workflows.namespace(req.namespace);
    const predefined = Object.fromEntries(
      Object.entries(PREDEFINED_SEARCH_ATTRIBUTES).map(([name, type]) => [name, SEARCH_ATTRIBUTE_TYPES[type]]),
    );
    return {
      customAttributes: this.workflows.searchAttributeKeys(ns),
      systemAttributes: { ...SYSTEM_ATTRIBUTES, ...predefined },
      storageSchema: {},
    };
  }
}
