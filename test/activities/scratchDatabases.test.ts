import {
  ABANDONED_AFTER_MS,
  createScratchDatabase,
  dropAbandonedScratchDatabases,
  withClient,
  withDatabase,
} from '../helpers/scratchDatabases';
import { testDatabaseUrl } from '../helpers/db';

const PREFIX = 'socialops_scratchcheck';
const adminUrl = withDatabase(testDatabaseUrl(), 'postgres');

async function databasesOfPrefix(): Promise<string[]> {
  return withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
      [`${PREFIX}_`],
    );
    return rows.map((row) => row.datname);
  });
}

async function createNamed(name: string): Promise<void> {
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
}

afterAll(async () => {
  await withClient(adminUrl, async (client) => {
    for (const name of await databasesOfPrefix()) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
});

describe('scratch databases', () => {
  it('are created empty and reachable, and dropped on request', async () => {
    const scratch = await createScratchDatabase({ adminUrl, prefix: PREFIX });
    expect(scratch.name).toMatch(new RegExp(`^${PREFIX}_\\d{13}_${process.pid}$`));
    expect(
      await withClient(
        scratch.url,
        async (client) => (await client.query('SELECT current_database() AS name')).rows[0].name,
      ),
    ).toBe(scratch.name);
    await scratch.drop();
    expect(await databasesOfPrefix()).not.toContain(scratch.name);
  });

  it('left behind by a killed run are dropped by a later run once they are old enough, and only then', async () => {
    const now = Date.now();
    const abandoned = `${PREFIX}_${now - ABANDONED_AFTER_MS - 60_000}_4242`;
    const abandonedWithoutPid = `${PREFIX}_${now - 2 * ABANDONED_AFTER_MS}`;
    const recent = `${PREFIX}_${now - 60_000}_4343`;
    const otherName = `${PREFIX}_keep_me`;
    for (const name of [abandoned, abandonedWithoutPid, recent, otherName]) await createNamed(name);

    expect((await dropAbandonedScratchDatabases({ adminUrl, prefix: PREFIX, now })).sort()).toEqual(
      [abandoned, abandonedWithoutPid].sort(),
    );
    expect((await databasesOfPrefix()).sort()).toEqual([otherName, recent].sort());
  });

  it('refuse a prefix that is not a plain identifier', async () => {
    await expect(createScratchDatabase({ adminUrl, prefix: 'x"; DROP DATABASE postgres; --' })).rejects.toThrow(
      /lower-case letters/,
    );
  });
});
