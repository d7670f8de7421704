/**
 * The activities a worker hosts, built from its Postgres and configuration: the sandbox platform
 * connector and the signed notification webhook (recorded only, when no URL is configured), and
 * the brand publishing workflow's Postgres writes, and the conversations' triage, replies and records.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config';
import {
  createBrandPublishingActivities,
  createCrisisActivities,
  createPostActivities,
  createReportActivities,
  createThreadActivities,
  type ActivityLogger,
  type WorkerActivities,
} from '../activities';
import { createConnectorRegistry } from '../activities/connectors/types';
import { createSandboxConnector } from '../activities/connectors/sandbox';
import { createWebhookNotifier } from '../activities/notifier';

export interface WorkerActivitiesOptions {
  db: Knex;
  notifyWebhookUrl?: string;
  notifyWebhookSecret?: string;
  logger?: ActivityLogger;
}

/** The activities as the worker process and `npm start` configure them, logging through pino. */
export function createConfiguredActivities({
  db,
  config,
  logger,
}: {
  db: Knex;
  config: Pick<Config, 'notifyWebhookUrl' | 'notifyWebhookSecret'>;
  logger: Logger;
}): WorkerActivities {
  return createWorkerActivities({
    db,
    notifyWebhookUrl: config.notifyWebhookUrl,
    notifyWebhookSecret: config.notifyWebhookSecret,
    logger: {
      info: (message, meta) => logger.info(meta ?? {}, message),
      warn: (message, meta) => logger.warn(meta ?? {}, message),
    },
  });
}

export function createWorkerActivities(options: WorkerActivitiesOptions): WorkerActivities {
  const connectors = createConnectorRegistry([createSandboxConnector({ db: options.db })]);
  const notifier = createWebhookNotifier({ url: options.notifyWebhookUrl, secret: options.notifyWebhookSecret });
  return {
    ...createPostActivities({
      db: options.db,
      connectors,
      notifier,
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    ...createBrandPublishingActivities({ db: options.db }),
    ...createThreadActivities({
      db: options.db,
      connectors,
      notifier,
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    ...createReportActivities({ db: options.db, notifier }),
    ...createCrisisActivities({
      db: options.db,
      notifier,
      ...(options.logger ? { logger: options.logger } : {}),
    }),
  };
}
