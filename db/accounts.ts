import type { Knex } from 'knex';
import type { Platform } from '../domain/types';
import { iso, type Executor } from './rows';

export type AccountStatus = 'active' | 'revoked';

export interface Account {
  id: string;
  brandId: string;
  platform: Platform;
  handle: string;
  connector: string;
  status: AccountStatus;
  createdAt: string;
}

export interface NewAccount {
  id: string;
  brandId: string;
  platform: Platform;
  handle: string;
  connector?: string;
  status?: AccountStatus;
}

interface AccountRow {
  id: string;
  brand_id: string;
  platform: Platform;
  handle: string;
  connector: string;
  status: AccountStatus;
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

    /** Which connector publishes for the account from now on. */
    async setConnector(input: { accountId: string; connector: string }, trx: Executor = db): Promise<void> {
      await trx('accounts').where({ id: input.accountId }).update({ connector: input.connector });
    },

    async setStatus(input: { accountId: string; status: AccountStatus }, trx: Executor = db): Promise<void> {
      await trx('accounts').where({ id: input.accountId }).update({ status: input.status });
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
