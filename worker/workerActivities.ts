/**
 * The activities a worker hosts, built from its Postgres and configuration: the sandbox platform
 * connector, the Bluesky connector (when the key that opens credentials is configured) and the signed notification webhook (recorded only, when no URL is configured), and
 * the brand publishing workflow's Postgres writes, and the conversations' triage, replies and records.
 */
import { Client, type ConnectionLike } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config';
import {
  createBlueskyInboundActivities,
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
import { createBlueskyConnector } from '../activities/connectors/bluesky';
import { createWebhookNotifier } from '../activities/notifier';
import { createCampaignActivities } from '../activities/campaigns';
import { createCampaignPostGateway } from './campaignPosts';

export interface WorkerActivitiesOptions {
  db: Knex;
  notifyWebhookUrl?: string;
  notifyWebhookSecret?: string;
  /** Opens the platform credentials admins set; without it accounts on real platforms cannot act. */
  inboundSecretKey?: Buffer;
  logger?: ActivityLogger;
  /**
   * The Temporal the worker polls and its task queue: campaigns start their posts' workflows and
   * send them their actions through it.
   */
  temporal: { connection: ConnectionLike; namespace: string; taskQueue: string };
  /** For the post creation path campaigns share with the API. */
  pinoLogger?: Logger;
}

/** The activities as the worker process and `npm start` configure them, logging through pino. */
export function createConfiguredActivities({
  db,
  config,
  logger,
  temporal,
}: {
  db: Knex;
  config: Pick<Config, 'notifyWebhookUrl' | 'notifyWebhookSecret' | 'inboundSecretKey'>;
  logger: Logger;
  temporal: WorkerActivitiesOptions['temporal'];
}): WorkerActivities {
  return createWorkerActivities({
    db,
    temporal,
    pinoLogger: logger,
    notifyWebhookUrl: config.notifyWebhookUrl,
    notifyWebhookSecret: config.notifyWebhookSecret,
    ...(config.inboundSecretKey ? { inboundSecretKey: config.inboundSecretKey } : {}),
    logger: {
      info: (message, meta) => logger.info(meta ?? {}, message),
      warn: (message, meta) => logger.warn(meta ?? {}, message),
    },
  });
}

export function createWorkerActivities(options: WorkerActivitiesOptions): WorkerActivities {
  const bluesky = options.inboundSecretKey
    ? createBlueskyConnector({ db: options.db, secretKey: options.inboundSecretKey })
    : undefined;
  const connectors = createConnectorRegistry([
    createSandboxConnector({ db: options.db }),
    ...(bluesky ? [bluesky] : []),
  ]);
  const notifier = createWebhookNotifier({ url: options.notifyWebhookUrl, secret: options.notifyWebhookSecret });
  return {
    ...createPostActivities({
      db: options.db,
      connectors,
      notifier,
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    ...createBrandPublishingActivities({ db: options.db }),
    ...createCampaignActivities({
      db: options.db,
      notifier,
      posts: createCampaignPostGateway({
        db: options.db,
        client: new Client({ connection: options.temporal.connection, namespace: options.temporal.namespace }),
        taskQueue: options.temporal.taskQueue,
        ...(options.pinoLogger ? { logger: options.pinoLogger } : {}),
      }),
    }),
    ...createThreadActivities({
      db: options.db,
      connectors,
      notifier,
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    ...createReportActivities({ db: options.db, notifier }),
    ...createBlueskyInboundActivities({
      db: options.db,
      ...(bluesky ? { bluesky } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    ...createCrisisActivities({
      db: options.db,
      notifier,
      ...(options.logger ? { logger: options.logger } : {}),
    }),
  };
}
