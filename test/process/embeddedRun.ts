/**
 * A real `npm start` on a data directory of its own, driven the way a client drives it: started,
 * killed without warning, started again on the same data and ports, with requests that are
 * repeated when the process died under them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { isLivePostgres, lockHolderPid } from '../../db/postmasterLock';
import { closedPort, type Json } from '../api/http';
import { startProcess, until, type StartedProcess } from '../helpers/processes';
import { WORKFLOW_BUNDLE_ENV, testWorkflowBundlePath } from '../setup/workflowBundle';

const ENTRY = 'test/process/embeddedEntry.ts';

export interface Answer {
  status: number;
  body: Json;
}

export interface EmbeddedRun {
  readonly baseUrl: string;
  current(): StartedProcess;
  /** Starts `npm start` and resolves once its API is ready. */
  start(): Promise<StartedProcess>;
  /** SIGKILL: the process holding the server, the worker and the API dies at once. */
  kill(): Promise<void>;
  keys(): Record<string, string>;
  /** One HTTP request, without retrying; a refused connection rejects. */
  request(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<Answer>;
  /**
   * The request as a client repeats it: again after the connection failed or the answer was a 503
   * (the process died or was still starting), until another answer comes.
   */
  retried(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<Answer>;
  /** The app's database on the embedded PostgreSQL of the running process. */
  database(): Promise<pg.Client>;
  /** Makes every retried request still waiting give up: the test has failed. */
  stopRetrying(): void;
  /** Writes each start's output to `directory`, one file per start. */
  saveOutputs(directory: string): void;
  /** A Temporal client of the running process's offline server. */
  temporal(): Promise<{ client: Client; close(): Promise<void> }>;
  cleanUp(): Promise<void>;
}

const RETRY_PAUSE_MS = 250;
const RETRY_GIVE_UP_MS = 120_000;

export async function embeddedRun(env: Record<string, string> = {}): Promise<EmbeddedRun> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-embedded-'));
  const port = await closedPort();
  const postgresPort = await closedPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const runs: StartedProcess[] = [];
  let retrying = true;
  const current = (): StartedProcess => {
    const run = runs.at(-1);
    if (!run) throw new Error('npm start has not been started');
    return run;
  };

  async function request(
    method: string,
    pathname: string,
    options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${pathname}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('application/json') && text;
    return { status: response.status, body: json ? JSON.parse(text) : undefined };
  }

  return {
    baseUrl,
    current,
    async start() {
      const run = startProcess(ENTRY, {
        DATA_DIR: dataDir,
        PORT: String(port),
        EMBEDDED_POSTGRES_PORT: String(postgresPort),
        [WORKFLOW_BUNDLE_ENV]: testWorkflowBundlePath(),
        ...env,
      });
      runs.push(run);
      await run.waitFor(/socialops is running/, 120_000);
      await until(async () => ((await fetch(`${baseUrl}/readyz`)).status === 200 ? true : undefined), 60_000);
      return run;
    },
    async kill() {
      const run = current();
      run.kill('SIGKILL');
      await run.exited;
    },
    keys() {
      const file = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-keys.json'), 'utf8')) as {
        users: Record<string, { key: string }>;
      };
      return Object.fromEntries(Object.entries(file.users).map(([userId, entry]) => [userId, entry.key]));
    },
    request,
    async retried(method, pathname, options = {}) {
      const giveUpAt = Date.now() + RETRY_GIVE_UP_MS;
      for (;;) {
        if (!retrying) throw new Error(`${method} ${pathname}: given up, the test has failed`);
        const answer = await request(method, pathname, options).catch((error: unknown) => {
          if (Date.now() > giveUpAt) throw error;
          return undefined;
        });
        if (answer && answer.status !== 503) return answer;
        if (answer && Date.now() > giveUpAt) return answer;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    },
    stopRetrying() {
      retrying = false;
    },
    saveOutputs(directory) {
      fs.mkdirSync(directory, { recursive: true });
      runs.forEach((run, index) => fs.writeFileSync(path.join(directory, `start-${index + 1}.log`), run.output()));
    },
    async database() {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: postgresPort,
        user: 'postgres',
        database: 'socialops',
        password: fs.readFileSync(path.join(dataDir, 'postgres-password'), 'utf8').trim(),
      });
      await client.connect();
      return client;
    },
    async temporal() {
      const match = /Temporal:\s+(\S+)/.exec(current().output().split('socialops is running').at(-1) ?? '');
      if (!match) throw new Error(`no Temporal line in:\n${current().output()}`);
      const connection = await Connection.connect({ address: match[1] });
      return { client: new Client({ connection }), close: () => connection.close() };
    },
    async cleanUp() {
      for (const run of runs) run.kill();
      await Promise.all(runs.map((run) => run.exited));
      const leftover = lockHolderPid(path.join(dataDir, 'postgres'));
      if (leftover !== undefined && isLivePostgres(leftover)) process.kill(leftover, 'SIGQUIT');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
