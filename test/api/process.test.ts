/**
 * The API as an operator runs it: `api/main.ts` as its own process, configured by environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { testDatabaseUrl } from '../helpers/db';
import { closedPort } from './http';

const repoRoot = path.resolve(__dirname, '..', '..');

function startProcess(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let output = '';
  // One process (no tsx wrapper in between), so that a signal or a kill reaches the API itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('refuses to start without its dependencies configured, naming the variables', async () => {
  const started = startProcess({});
  expect(await started.exited).toBe(1);
  expect(started.output()).toMatch(/DATABASE_URL: required by the standalone API/);
  expect(started.output()).toMatch(/TEMPORAL_ADDRESS: required by the standalone API/);
});

it('serves while Temporal is down, reports not ready, and stops cleanly on SIGTERM', async () => {
  const port = await closedPort();
  const started = startProcess({
    DATABASE_URL: testDatabaseUrl(),
    TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}`,
    PORT: String(port),
    HOST: '127.0.0.1',
  });
  try {
    const health = await until(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      return response.ok ? response.status : undefined;
    }, 30_000);
    expect(health).toBe(200);

    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { postgres: { ok: true }, temporal: { ok: false } } });

    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
    expect(started.output()).toMatch(/API stopped/);
  } finally {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
  }
});
