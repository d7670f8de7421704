/**
 * An account's connection to its platform: an admin sets the credentials it signs in with
 * (stored sealed, never returned), and anyone who runs the brand sees how it last fared.
 */
import type { AccountCredentialStore } from '../../db/accountCredentials';
import type { Account, AccountStore } from '../../db/accounts';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { startBlueskyInbound } from '../../activities/connectors/bluesky/startPolling';
import type { TemporalAccess } from './temporal';
import { coversBrand, type AuthenticatedUser } from './caller';
import { conflict, notFound } from './errors';

export const BLUESKY_CONNECTOR_NAME = 'bluesky';

export interface AccountServiceDeps {
  db: Knex;
  accounts: Pick<AccountStore, 'findById' | 'setConnector'>;
  credentials: Pick<AccountCredentialStore, 'set' | 'health' | 'signsInAs'>;
  /** Starts the account's inbound poller once its credentials are set. */
  temporal?: TemporalAccess;
  logger?: Logger;
}

/** Starting the poller is not worth holding the admin's answer for: every worker start starts it too. */
const POLLER_START_DEADLINE_MS = 2000;

export function createAccountService({ db, accounts, credentials, temporal, logger }: AccountServiceDeps) {
  async function visibleAccount(user: AuthenticatedUser, accountId: string): Promise<Account> {
    const account = await accounts.findById(accountId);
    if (!account || !coversBrand(user, account.brandId)) throw notFound('No such account');
    return account;
  }

  async function view(account: Account) {
    return {
      id: account.id,
      brandId: account.brandId,
      platform: account.platform,
      handle: account.handle,
      connector: account.connector,
      status: account.status,
      createdAt: account.createdAt,
      credentials: (await credentials.signsInAs(account.id)) ?? null,
      health: (await credentials.health(account.id)) ?? null,
    };
  }

  /** New credentials start the inbound poller, or restart one that stopped for refused credentials. */
  async function startInbound(accountId: string): Promise<void> {
    if (!temporal) return;
    try {
      await temporal.call(
        () => startBlueskyInbound({ workflow: temporal.workflow, taskQueue: temporal.taskQueue, accountId }),
        {
          deadlineMs: POLLER_START_DEADLINE_MS,
        },
      );
    } catch (error) {
      logger?.warn({ err: error, accountId }, 'the Bluesky inbound poller starts with the next worker start');
    }
  }

  return {
    async get(user: AuthenticatedUser, accountId: string) {
      return view(await visibleAccount(user, accountId));
    },

    /** From now on the account publishes, measures and replies on Bluesky with these credentials. */
    async setBlueskyCredentials(
      user: AuthenticatedUser,
      accountId: string,
      input: { handle: string; serviceUrl: string; appPassword: string },
    ) {
      const account = await visibleAccount(user, accountId);
      if (account.platform !== 'bluesky') {
        throw conflict(`account ${account.id} is on ${account.platform}; Bluesky credentials need a Bluesky account`);
      }
      await db.transaction(async (trx) => {
        await credentials.set(
          {
            accountId: account.id,
            login: input.handle,
            serviceUrl: input.serviceUrl,
            password: input.appPassword,
            now: new Date(),
          },
          trx,
        );
        await accounts.setConnector({ accountId: account.id, connector: BLUESKY_CONNECTOR_NAME }, trx);
      });
      await startInbound(account.id);
      return view((await accounts.findById(account.id))!);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
