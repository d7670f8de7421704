/**
 * `npm start`: the whole system in one process. Without DATABASE_URL it runs an embedded
 * PostgreSQL (data under DATA_DIR); without TEMPORAL_ADDRESS it runs the offline Temporal server
 * in-process. Then it migrates, seeds the demo brand, starts a worker and the API, and prints
 * the API's URL and the demo users' keys.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import pino from 'pino';
import { listenApi } from '../api/main';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embeddedPostgres';
import { createKnex } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { seedDemo } from '../db/seed';
import { startDevServer, type DevServer } from '@socialops/temporal-devserver';
import { POST_SEARCH_ATTRIBUTES } from '../workflows/post/searchAttributes';
import { ConfigError, loadConfig } from '../config';
import { createWorker } from './createWorker';
import { createConfiguredActivities } from './postActivities';
import { installWorkerRuntime } from './runtime';

const DATABASE_NAME = 'socialops';
/** The embedded services keep fixed ports when they are free, so a restart keeps its addresses. */
const EMBEDDED_POSTGRES_PORT = 54329;
const EMBEDDED_TEMPORAL_PORT = 7233;

async function ensureDatabase(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${DATABASE_NAME}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE_NAME}`;
  return url.toString();
}

async function startOnPreferredPort<T>(start: (port?: number) => Promise<T>, preferred: number): Promise<T> {
  try {
    return await start(preferred);
  } catch {
    return start(undefined);
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  installWorkerRuntime({ logger, metricsAddress: config.workerMetricsAddress });
  const stops: Array<() => Promise<unknown>> = [];

  let databaseUrl = config.databaseUrl;
  let embeddedPostgres: EmbeddedPostgres | undefined;
  if (!databaseUrl) {
    embeddedPostgres = await startOnPreferredPort(
      (port) => startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), persistent: true, port }),
      EMBEDDED_POSTGRES_PORT,
    );
    stops.unshift(() => embeddedPostgres!.stop());
    databaseUrl = await ensureDatabase(embeddedPostgres.adminUrl);
    logger.info({ port: embeddedPostgres.port, dataDir: config.dataDir }, 'embedded PostgreSQL running');
  }
  const db = createKnex(databaseUrl);
  stops.unshift(() => db.destroy());
  await migrateLatest(db);
  const seed = await seedDemo(db);

  let temporalAddress = config.temporalAddress;
  let devServer: DevServer | undefined;
  if (!temporalAddress) {
    devServer = await startOnPreferredPort(
      (port) =>
        startDevServer({
          port,
          namespaces: [config.temporalNamespace],
          searchAttributes: { ...POST_SEARCH_ATTRIBUTES },
        }),
      EMBEDDED_TEMPORAL_PORT,
    );
    stops.unshift(() => devServer!.stop());
    temporalAddress = devServer.address;
    logger.info({ address: temporalAddress }, 'offline Temporal server running');
  }

  const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
  stops.unshift(() => nativeConnection.close());
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: config.temporalNamespace,
    taskQueue: config.temporalTaskQueue,
    activities: createConfiguredActivities({ db, config, logger }),
  });
  const workerRun = worker.run();

  const connection = await Connection.connect({ address: temporalAddress });
  stops.unshift(() => connection.close());
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const api = await listenApi({ config, db, temporal, logger });
  stops.unshift(() => api.close());

  const lines = [
    '',
    `socialops is running`,
    `  API:              ${config.publicBaseUrl}  (docs: ${config.publicBaseUrl}/docs)`,
    `  Temporal:         ${temporalAddress}${devServer ? ' (offline server, in memory: workflows do not survive a restart)' : ''}`,
    `  Postgres:         ${embeddedPostgres ? `embedded on port ${embeddedPostgres.port}, data in ${config.dataDir}` : 'DATABASE_URL'}`,
    `  Demo brand:       ${seed.brand.id} (${seed.brand.name}, ${seed.brand.timeZone})`,
    '  API keys (Authorization: Bearer <key>):',
    ...seed.users.map(({ user, apiKey }) => `    ${user.id.padEnd(7)} ${user.roles.join(',').padEnd(16)} ${apiKey}`),
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down');
    worker.shutdown();
    await workerRun.catch(() => undefined);
    for (const stop of stops) await stop().catch((error: unknown) => logger.warn({ error }, 'error while stopping'));
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  await workerRun;
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
