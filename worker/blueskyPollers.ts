/**
 * On every worker start, each Bluesky account whose credentials the platform has not refused gets
 * its inbound poller (signal-with-start: a running one just reads once more). It runs in the
 * background: the worker serves while it does, and one account that fails is logged, not fatal.
 */
import type { WorkflowClient } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { startBlueskyInbound } from '../activities/connectors/bluesky/startPolling';
import { BLUESKY_CONNECTOR } from '../activities/connectors/bluesky';
import { createAccountCredentialStore } from '../db/accountCredentials';

export async function startBlueskyPollers({
  db,
  key,
  workflow,
  taskQueue,
  logger,
}: {
  db: Knex;
  key: Buffer;
  workflow: Pick<WorkflowClient, 'signalWithStart'>;
  taskQueue: string;
  logger: Pick<Logger, 'info' | 'warn'>;
}): Promise<number> {
  const accountIds = await createAccountCredentialStore(db, { key }).accountsSigningIn(BLUESKY_CONNECTOR);
  let started = 0;
  for (const accountId of accountIds) {
    try {
      await startBlueskyInbound({ workflow, taskQueue, accountId });
      started += 1;
    } catch (error) {
      logger.warn({ err: error, accountId }, 'the Bluesky inbound poller could not be started');
    }
  }
  if (started > 0) logger.info({ accounts: started }, 'Bluesky inbound pollers started');
  return started;
}
