import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type { Account, AccountStore } from '../db/accounts';
import { ErrorType } from './contract';
import type { ConnectorRegistry } from './connectors/types';
import type { Notifier } from './notifier';

export interface ActivityLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** The clients activities work with; the worker builds them once and tests pass their own. */
export interface PostActivityDeps {
  db: Knex;
  connectors: ConnectorRegistry;
  notifier: Notifier;
  logger?: ActivityLogger;
  /** The activity's notion of now; tests fix it to make time-derived values exact. */
  clock?: () => Date;
}

export const silentLogger: ActivityLogger = { info: () => undefined, warn: () => undefined };
export const systemClock = (): Date => new Date();

/** The account an activity acts for; a missing one is a non-retryable failure, not a retry loop. */
export async function requireAccount(accounts: AccountStore, accountId: string): Promise<Account> {
  const account = await accounts.findById(accountId);
  if (!account) {
    throw ApplicationFailure.create({
      type: ErrorType.AccountNotFound,
      message: `account ${accountId} does not exist`,
      nonRetryable: true,
    });
  }
  return account;
}
