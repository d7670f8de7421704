/**
 * Starts the in-memory Temporal service on a gRPC port: WorkflowService, OperatorService and,
 * in time-skipping mode, TestService.
 */
import * as grpc from '@grpc/grpc-js';
import { addTemporalService, callWithHooks, type CallHooks } from './grpcServer';
import { unavailable } from './errors';
import { MemoryStore, StoreSession, type DevServerStore } from './store/store';
import type { PostgresStoreOptions } from './store/postgres';
import { OperatorService } from './operatorService';
import { TestService } from './testService';
import { VirtualClock, msToDur } from './time';
import { WorkflowService } from './workflowService';
import type { SearchAttributeType } from './searchAttributes';
import type { UiSettingsOverrides } from './ui/settings';
import { startUiServer, type UiServer } from './ui/uiServer';
import { FreedMemoryRelease, glibcAllocator, type FreedMemoryReleaseOptions } from './freedMemory';

export interface DevServerUiOptions {
  /** Defaults to the frontend port + 1000, as Temporal's CLI does; 0 picks a free port. */
  port?: number;
  /** Defaults to the frontend's host. */
  host?: string;
  /** A directory with the built UI (index.html and its assets); without it only the API answers. */
  assetsDir?: string;
  settings?: UiSettingsOverrides;
}

export interface DevServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  timeSkipping?: boolean;
  /** Namespaces to register besides `default`. */
  namespaces?: string[];
  /** Custom search attributes to register in every namespace. */
  searchAttributes?: Record<string, SearchAttributeType>;
  /** Also serves Temporal UI and its HTTP API (`/api/v1/...`) on a port of its own. */
  ui?: DevServerUiOptions;
  /** Keep runs, histories and namespaces in Postgres (its own schema) and carry on from them on start. */
  persist?: PostgresStoreOptions;
  /**
   * Closed runs kept whole in memory, the most recently used (default 32): the others keep a
   * summary for listings and are read back from the store when asked for. Infinity keeps them all.
   */
  closedRunsKept?: number;
  /**
   * Retention period, in ms, of `default` and `namespaces`: how long their closed runs and
   * histories are kept. It also replaces the period a store kept for them. Unset: one day for a
   * new namespace, and what the store kept for the others.
   */
  namespaceRetentionMs?: number;
  /**
   * The workers run in the server's own process (an all-in-one start): an activity attempt the
   * store shows running when the server starts died with the last process, so it counts as timed
   * out at once and is retried by its policy, instead of being waited for until its start-to-close
   * timeout. Not after a store outage, when the process and its workers carry on.
   */
  workersStopWithServer?: boolean;
  /**
   * The server owns its process (the command line, an all-in-one start): once requests pause it
   * lets go of the closed runs it kept whole for them and, on glibc, makes malloc give back what
   * the traffic freed (see freedMemory.ts), which changes malloc's settings for the whole process.
   * Off by default, for a server inside a test process. An object tunes when (the default pause
   * is 10 s).
   */
  releaseFreedMemory?: boolean | Pick<FreedMemoryReleaseOptions, 'quietMs' | 'maxIntervalMs' | 'checkEveryMs'>;
}

export interface DevServer {
  address: string;
  port: number;
  /** The service answering now (a new one after the store came back from an outage). */
  service: WorkflowService;
  operator: OperatorService;
  /** `host:port` of the UI when it was asked for. */
  uiAddress?: string;
  /** e.g. `http://127.0.0.1:8233`, when the UI was asked for. */
  uiUrl?: string;
  /** Where the server keeps its data. */
  storeLocation: string;
  /** Releases of freed memory so far, when `releaseFreedMemory` was asked for. */
  freedMemory?: FreedMemoryRelease['counts'];
  stop(): Promise<void>;
}

