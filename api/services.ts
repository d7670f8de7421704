/**
 * What the routers depend on: the data-access stores, the Temporal client and a bounded way to
 * call it. Built once per app from the knex instance and the client.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createAccountStore } from '../db/accounts';
import { createAuditLog } from '../db/audit';
import { createBrandStore } from '../db/brands';
import { createPostStore } from '../db/posts';
import { createUserStore } from '../db/users';
import type { ConnectorRegistry } from '../activities/connectors/types';
import { createPostReconciler, defaultConnectors, type PostReconciler } from './reconciliation';

/**
 * How long the API waits for Temporal to answer one call. The SDK retries an unreachable server
 * for tens of seconds; a caller is better served by a prompt 503.
 */
export const DEFAULT_TEMPORAL_DEADLINE_MS = 10_000;

export interface ApiServices {
  db: Knex;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  brands: ReturnType<typeof createBrandStore>;
  accounts: ReturnType<typeof createAccountStore>;
  users: ReturnType<typeof createUserStore>;
  posts: ReturnType<typeof createPostStore>;
  audit: ReturnType<typeof createAuditLog>;
  /** Closes posts whose workflow is gone as `lost`. */
  reconciler: PostReconciler;
  /** Runs a Temporal call under the API's deadline (or a shorter one). */
  callTemporal<T>(call: () => Promise<T>, options?: { deadlineMs?: number }): Promise<T>;
}

export function createServices({
  db,
  temporal,
  taskQueue,
  logger,
  temporalDeadlineMs = DEFAULT_TEMPORAL_DEADLINE_MS,
  connectors,
}: {
  db: Knex;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  temporalDeadlineMs?: number;
  /** The platforms whose ledgers say what a lost post published; the sandbox by default. */
  connectors?: ConnectorRegistry;
}): ApiServices {
  const callTemporal: ApiServices['callTemporal'] = (call, options) =>
    temporal.connection.withDeadline(
      Date.now() + Math.min(options?.deadlineMs ?? temporalDeadlineMs, temporalDeadlineMs),
      call,
    );
  return {
    db,
    temporal,
    taskQueue,
    logger,
    brands: createBrandStore(db),
    accounts: createAccountStore(db),
    users: createUserStore(db),
    posts: createPostStore(db),
    audit: createAuditLog(db),
    reconciler: createPostReconciler({
      db,
      temporal,
      logger,
      connectors: connectors ?? defaultConnectors(db),
      callTemporal,
    }),
    callTemporal,
  };
}
