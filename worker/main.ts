/**
 * The worker process: hosts the post workflows and activities against an external Postgres and
 * Temporal. SIGTERM or SIGINT stops polling, lets running activities finish, then exits.
 */
import { createKnex } from '../db/knex';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../config/logger';
import { exitWithStartupFailure } from '../config/startup';
import { Client } from '@temporalio/client';
import { startBlueskyPollers } from './blueskyPollers';
import { createWorker } from './createWorker';
import { createConfiguredActivities } from './workerActivities';
import { installWorkerRuntime } from './runtime';
import { connectWorkerToTemporal } from './temporalConnection';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  installWorkerRuntime({ logger, metricsAddress: config.workerMetricsAddress });
  if (!config.databaseUrl || !config.temporalAddress) {
    throw new ConfigError(
      [
        !config.databaseUrl && {
          variable: 'DATABASE_URL',
          problem: 'required by the standalone worker (`npm start` runs an embedded one)',
        },
        !config.temporalAddress && {
          variable: 'TEMPORAL_ADDRESS',
          problem: 'required by the standalone worker (`npm start` runs the offline server in-process)',
        },
      ].filter((issue): issue is { variable: string; problem: string } => Boolean(issue)),
    );
  }

  const db = createKnex(config.databaseUrl);
  const connection = await connectWorkerToTemporal({ address: config.temporalAddress, logger });
  if (!connection) {
    await db.destroy();
    logger.info('worker stopped before Temporal answered');
    return;
  }
  try {
    const worker = await createWorker({
      connection,
      namespace: config.temporalNamespace,
      taskQueue: config.temporalTaskQueue,
      activities: createConfiguredActivities({
        db,
        config,
        logger,
        temporal: { connection, namespace: config.temporalNamespace, taskQueue: config.temporalTaskQueue },
      }),
    });
    logger.info(
      { address: config.temporalAddress, namespace: config.temporalNamespace, taskQueue: config.temporalTaskQueue },
      'worker polling',
    );
    const running = worker.run();
    if (config.inboundSecretKey) {
      const client = new Client({ connection, namespace: config.temporalNamespace });
      startBlueskyPollers({
        db,
        key: config.inboundSecretKey,
        workflow: client.workflow,
        taskQueue: config.temporalTaskQueue,
        logger,
      }).catch((error: unknown) => logger.warn({ err: error }, 'Bluesky inbound pollers not started'));
    }
    // Resolves once a shutdown signal has been handled and in-flight work has drained.
    await running;
    logger.info('worker stopped');
  } finally {
    await connection.close();
    await db.destroy();
  }
}

main().catch((error: unknown) => exitWithStartupFailure('worker', error));