function defaultUiPort(frontendPort: number): number {
  return frontendPort + 1000 <= 65535 ? frontendPort + 1000 : 0;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  // Postgres' client loads only when asked for: the in-memory server starts as fast as before.
  const store: DevServerStore = options.persist
    ? new (await import('./store/postgres')).PostgresStore(options.persist)
    : new MemoryStore();
  let generation = await startGeneration(options, store, { workersGone: Boolean(options.workersStopWithServer) });
  let available = true;
  let stopped = false;
  // A failed commit leaves memory ahead of the store: answer UNAVAILABLE, then take up the store
  // again once it answers, as after a restart.
  store.onFailure(() => {
    if (!available) return;
    available = false;
    generation.stop();
    void (async () => {
      while (!stopped) {
        try {
          generation = await startGeneration(options, store, { workersGone: false });
          available = true;
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    })();
  });
  const allocator = options.releaseFreedMemory ? glibcAllocator() : undefined;
  const release = options.releaseFreedMemory
    ? new FreedMemoryRelease({
        // Closed runs kept whole for the traffic go first, then malloc returns what is free.
        release: () => {
          generation.service.releaseClosedRuns();
          return allocator?.trim() ?? false;
        },
        ...(typeof options.releaseFreedMemory === 'object' ? options.releaseFreedMemory : {}),
      })
    : undefined;
  const hooks: CallHooks = {
    before: () => {
      release?.activity();
      if (!available) throw unavailable("the server's store is unavailable; retry shortly");
    },
    after: () => store.commit(),
  };
  const current = (part: 'service' | 'operator' | 'testService') => () => generation[part];

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
    'grpc.max_send_message_length': 128 * 1024 * 1024,
  });
  addTemporalService(server, 'temporal.api.workflowservice.v1.WorkflowService', forward(current('service')), hooks);
  addTemporalService(server, 'temporal.api.operatorservice.v1.OperatorService', forward(current('operator')), hooks);
  addTemporalService(server, 'temporal.api.testservice.v1.TestService', forward(current('testService')), hooks);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 0}`,
      grpc.ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    );
  });

  let ui: UiServer | undefined;
  if (options.ui) {
    try {
      ui = await startUiServer({
        host: options.ui.host ?? host,
        port: options.ui.port ?? defaultUiPort(port),
        // The UI's calls reach whichever service is current, and answer only once their effect is stored.
        service: forward(current('service'), hooks),
        operator: forward(current('operator'), hooks),
        assetsDir: options.ui.assetsDir,
        settings: options.ui.settings,
      });
    } catch (err) {
      server.forceShutdown();
      release?.stop();
      generation.stop();
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    get service() {
      return generation.service;
    },
    get operator() {
      return generation.operator;
    },
    uiAddress: ui?.address,
    uiUrl: ui?.url,
    storeLocation: store.location,
    freedMemory: release?.counts,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      release?.stop();
      await ui?.stop();
      generation.stop();
      await store.close().catch(() => undefined);
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}

/** One life of the service on a store: a new one starts whenever the server takes up the store. */
interface Generation {
  service: WorkflowService;
  operator: OperatorService;
  testService: object;
  stop(): void;
}

async function startGeneration(
  options: DevServerOptions,
  store: DevServerStore,
  restart: { workersGone: boolean },
): Promise<Generation> {
  const state = await store.open();
  const busy = { check: (): boolean => false };
  const clock = new VirtualClock(Boolean(options.timeSkipping), () => busy.check());
  const session = new StoreSession(store);
  const service = new WorkflowService({ clock, store: session, closedRunsKept: options.closedRunsKept });
  busy.check = () => service.isBusy();
  service.restore(state, restart);
  const operator = new OperatorService(service.namespaces);
  for (const name of options.namespaces ?? [])
    if (!service.namespaces.byName.has(name)) service.registerNamespace({ namespace: name });
  const retentionMs = options.namespaceRetentionMs;
  if (retentionMs !== undefined)
    for (const name of ['default', ...(options.namespaces ?? [])])
      if (service.namespaces.get(name).retentionMs !== retentionMs)
        service.updateNamespace({ namespace: name, config: { workflowExecutionRetentionTtl: msToDur(retentionMs) } });
  for (const namespace of service.namespaces.byName.values()) {
    const missing = Object.entries(options.searchAttributes ?? {}).filter(
      ([name, type]) => namespace.searchAttributes.get(name) !== type,
    );
    for (const [name, type] of missing) namespace.searchAttributes.set(name, type);
    if (missing.length) service.namespaces.changed(namespace);
  }
  await store.commit();
  return {
    service,
    operator,
    testService: options.timeSkipping ? new TestService(clock) : {},
    stop: () => {
      session.end();
      service.stop();
      clock.stop();
    },
  };
}

/** An object whose methods call the same methods of whatever `target()` is at the time of the call. */
function forward(target: () => object, hooks?: CallHooks): Record<string, unknown> {
  return new Proxy(
    {},
    {
      get: (_object, name) => {
        const fn = (target() as Record<string | symbol, unknown>)[name];
        if (typeof fn !== 'function') return undefined;
        return (...args: unknown[]) => {
          const now = target() as Record<string | symbol, (...a: unknown[]) => unknown>;
          // As the gRPC server does: refuse while the store is away, answer once the effect is stored.
          return hooks ? callWithHooks(hooks, () => now[name](...args)) : now[name](...args);
        };
      },
    },
  );
}
