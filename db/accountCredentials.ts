import type { Knex } from 'knex';
import { isoOrNull, iso, type Executor } from './rows';
import { openSecret, sealSecret } from './sealedSecrets';

/** What an account signs in to its platform with; the password only ever leaves the store opened for a connector. */
export interface PlatformCredentials {
  accountId: string;
  /** The handle (or DID) the account signs in as. */
  login: string;
  serviceUrl: string;
  password: string;
}

export interface AccountHealth {
  credentialsSetAt: string;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  /** The platform refused the credentials: nothing is sent for the account until an admin sets new ones. */
  needsReauthentication: boolean;
}

interface CredentialsRow {
  account_id: string;
  login: string;
  service_url: string;
  sealed_password: string;
  set_at: Date;
  last_success_at: Date | null;
  last_error_at: Date | null;
  last_error: string | null;
  needs_reauthentication: boolean;
}

const boundTo = (accountId: string) => `credentials of account ${accountId}`;

function toHealth(row: CredentialsRow): AccountHealth {
  return {
    credentialsSetAt: iso(row.set_at),
    lastSuccessAt: isoOrNull(row.last_success_at),
    lastErrorAt: isoOrNull(row.last_error_at),
    lastError: row.last_error,
    needsReauthentication: row.needs_reauthentication,
  };
}

/**
 * Platform credentials, sealed at rest with the configured key (AES-256-GCM, bound to the account
 * so a sealed value copied onto another row does not open), and how the account last fared.
 */
export function createAccountCredentialStore(db: Knex, { key }: { key: Buffer }) {
  return {
    /** Stores new credentials; whatever the platform said about the old ones no longer applies. */
    async set(input: PlatformCredentials & { now: Date }, trx: Executor = db): Promise<AccountHealth> {
      const row = {
        account_id: input.accountId,
        login: input.login,
        service_url: input.serviceUrl,
        sealed_password: sealSecret({ key, secret: input.password, boundTo: boundTo(input.accountId) }),
        set_at: input.now.toISOString(),
        last_error_at: null,
        last_error: null,
        needs_reauthentication: false,
      };
      const [stored] = await trx('account_credentials')
        .insert(row)
        .onConflict('account_id')
        .merge()
        .returning<CredentialsRow[]>('*');
      return toHealth(stored);
    },

    /** The account's credentials, opened; undefined when none were set. Throws SealedSecretUnreadableError. */
    async open(accountId: string, trx: Executor = db): Promise<PlatformCredentials | undefined> {
      const row = await trx<CredentialsRow>('account_credentials').where({ account_id: accountId }).first();
      if (!row) return undefined;
      return {
        accountId,
        login: row.login,
        serviceUrl: row.service_url,
        password: openSecret({
          key,
          sealed: row.sealed_password,
          boundTo: boundTo(accountId),
          what: `The platform credentials of account ${accountId}`,
        }),
      };
    },

    /** Who the account signs in as and where, without opening the password. */
    async signsInAs(accountId: string, trx: Executor = db): Promise<{ login: string; serviceUrl: string } | undefined> {
      const row = await trx<CredentialsRow>('account_credentials').where({ account_id: accountId }).first();
      return row ? { login: row.login, serviceUrl: row.service_url } : undefined;
    },

    /** The accounts on a connector whose credentials the platform has not refused. */
    async accountsSigningIn(connector: string, trx: Executor = db): Promise<string[]> {
      const rows = await trx<CredentialsRow>('account_credentials')
        .join('accounts', 'accounts.id', 'account_credentials.account_id')
        .where({ 'accounts.connector': connector, 'account_credentials.needs_reauthentication': false })
        .select<Array<Pick<CredentialsRow, 'account_id'>>>('account_credentials.account_id')
        .orderBy('account_credentials.account_id');
      return rows.map((row) => row.account_id);
    },

    async health(accountId: string, trx: Executor = db): Promise<AccountHealth | undefined> {
      const row = await trx<CredentialsRow>('account_credentials').where({ account_id: accountId }).first();
      return row ? toHealth(row) : undefined;
    },

    async recordSuccess(input: { accountId: string; at: Date }, trx: Executor = db): Promise<void> {
      await trx('account_credentials')
        .where({ account_id: input.accountId })
        .update({ last_success_at: input.at.toISOString() });
    },

    async recordError(
      input: { accountId: string; at: Date; error: string; needsReauthentication?: boolean },
      trx: Executor = db,
    ): Promise<void> {
      await trx('account_credentials')
        .where({ account_id: input.accountId })
        .update({
          last_error_at: input.at.toISOString(),
          last_error: input.error,
          ...(input.needsReauthentication ? { needs_reauthentication: true } : {}),
        });
    },
  };
}

export type AccountCredentialStore = ReturnType<typeof createAccountCredentialStore>;
