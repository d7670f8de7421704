/**
 * `npm start`: the whole system in one process. Without DATABASE_URL it runs an embedded
 * PostgreSQL (data under DATA_DIR); without TEMPORAL_ADDRESS it runs the offline Temporal server
 * in-process. Then it migrates, seeds the demo brand, starts a worker and the API, and prints
 * where the API is and where the demo users' keys are kept.
 */
import net from 'node:net';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import type { Logger } from 'pino';
import { listenApi } from '../api/main';
import { reconcilePostsAtStartup } from '../api/reconciliation';
import { connectApiToTemporal } from '../api/temporalConnection';
import { startEmbeddedPostgres } from '../db/embeddedPostgres';
import { createKnex } from '../db/knex';
import { migrateLatest } from '../db/migrate';
import { seedDemo } from '../db/seed';
import { startDevServer, type DevServer } from '@socialops/temporal-devserver';
import { POST_SEARCH_ATTRIBUTES } from '../workflows/post/searchAttributes';
import { THREAD_SEARCH_ATTRIBUTES } from '../workflows/thread/searchAttributes';
import { loadConfig, type Config } from '../config';
import { createLogger } from '../config/logger';
import { exitWithStartupFailure } from '../config/startup';
import { startBlueskyPollers } from './blueskyPollers';
import { createWorker, type WorkflowSource } from './createWorker';
import { DEMO_KEYS_FILE_NAME, readDemoKeys, writeDemoKeys } from './demoKeys';
import { INBOUND_SECRET_KEY_FILE_NAME, readOrCreateInboundSecretKey } from './inboundSecretKeyFile';
import { createConfiguredActivities } from './workerActivities';
import { installWorkerRuntime } from './runtime';
import { findBuiltUi, temporalUiOptions } from './temporalUi';
import { connectWorkerToTemporal } from './temporalConnection';

const DATABASE_NAME = 'socialops';
/** The offline server keeps Temporal's usual port when it is free, so clients find it there. */
const EMBEDDED_TEMPORAL_PORT = 7233;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

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

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function startOfflineTemporal(config: Config, databaseUrl: string): Promise<DevServer> {
  const start = async (port?: number) => {
    const ui = temporalUiOptions(config, port);
    // The UI's usual port taken (a second instance, say) moves it to a free one; a fixed one fails.
    if (ui && config.temporalUiPort === undefined && ui.port && !(await portIsFree(ui.port))) ui.port = 0;
    return startDevServer({
      port,
      namespaces: [config.temporalNamespace],
      searchAttributes: { ...POST_SEARCH_ATTRIBUTES, ...THREAD_SEARCH_ATTRIBUTES },
      namespaceRetentionMs: config.offlineTemporalRetentionMs,
      ...(ui ? { ui } : {}),
      // The workflows live beside the app's data, in a schema of the server's own.
      ...(config.offlineTemporalStore === 'postgres' ? { persist: { url: databaseUrl } } : {}),
      // The worker lives and dies with this process: what it was running at a crash is retried on start.
      workersStopWithServer: true,
      // The process is ours: malloc gives back what bursts of work freed once they pause.
      releaseFreedMemory: true,
    });
  };
  // Asking first keeps gRPC from logging its failed bind when the port is taken.
  if (!(await portIsFree(EMBEDDED_TEMPORAL_PORT))) return start(undefined);
  try {
    return await start(EMBEDDED_TEMPORAL_PORT);
  } catch {
    return start(undefined);
  }
}

/** Stops what has started so far, newest first, once. */
function stopStack(logger: Logger) {
  const stops: Array<() => Promise<unknown>> = [];
  let stopping: Promise<void> | undefined;
  return {
    push: (stop: () => Promise<unknown>) => void stops.unshift(stop),
    stopAll: () =>
      (stopping ??= (async () => {
        for (const stop of stops)
          await stop().catch((error: unknown) => logger.warn({ err: error }, 'error while stopping'));
      })()),
  };
}

function banner(lines: Array<[string, string]>): string {
  const width = Math.max(...lines.map(([label]) => label.length)) + 2;
  return [
    '',
    'socialops is running',
    ...lines.map(([label, value]) => `  ${`${label}:`.padEnd(width)}${value}`),
    '',
  ].join('\n');
}

