/**
 * Starts the in-memory Temporal service on a gRPC port: WorkflowService, OperatorService and,
 * in time-skipping mode, TestService.
 */
import * as grpc from '@grpc/grpc-js';
import { addTemporalService } from './grpcServer';
import { OperatorService } from './operatorService';
import { TestService } from './testService';
import { VirtualClock } from './time';
import { WorkflowService } from './workflowService';
import type { SearchAttributeType } from './searchAttributes';
import type { UiSettingsOverrides } from './ui/settings';
import { startUiServer, type UiServer } from './ui/uiServer';

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
}

export interface DevServer {
  address: string;
  port: number;
  service: WorkflowService;
  operator: OperatorService;
  /** `host:port` of the UI when it was asked for. */
  uiAddress?: string;
  /** e.g. `http://127.0.0.1:8233`, when the UI was asked for. */
  uiUrl?: string;
  stop(): Promise<void>;
}

function defaultUiPort(frontendPort: number): number {
  return frontendPort + 1000 <= 65535 ? frontendPort + 1000 : 0;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const host = options.host ?? '127.0.0.1';
  const busy = { check: (): boolean => false };
  const clock = new VirtualClock(Boolean(options.timeSkipping), () => busy.check());
  const service = new WorkflowService({ clock });
  busy.check = () => service.isBusy();
  const operator = new OperatorService(service.namespaces);
  for (const name of options.namespaces ?? []) if (name !== 'default') service.registerNamespace({ namespace: name });
  for (const namespace of service.namespaces.byName.values()) {
    for (const [name, type] of Object.entries(options.searchAttributes ?? {}))
      namespace.searchAttributes.set(name, type);
  }

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
    'grpc.max_send_message_length': 128 * 1024 * 1024,
  });
  addTemporalService(
    server,
    'temporal.api.workflowservice.v1.WorkflowService',
    service as unknown as Record<string, unknown>,
  );
  addTemporalService(
    server,
    'temporal.api.operatorservice.v1.OperatorService',
    operator as unknown as Record<string, unknown>,
  );
  const testService = options.timeSkipping ? new TestService(clock) : {};
  addTemporalService(server, 'temporal.api.testservice.v1.TestService', testService);

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
        service,
        operator,
        assetsDir: options.ui.assetsDir,
        settings: options.ui.settings,
      });
    } catch (err) {
      server.forceShutdown();
      service.stop();
      clock.stop();
      throw err;
    }
  }

  let stopped = false;
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    service,
    operator,
    uiAddress: ui?.address,
    uiUrl: ui?.url,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await ui?.stop();
      service.stop();
      clock.stop();
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
