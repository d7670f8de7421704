import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Role } from '../domain/types';
import { iso, isoOrNull, json, type Executor } from './rows';

export interface User {
  id: string;
  brandId: string | null;
  name: string;
  email: string;
  roles: Role[];
  createdAt: string;
}

export interface NewUser {
  id: string;
  brandId?: string | null;
  name: string;
  email: string;
  roles: Role[];
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  /** The first characters of the key, enough to recognise it in a list. */
  keyPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface IssuedApiKey {
  id: string;
  userId: string;
  /** The bearer key itself: shown once, never stored. */
  key: string;
  keyPrefix: string;
}

interface UserRow {
  id: string;
  brand_id: string | null;
  name: string;
  email: string;
  roles: Role[];
  created_at: Date;
}

interface ApiKeyRow {
  id: string;
  user_id: string;
  key_hash: string;
  key_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const KEY_PREFIX_LENGTH = 8;

/** A key's last use is kept to the minute: busy keys are not written on every request. */
export const API_KEY_USE_PRECISION_MS = 60_000;

/** Whether a use at `at` would move the key's recorded last use. */
export function isNewApiKeyUse(apiKey: Pick<ApiKeyRecord, 'lastUsedAt'>, at: number = Date.now()): boolean {
  return apiKey.lastUsedAt === null || Date.parse(apiKey.lastUsedAt) < at - API_KEY_USE_PRECISION_MS;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    brandId: row.brand_id,
    name: row.name,
    email: row.email,
    roles: row.roles,
    createdAt: iso(row.created_at),
  };
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    keyPrefix: row.key_prefix,
    createdAt: iso(row.created_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    revokedAt: isoOrNull(row.revoked_at),
  };
}

export function createUserStore(db: Knex) {
  return {
    /** Inserts the user unless its id or email exists; returns the stored user. */
    async create(input: NewUser, trx: Executor = db): Promise<User> {
      await trx('users')
        .insert({
          id: input.id,
          brand_id: input.brandId ?? null,
          name: input.name,
          email: input.email,
          roles: json(input.roles),
        })
        .onConflict()
        .ignore();
      const row = await trx<UserRow>('users').where({ id: input.id }).orWhere({ email: input.email }).first();
      if (!row) throw new Error(`user ${input.id} vanished after insert`);
      return toUser(row);
    },

    async findById(id: string, trx: Executor = db): Promise<User | undefined> {
      const row = await trx<UserRow>('users').where({ id }).first();
      return row ? toUser(row) : undefined;
    },

    async findByEmail(email: string, trx: Executor = db): Promise<User | undefined> {
      const row = await trx<UserRow>('users').where({ email }).first();
      return row ? toUser(row) : undefined;
    },

    async list(input: { brandId?: string } = {}, trx: Executor = db): Promise<User[]> {
      const query = trx<UserRow>('users').orderBy('id');
      if (input.brandId) query.where({ brand_id: input.brandId });
      return (await query).map(toUser);
    },

    /** Issues a new bearer key for the user. Only its sha256 hash is stored. */
    async createApiKey(input: { userId: string }, trx: Executor = db): Promise<IssuedApiKey> {
      const key = `sok_${randomBytes(24).toString('base64url')}`;
      const record = {
        id: randomUUID(),
        user_id: input.userId,
        key_hash: hashApiKey(key),
        key_prefix: key.slice(0, KEY_PREFIX_LENGTH),
      };
      await trx('api_keys').insert(record);
      return { id: record.id, userId: input.userId, key, keyPrefix: record.key_prefix };
    },

    /** The user a bearer key belongs to, unless the key is unknown or revoked. */
    async findUserByApiKey(key: string, trx: Executor = db): Promise<{ user: User; apiKey: ApiKeyRecord } | undefined> {
      const row = await trx('api_keys as k')
        .join('users as u', 'u.id', 'k.user_id')
        .where('k.key_hash', hashApiKey(key))
        .whereNull('k.revoked_at')
        .first<
          UserRow & {
            key_id: string;
            key_user_id: string;
            key_prefix: string;
            key_created_at: Date;
            last_used_at: Date | null;
            revoked_at: Date | null;
          }
        >(
          'u.*',
          'k.id as key_id',
          'k.user_id as key_user_id',
          'k.key_prefix',
          'k.created_at as key_created_at',
          'k.last_used_at',
          'k.revoked_at',
        );
      if (!row) return undefined;
      return {
        user: toUser(row),
        apiKey: toApiKey({
          id: row.key_id,
          user_id: row.key_user_id,
          key_hash: '',
          key_prefix: row.key_prefix,
          created_at: row.key_created_at,
          last_used_at: row.last_used_at,
          revoked_at: row.revoked_at,
        }),
      };
    },

    /** Notes that a key was used; at most one write per key per minute keeps requests cheap. */
    async recordApiKeyUse(input: { apiKeyId: string; at?: string }, trx: Executor = db): Promise<void> {
      const at = input.at ?? new Date().toISOString();
      await trx('api_keys')
        .where({ id: input.apiKeyId })
        .andWhere((q) => {
          q.whereNull('last_used_at').orWhere(
            'last_used_at',
            '<',
            new Date(Date.parse(at) - API_KEY_USE_PRECISION_MS).toISOString(),
          );
        })
        .update({ last_used_at: at });
    },

    async revokeApiKey(input: { apiKeyId: string; at?: string }, trx: Executor = db): Promise<void> {
      await trx('api_keys')
        .where({ id: input.apiKeyId })
        .whereNull('revoked_at')
        .update({ revoked_at: input.at ?? new Date().toISOString() });
    },

    async listApiKeys(input: { userId: string }, trx: Executor = db): Promise<ApiKeyRecord[]> {
      const rows = await trx<ApiKeyRow>('api_keys').where({ user_id: input.userId }).orderBy('created_at');
      return rows.map(toApiKey);
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
