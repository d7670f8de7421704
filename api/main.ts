/**
 * The API process against an external Postgres and Temporal (`npm start` runs everything
 * embedded instead). It starts even while a dependency is still coming up: /readyz answers 503
 * and requests that need it get 503 until it is reachable, and a missing Temporal is retried
 * with capped backoff and logged. SIGTERM or SIGINT stops accepting
 * connections, lets requests in flight finish, then closes the pools.
 */
import http, { type Server } from 'node:http';
import { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createKnex } from '../db/knex';
import { ConfigError, loadConfig, type Config } from '../config';
import { createLogger } from '../config/logger';
import { exitWithStartupFailure } from '../config/startup';
import { createApp } from './app';
import { clientErrorHandler } from './errors';
import { reconcilePostsAtStartup } from './reconciliation';
import { connectApiToTemporal } from './temporalConnection';

/** How long requests in flight may take to finish once shutdown has begun. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningApiServer {
  server: Server;
  /** Stops accepting connections and waits (within the grace period) for requests in flight. */
  close(): Promise<void>;
}

/** Listens on the configured host and port with the app built from these clients. */
export async function listenApi({
  config,
  db,
  temporal,
  logger,
}: {
  config: Pick<
    Config,
    'host' | 'port' | 'temporalTaskQueue' | 'publicBaseUrl' | 'apiRateLimitPerMinute' | 'trustProxy'
  > &
    Partial<Pick<Config, 'inboundRateLimitPerMinute'>> & { inboundSecretKey: Buffer };
  db: Knex;
  temporal: Client;
  logger: Logger;
}): Promise<RunningApiServer> {
  const app = createApp({
    db,
    temporal,
    taskQueue: config.temporalTaskQueue,
    logger,
    publicBaseUrl: config.publicBaseUrl,
    rateLimitPerMinute: config.apiRateLimitPerMinute,
    inboundSecretKey: config.inboundSecretKey,
    inboundRateLimitPerMinute: config.inboundRateLimitPerMinute,
    ...(config.trustProxy !== undefined ? { trustProxy: config.trustProxy } : {}),
  });
  // Not app.listen: Express 5 hands a listen error to the callback, which would pass for success.
  const server = http.createServer(app);
  server.on('clientError', clientErrorHandler(logger));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `the API cannot listen on ${config.host}:${config.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use (set PORT to another one)' : error.message}`,
        ),
      ),
    );
    server.listen(config.port, config.host, () => resolve());
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        const forceClose = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        server.close(() => {
          clearTimeout(forceClose);
          resolve();
        });
        // Keep-alive connections with no request in flight would otherwise hold the server open.
        server.closeIdleConnections();
      }),
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const missing = [
    !config.databaseUrl && {
      variable: 'DATABASE_URL',
      problem: 'required by the standalone API (`npm start` runs an embedded one)',
    },
    !config.temporalAddress && {
      variable: 'TEMPORAL_ADDRESS',
      problem: 'required by the standalone API (`npm start` runs the offline server in-process)',
    },
    !config.inboundSecretKey && {
      variable: 'INBOUND_SECRET_KEY',
      problem:
        'required by the standalone API to encrypt inbound webhook secrets (`openssl rand -base64 32` makes one; every replica needs the same)',
    },
  ].filter((issue): issue is { variable: string; problem: string } => Boolean(issue));
  if (missing.length > 0) throw new ConfigError(missing);

  const db = createKnex(config.databaseUrl!);
  // Serving does not wait for Temporal: until it answers, readiness and the requests needing it say 503.
  const temporalConnection = connectApiToTemporal({ address: config.temporalAddress!, logger });
  const temporal = new Client({ connection: temporalConnection.connection, namespace: config.temporalNamespace });
  const api = await listenApi({
    config: { ...config, inboundSecretKey: config.inboundSecretKey! },
    db,
    temporal,
    logger,
  });
  void temporalConnection.reachable.then((reachable) => {
    if (!reachable) return;
    void reconcilePostsAtStartup({
      db,
      temporal,
      logger,
      taskQueue: config.temporalTaskQueue,
      ...(config.inboundSecretKey ? { secretKey: config.inboundSecretKey } : {}),
    });
  });
  logger.info(
    {
      url: config.publicBaseUrl,
      temporal: config.temporalAddress,
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
    },
    'API listening',
  );

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'API shutting down');
    try {
      await api.close();
      await Promise.allSettled([temporalConnection.close(), db.destroy()]);
      logger.info('API stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'API did not stop cleanly');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

if (require.main === module) {
  main().catch((error: unknown) => exitWithStartupFailure('API', error));
}
