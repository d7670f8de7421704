/** The parts of temporal.api.operatorservice.v1.OperatorService that manage search attributes. */
import { invalidArgument, notFound } from './errors';
import type { Namespaces } from './namespaces';
import type { Msg } from './protos';
import type { AddSearchAttributesRequest, NamespaceScoped, RemoveSearchAttributesRequest } from './wire';
import {
  isReservedSearchAttribute,
  PREDEFINED_SEARCH_ATTRIBUTES,
  SEARCH_ATTRIBUTE_TYPES,
  searchAttributeTypeOfWireName,
  SYSTEM_SEARCH_ATTRIBUTES,
  type SearchAttributeType,
} from './searchAttributes';

const byWireName = (attributes: Record<string, SearchAttributeType>): Record<string, string> =>
  Object.fromEntries(Object.entries(attributes).map(([name, type]) => [name, SEARCH_ATTRIBUTE_TYPES[type]]));

export class OperatorService {
  constructor(private readonly namespaces: Namespaces) {}

  addSearchAttributes(req: AddSearchAttributesRequest): Msg {
    const namespace = this.namespaces.get(req.namespace);
    const entries = Object.entries(req.searchAttributes ?? {});
    const added: Array<[string, SearchAttributeType]> = [];
    for (const [name, wireName] of entries) {
      const type = searchAttributeTypeOfWireName(wireName);
      if (!type) throw invalidArgument(`search attribute ${name} has an unsupported type ${wireName}`);
      if (isReservedSearchAttribute(name)) throw invalidArgument(`search attribute ${name} is reserved by the system`);
      const existing = namespace.searchAttributes.get(name);
      if (existing && existing !== type)
        throw invalidArgument(`search attribute ${name} already exists with type ${existing}`);
      added.push([name, type]);
    }
    for (const [name, type] of added) namespace.searchAttributes.set(name, type);
    this.namespaces.changed(namespace);
    return {};
  }

  removeSearchAttributes(req: RemoveSearchAttributesRequest): Msg {
    const namespace = this.namespaces.get(req.namespace);
    for (const name of req.searchAttributes ?? []) {
      if (!namespace.searchAttributes.delete(name)) throw notFound(`search attribute ${name} is not defined`);
    }
    this.namespaces.changed(namespace);
    return {};
  }

  listSearchAttributes(req: NamespaceScoped): Msg {
    const namespace = this.namespaces.get(req.namespace);
    return {
      customAttributes: this.namespaces.searchAttributeKeys(namespace),
      systemAttributes: { ...byWireName(SYSTEM_SEARCH_ATTRIBUTES), ...byWireName(PREDEFINED_SEARCH_ATTRIBUTES) },
      storageSchema: {},
    };
  }
}
