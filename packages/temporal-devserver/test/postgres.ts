/**
 * Postgres for the suite: a database of the tests' own on the server DEVSERVER_TEST_DATABASE_URL
 * names (local trust auth by default), with a fresh schema per server so servers never share state.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.DEVSERVER_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'temporal_devserver_tests';

export function testDatabaseUrl(): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  return withClient(testDatabaseUrl(), async (client) => (await client.query<T>(sql, params)).rows);
}

/** A schema name no other server uses, in the tests' database (created on first use). */
export async function scratchSchema(label: string): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  await withClient(ADMIN_URL, async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    // Two test files may race to create it: the loser finds it there.
    if (!exists.rowCount) await client.query(`CREATE DATABASE "${DATABASE}"`).catch(() => undefined);
  });
  const schema = `${label}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  return {
    url: testDatabaseUrl(),
    schema,
    drop: () => query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined),
  };
}
