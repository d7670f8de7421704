/**
 * Database helpers for tests. Every test file shares the run's database with the others running
 * in parallel, so fixtures use unique ids (`uniqueId`) rather than truncating shared tables.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createAccountStore, type Account } from '../../db/accounts';
import { createSandboxStore, type SandboxFailure } from '../../db/sandbox';
import { createBrandStore, type Brand, type Campaign } from '../../db/brands';
import { createKnex } from '../../db/knex';
import { createUserStore, type User } from '../../db/users';
import { ROLES, type Platform, type Role } from '../../domain/types';
import { readRecordedDatabaseUrl } from '../setup/database';

/** The database global setup created for this test run. */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL ?? readRecordedDatabaseUrl();
  if (!url) throw new Error('No test database: jest global setup (test/setup/database.ts) did not run');
  return url;
}

/** A knex instance on the run's database; destroy it in afterAll. */
export function createTestKnex(): Knex {
  return createKnex(testDatabaseUrl(), { poolMax: 4 });
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

const PROJECTION_TABLES = [
  'report_rollups',
  'notifications',
  'sandbox_replies',
  'sandbox_publications',
  'audit_log',
  'metric_snapshots',
  'reviews',
  'post_variants',
  'post_revisions',
  'posts',
  'api_keys',
  'users',
  'accounts',
  'campaigns',
  'brands',
];

/**
 * Empties every application table. Only for a suite that runs alone against its own database:
 * files running in parallel share the run's database.
 */
export async function truncateAllTables(db: Knex): Promise<void> {
  await db.raw(`TRUNCATE ${PROJECTION_TABLES.join(', ')} RESTART IDENTITY CASCADE`);
}

export async function insertBrand(
  db: Knex,
  overrides: Partial<{ id: string; name: string; timeZone: string; bannedPhrases: string[]; utmSource: string }> = {},
): Promise<Brand> {
  const id = overrides.id ?? uniqueId('brand');
  return createBrandStore(db).create({
    id,
    name: overrides.name ?? `Brand ${id}`,
    timeZone: overrides.timeZone ?? 'Europe/Berlin',
    bannedPhrases: overrides.bannedPhrases ?? [],
    utmSource: overrides.utmSource,
  });
}

export async function insertCampaign(
  db: Knex,
  input: { brandId: string; id?: string; utmCampaign?: string; startsAt?: string },
): Promise<Campaign> {
  const id = input.id ?? uniqueId('campaign');
  return createBrandStore(db).createCampaign({
    id,
    brandId: input.brandId,
    name: `Campaign ${id}`,
    utmCampaign: input.utmCampaign ?? id,
    startsAt: input.startsAt ?? '2026-01-01T00:00:00.000Z',
  });
}

export async function insertAccount(
  db: Knex,
  input: {
    brandId: string;
    platform: Platform;
    id?: string;
    handle?: string;
    sandboxFailure?: SandboxFailure | null;
    status?: 'active' | 'revoked';
  },
): Promise<Account> {
  const id = input.id ?? uniqueId(`account-${input.platform}`);
  const account = await createAccountStore(db).create({
    id,
    brandId: input.brandId,
    platform: input.platform,
    handle: input.handle ?? `@${id}`,
    status: input.status,
  });
  await createSandboxStore(db).setAccountFailure({ accountId: account.id, failure: input.sandboxFailure ?? null });
  return account;
}

/** Tells the sandbox platform how to answer these accounts' publications from now on (`null`: normally). */
export async function setSandboxFailure(db: Knex, accountIds: string[], failure: SandboxFailure | null): Promise<void> {
  const sandbox = createSandboxStore(db);
  for (const accountId of accountIds) await sandbox.setAccountFailure({ accountId, failure });
}

/** A user with the given roles and a bearer key for it. */
export async function insertUser(
  db: Knex,
  input: { roles: Role[]; brandId?: string | null; id?: string; name?: string },
): Promise<{ user: User; apiKey: string }> {
  const users = createUserStore(db);
  const id = input.id ?? uniqueId(input.roles[0] ?? 'user');
  const user = await users.create({
    id,
    brandId: input.brandId ?? null,
    name: input.name ?? `User ${id}`,
    email: `${id}@test.socialops.example`,
    roles: input.roles,
  });
  const issued = await users.createApiKey({ userId: user.id });
  return { user, apiKey: issued.key };
}

export interface BrandFixture {
  brand: Brand;
  accounts: Account[];
  /** One user per role, keyed by role, each with a bearer key. */
  users: Record<Role, { user: User; apiKey: string }>;
}

/** A fresh brand with an account per platform and a user (with API key) for every role. */
export async function insertBrandFixture(
  db: Knex,
  input: { platforms?: Platform[]; bannedPhrases?: string[]; timeZone?: string } = {},
): Promise<BrandFixture> {
  const brand = await insertBrand(db, { bannedPhrases: input.bannedPhrases, timeZone: input.timeZone });
  const accounts: Account[] = [];
  for (const platform of input.platforms ?? (['x', 'linkedin'] as Platform[])) {
    accounts.push(await insertAccount(db, { brandId: brand.id, platform }));
  }
  const users = {} as BrandFixture['users'];
  for (const role of ROLES) {
    users[role] = await insertUser(db, { roles: [role], brandId: brand.id, id: uniqueId(`${brand.id}-${role}`) });
  }
  return { brand, accounts, users };
}
