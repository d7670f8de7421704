/**
 * Namespaces, each with its own custom search attributes, and the RPCs that describe the server
 * and its namespaces.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { Msg } from './protos';
import type { DescribeNamespaceRequest, RegisterNamespaceRequest, UpdateNamespaceRequest } from './wire';
import { ServiceError, invalidArgument, namespaceNotFound, refuseUnstorableId } from './errors';
import { durToMs, msToDur } from './time';
import { SEARCH_ATTRIBUTE_TYPES, type SearchAttributeType } from './searchAttributes';

const SERVER_VERSION = '1.24.0';
export const DEFAULT_RETENTION_MS = 86_400_000;

/** A retention period as a request gives it, in ms (`undefined` when absent); a negative one is refused. */
function retentionFrom(value: Parameters<typeof durToMs>[0], field: string): number | undefined {
  const ms = durToMs(value);
  if (ms !== undefined && !(ms >= 0)) throw invalidArgument(`${field} must not be negative`);
  return ms;
}

export interface Namespace {
  name: string;
  id: string;
  description: string;
  retentionMs: number;
  searchAttributes: Map<string, SearchAttributeType>;
}

export class Namespaces {
  readonly byName = new Map<string, Namespace>();

  /** @param saved told of every new or changed namespace, for the store */
  constructor(private readonly saved: (namespace: Namespace) => void = () => undefined) {
    this.register('default', 'Default namespace');
  }

  private register(name: string, description: string, retentionMs = DEFAULT_RETENTION_MS): Namespace {
    const namespace: Namespace = { name, id: randomUUID(), description, retentionMs, searchAttributes: new Map() };
    this.byName.set(name, namespace);
    this.saved(namespace);
    return namespace;
  }

  /** A namespace read back from the store, replacing the one registered by default. */
  restore(namespace: Namespace): void {
    this.byName.set(namespace.name, namespace);
    // Replaces what the store was told of the default namespace built before it was read back.
    this.saved(namespace);
  }

  /** The namespace changed (its search attributes): the store must know. */
  changed(namespace: Namespace): void {
    this.saved(namespace);
  }

  get(name: string | undefined): Namespace {
    const namespace = this.byName.get(name || 'default');
    if (!namespace) throw namespaceNotFound(name ?? '');
    return namespace;
  }

  getSystemInfo(): Msg {
    return {
      serverVersion: SERVER_VERSION,
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        encodedFailureAttributes: true,
        upsertMemo: true,
        sdkMetadata: true,
        eagerWorkflowStart: false,
        supportsSchedules: true,
        buildIdBasedVersioning: false,
        countGroupByExecutionStatus: true,
        nexus: false,
      },
    };
  }

  getClusterInfo(): Msg {
    return {
      clusterName: 'devserver',
      clusterId: 'devserver',
      serverVersion: SERVER_VERSION,
      historyShardCount: 1,
      persistenceStore: 'memory',
      visibilityStore: 'memory',
    };
  }

  private describe(namespace: Namespace): Msg {
    return {
      namespaceInfo: {
        name: namespace.name,
        state: 'NAMESPACE_STATE_REGISTERED',
        description: namespace.description,
        id: namespace.id,
        supportsSchedules: true,
      },
      config: {
        workflowExecutionRetentionTtl: msToDur(namespace.retentionMs),
        historyArchivalState: 'ARCHIVAL_STATE_DISABLED',
        visibilityArchivalState: 'ARCHIVAL_STATE_DISABLED',
      },
      replicationConfig: { activeClusterName: 'devserver', clusters: [{ clusterName: 'devserver' }] },
      isGlobalNamespace: false,
    };
  }

  describeNamespace(req: DescribeNamespaceRequest): Msg {
    const namespace = req.id
      ? [...this.byName.values()].find((n) => n.id === req.id)
      : this.byName.get(req.namespace ?? '');
    if (!namespace) throw namespaceNotFound(req.namespace ?? req.id ?? '');
    return this.describe(namespace);
  }

  listNamespaces(): Msg {
    return { namespaces: [...this.byName.values()].map((namespace) => this.describe(namespace)) };
  }

  registerNamespace(req: RegisterNamespaceRequest): Msg {
    if (!req.namespace) throw invalidArgument('namespace is required');
    refuseUnstorableId(req.namespace, 'namespace');
    if (this.byName.has(req.namespace))
      throw new ServiceError(status.ALREADY_EXISTS, `Namespace ${req.namespace} already exists.`);
    this.register(
      req.namespace,
      req.description ?? '',
      // Zero is proto3's "not set".
      retentionFrom(req.workflowExecutionRetentionPeriod, 'workflow_execution_retention_period') ||
        DEFAULT_RETENTION_MS,
    );
    return {};
  }

  /** Changes a namespace's description or retention period; what it does not name stays. */
  updateNamespace(req: UpdateNamespaceRequest): Msg {
    if (!req.namespace) throw invalidArgument('namespace is required');
    const namespace = this.get(req.namespace);
    const retentionMs = retentionFrom(req.config?.workflowExecutionRetentionTtl, 'workflow_execution_retention_ttl');
    if (retentionMs === 0) throw invalidArgument('workflow_execution_retention_ttl must be longer than zero');
    if (retentionMs !== undefined) namespace.retentionMs = retentionMs;
    if (req.updateInfo?.description !== undefined) namespace.description = req.updateInfo.description;
    this.saved(namespace);
    return this.describe(namespace);
  }

  getSearchAttributes(): Msg {
    return { keys: this.searchAttributeKeys(this.get('default')) };
  }

  /** The namespace's custom search attributes by their wire type names. */
  searchAttributeKeys(namespace: Namespace): Record<string, string> {
    const keys: Record<string, string> = {};
    for (const [name, type] of namespace.searchAttributes) keys[name] = SEARCH_ATTRIBUTE_TYPES[type];
    return keys;
  }
}
