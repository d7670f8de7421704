/**
 * Gives one `npm test` run its own Postgres database: on the server named by DATABASE_URL,
 * else the local server on 127.0.0.1:5432, else an embedded PostgreSQL started for the run
 * (SOCIALOPS_TEST_POSTGRES=embedded asks for the embedded one directly).
 * The database's URL reaches the test workers through process.env (workers are started after
 * global setup) and, for any process that does not inherit it, through a file in the temp dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKnex } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../db/embeddedPostgres';
import { acceptsConnection, createScratchDatabase, withClient, withDatabase } from '../helpers/scratchDatabases';

export const TEST_DATABASE_URL_FILE = path.join(os.tmpdir(), `socialops-test-database-${process.pid}.json`);

interface ProvisionedDatabase {
  /** URL of the database the tests use. */
  databaseUrl: string;
  /** URL of the maintenance database on the same server, used to drop the test database. */
  adminUrl: string;
  databaseName: string;
  embeddedDataDir?: string;
}

// Global setup and teardown run in the same process; the server handle cannot go through a file.
const runState = globalThis as typeof globalThis & {
  socialopsTestDatabase?: ProvisionedDatabase;
  socialopsEmbeddedPostgres?: EmbeddedPostgres;
};

export async function provisionDatabase(): Promise<void> {
  const adminUrl = await chooseServer();
  const { name: databaseName, url: databaseUrl } = await createScratchDatabase({ adminUrl, prefix: 'socialops_test' });

  const db = createKnex(databaseUrl, { poolMax: 2 });
  try {
    await migrateLatest(db);
  } finally {
    await db.destroy();
  }

  const provisioned: ProvisionedDatabase = {
    databaseUrl,
    adminUrl,
    databaseName,
    embeddedDataDir: runState.socialopsTestDatabase?.embeddedDataDir,
  };
  runState.socialopsTestDatabase = provisioned;
  process.env.DATABASE_URL = databaseUrl;
  fs.writeFileSync(TEST_DATABASE_URL_FILE, JSON.stringify({ databaseUrl }));
}

export async function releaseDatabase(): Promise<void> {
  const provisioned = runState.socialopsTestDatabase;
  if (!provisioned) return;
  try {
    await withClient(provisioned.adminUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${provisioned.databaseName}" WITH (FORCE)`),
    );
  } finally {
    fs.rmSync(TEST_DATABASE_URL_FILE, { force: true });
    if (runState.socialopsEmbeddedPostgres) {
      await runState.socialopsEmbeddedPostgres.stop();
      runState.socialopsEmbeddedPostgres = undefined;
    }
    if (provisioned.embeddedDataDir)
      fs.rmSync(path.dirname(provisioned.embeddedDataDir), { recursive: true, force: true });
    runState.socialopsTestDatabase = undefined;
  }
}

async function chooseServer(): Promise<string> {
  // Lets the embedded path be exercised on a machine that also has a local server.
  if (process.env.SOCIALOPS_TEST_POSTGRES === 'embedded') return startTestPostgres();
  const configured = process.env.DATABASE_URL;
  if (configured) return withDatabase(configured, 'postgres');
  const localUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await acceptsConnection(localUrl)) return localUrl;
  return startTestPostgres();
}

async function startTestPostgres(): Promise<string> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-pg-'));
  const dataDir = path.join(workDir, 'data');
  const server = await startEmbeddedPostgres({ dataDir, persistent: false });
  runState.socialopsEmbeddedPostgres = server;
  runState.socialopsTestDatabase = { databaseUrl: '', adminUrl: '', databaseName: '', embeddedDataDir: dataDir };
  return server.adminUrl;
}

/** The URL recorded by the global setup of the jest process that started this worker. */
export function readRecordedDatabaseUrl(): string | undefined {
  for (const pid of [process.pid, process.ppid]) {
    const file = path.join(os.tmpdir(), `socialops-test-database-${pid}.json`);
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { databaseUrl: string }).databaseUrl;
  }
  return undefined;
}
