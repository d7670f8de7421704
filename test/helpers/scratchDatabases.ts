/**
 * Throwaway databases, one per test run or benchmark, named `<prefix>_<epoch ms>_<pid>`. A run
 * that is killed cannot drop its own database; the next run with the same prefix drops those
 * left behind long enough ago that no run can still be using them.
 */
import pg from 'pg';

/** Far longer than any test run or benchmark takes. */
export const ABANDONED_AFTER_MS = 6 * 60 * 60 * 1000;

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function acceptsConnection(url: string): Promise<boolean> {
  try {
    await withClient(url, (client) => client.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

export function withDatabase(url: string, databaseName: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${databaseName}`;
  return parsed.toString();
}

/** Creates a database on the server `adminUrl` points at, after dropping abandoned ones of the prefix. */
export async function createScratchDatabase({
  adminUrl,
  prefix,
}: {
  adminUrl: string;
  prefix: string;
}): Promise<ScratchDatabase> {
  checkPrefix(prefix);
  const name = `${prefix}_${Date.now()}_${process.pid}`;
  await withClient(adminUrl, async (client) => {
    // Housekeeping only: a role that may not drop another run's database still gets its own.
    await dropAbandoned(client, prefix, Date.now()).catch((error: unknown) => {
      process.emitWarning(
        `could not drop abandoned ${prefix} databases: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    await client.query(`CREATE DATABASE "${name}"`);
  });
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop: () =>
      withClient(
        adminUrl,
        async (client) => void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
      ),
  };
}

/** Drops the prefix's databases created more than ABANDONED_AFTER_MS before `now`; returns their names. */
export async function dropAbandonedScratchDatabases({
  adminUrl,
  prefix,
  now = Date.now(),
}: {
  adminUrl: string;
  prefix: string;
  now?: number;
}): Promise<string[]> {
  checkPrefix(prefix);
  return withClient(adminUrl, (client) => dropAbandoned(client, prefix, now));
}

async function dropAbandoned(client: pg.Client, prefix: string, now: number): Promise<string[]> {
  const { rows } = await client.query<{ datname: string }>(
    'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
    [`${prefix}_`],
  );
  const pattern = new RegExp(`^${prefix}_(\\d{13})(_\\d+)?$`);
  const abandoned = rows
    .map((row) => row.datname)
    .filter((name) => {
      const createdAt = pattern.exec(name)?.[1];
      return createdAt !== undefined && Number(createdAt) < now - ABANDONED_AFTER_MS;
    });
  for (const name of abandoned) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  return abandoned;
}

/** The prefix becomes part of SQL identifiers and a pattern: plain lower-case words only. */
function checkPrefix(prefix: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(prefix))
    throw new Error(`scratch database prefix ${JSON.stringify(prefix)} must be lower-case letters, digits and _`);
}
