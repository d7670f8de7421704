import type { Knex } from 'knex';
import type { Platform } from '../domain/types';
import { iso, json, type Executor } from './rows';

export type AccountStatus = 'active' | 'revoked';

/** Tells the sandbox connector to fail publications for this account. */
export interface SandboxFailure {
  mode: 'rate_limit' | 'revoked' | 'refused';
  retryAfterSeconds?: number;
  /** Fail only this many more times, then behave normally; absent means always. */
  times?: number;
}

export interface Account {
  id: string;
  brandId: string;
  platform: Platform;
  handle: string;
  connector: string;
  status: AccountStatus;
  sandboxFailure: SandboxFailure | null;
  createdAt: string;
}

export interface NewAccount {
  id: string;
  brandId: string;
  platform: Platform;
  handle: string;
  connector?: string;
  status?: AccountStatus;
  sandboxFailure?: SandboxFailure | null;
}

interface AccountRow {
  id: string;
  brand_id: string;
  platform: Platform;
  handle: string;
  connector: string;
  status: AccountStatus;
  sandbox_failure: SandboxFailure | null;
  created_at: Date;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    brandId: row.brand_id,
    platform: row.platform,
    handle: row.handle,
    connector: row.connector,
    status: row.status,
    sandboxFailure: row.sandbox_failure,
    createdAt: iso(row.created_at),
  };
}

export function createAccountStore(db: Knex) {
  return {
    /** Inserts the account unless its id or (brand, platform, handle) exists; returns the stored account. */
    async create(input: NewAccount, trx: Executor = db): Promise<Account> {
      await trx('accounts')
        .insert({
          id: input.id,
          brand_id: input.brandId,
          platform: input.platform,
          handle: input.handle,
          connector: input.connector ?? 'sandbox',
          status: input.status ?? 'active',
          sandbox_failure: input.sandboxFailure ? json(input.sandboxFailure) : null,
        })
        .onConflict()
        .ignore();
      const row = await trx<AccountRow>('accounts')
        .where({ id: input.id })
        .orWhere({ brand_id: input.brandId, platform: input.platform, handle: input.handle })
        .first();
      if (!row) throw new Error(`account ${input.id} vanished after insert`);
      return toAccount(row);
    },

    async findById(id: string, trx: Executor = db): Promise<Account | undefined> {
      const row = await trx<AccountRow>('accounts').where({ id }).first();
      return row ? toAccount(row) : undefined;
    },

    async findByIds(ids: string[], trx: Executor = db): Promise<Account[]> {
      if (ids.length === 0) return [];
      const rows = await trx<AccountRow>('accounts').whereIn('id', ids).orderBy('id');
      return rows.map(toAccount);
    },

    async listByBrand(input: { brandId: string }, trx: Executor = db): Promise<Account[]> {
      const rows = await trx<AccountRow>('accounts').where({ brand_id: input.brandId }).orderBy(['platform', 'handle']);
      return rows.map(toAccount);
    },

    async setStatus(input: { accountId: string; status: AccountStatus }, trx: Executor = db): Promise<void> {
      await trx('accounts').where({ id: input.accountId }).update({ status: input.status });
    },

    async setSandboxFailure(
      input: { accountId: string; failure: SandboxFailure | null },
      trx: Executor = db,
    ): Promise<void> {
      await trx('accounts')
        .where({ id: input.accountId })
        .update({ sandbox_failure: input.failure ? json(input.failure) : null });
    },

    /**
     * Takes one failure from the account's sandbox failure setting, if one is due: a failure with
     * a `times` counter is decremented in the same statement (and cleared at zero), so concurrent
     * publish attempts never fail more often than asked.
     */
    async consumeSandboxFailure(input: { accountId: string }, trx: Executor = db): Promise<SandboxFailure | null> {
      const result = await trx.raw<{ rows: Array<{ failure: SandboxFailure }> }>(
        `WITH due AS (
           SELECT id, sandbox_failure AS failure FROM accounts
            WHERE id = ? AND sandbox_failure IS NOT NULL
            FOR UPDATE
         )
         UPDATE accounts AS a
            SET sandbox_failure = CASE
                  WHEN due.failure->>'times' IS NOT NULL AND (due.failure->>'times')::int <= 1 THEN NULL
                  WHEN due.failure->>'times' IS NOT NULL
                    THEN jsonb_set(due.failure, '{times}', to_jsonb((due.failure->>'times')::int - 1))
                  ELSE due.failure
                END
           FROM due
          WHERE a.id = due.id
         RETURNING due.failure AS failure`,
        [input.accountId],
      );
      const failure = result.rows[0]?.failure;
      if (!failure) return null;
      if (failure.times !== undefined && failure.times <= 0) return null;
      return failure;
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