export async function runEmbedded(options: { workflows?: WorkflowSource } = {}): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  installWorkerRuntime({ logger, metricsAddress: config.workerMetricsAddress });
  const stack = stopStack(logger);
  const shutdown = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    await stack.stopAll();
    process.exit(0);
  };
  // Whatever has started by then stops, newest first: the worker and the API before the database.
  const onSignal = (signal: string): void => void shutdown(signal);
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);

  try {
    let databaseUrl = config.databaseUrl;
    let postgresLine = 'DATABASE_URL';
    if (!databaseUrl) {
      const passwordFile = path.join(config.dataDir, 'postgres-password');
      const embedded = await startEmbeddedPostgres({
        dataDir: path.join(config.dataDir, 'postgres'),
        persistent: true,
        passwordFile,
        stopOnSignals: false,
        ...(config.embeddedPostgresPort !== undefined ? { port: config.embeddedPostgresPort } : {}),
      });
      stack.push(() => embedded.stop());
      if (embedded.stoppedLeftoverPid !== undefined) {
        logger.warn(
          { postgresPid: embedded.stoppedLeftoverPid },
          'stopped the PostgreSQL server an earlier run had left running on the data directory',
        );
      }
      databaseUrl = await ensureDatabase(embedded.adminUrl);
      postgresLine = `embedded, 127.0.0.1:${embedded.port} (password in ${passwordFile})`;
      logger.debug({ port: embedded.port, dataDir: config.dataDir }, 'embedded PostgreSQL running');
    }
    const db = createKnex(databaseUrl);
    stack.push(() => db.destroy());
    await migrateLatest(db);
    const keysFile = path.join(config.dataDir, DEMO_KEYS_FILE_NAME);
    const seed = await seedDemo(db, { knownKeys: readDemoKeys(keysFile) });
    writeDemoKeys(keysFile, seed);

    let temporalAddress = config.temporalAddress;
    let temporalLine: string;
    let temporalUiLine: string | undefined;
    let nativeConnection: NativeConnection | undefined;
    if (temporalAddress) {
      nativeConnection = await connectWorkerToTemporal({ address: temporalAddress, logger });
      // A signal arrived while waiting for Temporal; the shutdown it started ends the process.
      if (!nativeConnection) return;
      temporalLine = temporalAddress;
    } else {
      const devServer = await startOfflineTemporal(config, databaseUrl);
      stack.push(() => devServer.stop());
      temporalAddress = devServer.address;
      temporalLine =
        config.offlineTemporalStore === 'postgres'
          ? `${temporalAddress} (offline server; workflows kept in Postgres, schema temporal_devserver)`
          : `${temporalAddress} (offline server, in memory: workflows do not survive a restart)`;
      if (devServer.uiUrl)
        temporalUiLine = findBuiltUi()
          ? `${devServer.uiUrl}/namespaces/${encodeURIComponent(config.temporalNamespace)}/workflows`
          : `${devServer.uiUrl}  (HTTP API only: the UI package is not built)`;
      nativeConnection = await connectWorkerToTemporal({ address: temporalAddress, logger });
      if (!nativeConnection) return;
    }
    const connected = nativeConnection;
    stack.push(() => connected.close());

    const temporalConnection = connectApiToTemporal({ address: temporalAddress, logger });
    stack.push(() => temporalConnection.close());
    const temporal = new Client({ connection: temporalConnection.connection, namespace: config.temporalNamespace });

    const inboundSecretKey =
      config.inboundSecretKey ?? readOrCreateInboundSecretKey(path.join(config.dataDir, INBOUND_SECRET_KEY_FILE_NAME));
    // Posts whose workflow did not survive (the offline server keeps workflows in memory) are
    // closed as lost before anyone acts on them; it runs in the background and retries.
    void reconcilePostsAtStartup({
      db,
      temporal,
      logger,
      secretKey: inboundSecretKey,
      taskQueue: config.temporalTaskQueue,
    });
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      activities: createConfiguredActivities({
        db,
        config: { ...config, inboundSecretKey },
        logger,
        temporal: {
          connection: nativeConnection,
          namespace: config.temporalNamespace,
          taskQueue: config.temporalTaskQueue,
        },
      }),
      ...(options.workflows ? { workflows: options.workflows } : {}),
    });
    const workerRun = worker.run();
    startBlueskyPollers({
      db,
      key: inboundSecretKey,
      workflow: temporal.workflow,
      taskQueue: config.temporalTaskQueue,
      logger,
    }).catch((error: unknown) => logger.warn({ err: error }, 'Bluesky inbound pollers not started'));
    // The SDK's runtime may already have begun the worker's shutdown on the same signal.
    stack.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun.catch(() => undefined);
    });

    const api = await listenApi({ config: { ...config, inboundSecretKey }, db, temporal, logger });
    stack.push(() => api.close());

    process.stdout.write(
      `${banner([
        ['API', `${config.publicBaseUrl}  (docs: ${config.publicBaseUrl}/docs)`],
        ['Temporal', temporalLine],
        ...(temporalUiLine ? [['Temporal UI', temporalUiLine] as [string, string]] : []),
        ['Postgres', postgresLine],
        ['Demo brand', `${seed.brand.id} (${seed.brand.name}, ${seed.brand.timeZone})`],
        ['Demo API keys', `${keysFile} (readable by you only; Authorization: Bearer <key>)`],
      ])}\n`,
    );
    await workerRun;
  } catch (error) {
    await stack.stopAll();
    throw error;
  }
}

if (require.main === module) {
  runEmbedded().catch((error: unknown) => exitWithStartupFailure('socialops', error));
}
