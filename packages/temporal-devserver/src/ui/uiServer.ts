/** Serves Temporal UI and its HTTP API on a port of its own, beside the gRPC frontend. */
import { createServer, type Server } from 'node:http';
import { createUiHttpHandler, type UiHttpHandlerOptions } from './gateway';

export interface UiServer {
  address: string;
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startUiServer(options: UiHttpHandlerOptions & { host: string; port: number }): Promise<UiServer> {
  const server: Server = createServer(createUiHttpHandler(options));
  // Long polls hold a request open for up to a minute; the UI sends them routinely.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = bound && typeof bound === 'object' ? bound.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    address: `${host}:${port}`,
    url: `http://${host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
