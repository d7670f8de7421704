/**
 * The API as an operator runs it: `api/main.ts` as its own process, configured by environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { startDevServer } from '@socialops/temporal-devserver';
import { testDatabaseUrl } from '../helpers/db';
import { closedPort } from './http';

const repoRoot = path.resolve(__dirname, '..', '..');
const TEST_KEY = randomBytes(32).toString('base64');

function startProcess(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  let output = '';
  // One process (no tsx wrapper in between), so that a signal or a kill reaches the API itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', INBOUND_SECRET_KEY: TEST_KEY, ...env },
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
  const started = startProcess({ INBOUND_SECRET_KEY: '' });
  expect(await started.exited).toBe(1);
  expect(started.output()).toMatch(/DATABASE_URL: required by the standalone API/);
  expect(started.output()).toMatch(/TEMPORAL_ADDRESS: required by the standalone API/);
  expect(started.output()).toMatch(/INBOUND_SECRET_KEY: required by the standalone API/);
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

it('connects once Temporal comes up, logging one line per failed attempt meanwhile', async () => {
  const port = await closedPort();
  const temporalPort = await closedPort();
  const started = startProcess({
    DATABASE_URL: testDatabaseUrl(),
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    PORT: String(port),
  });
  let temporal: Awaited<ReturnType<typeof startDevServer>> | undefined;
  try {
    await until(async () => (/is not reachable/.test(started.output()) ? true : undefined), 30_000);
    expect(started.output()).toMatch(
      new RegExp(
        `^\\{"level":40,.*"msg":"Temporal at 127\\.0\\.0\\.1:${temporalPort} is not reachable \\(connection refused\\);.*tries again in [\\d.]+ s"\\}$`,
        'm',
      ),
    );
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);

    temporal = await startDevServer({ port: temporalPort });
    const ready = await until(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return response.status === 200 ? response.status : undefined;
    }, 30_000);
    expect(ready).toBe(200);
    await until(async () => (/"msg":"API connected to Temporal at /.test(started.output()) ? true : undefined), 30_000);
    expect(started.output()).not.toMatch(/TransportError|^\s+at /m);

    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  } finally {
    if (started.child.exitCode === null) started.child.kill('SIGKILL');
    await temporal?.stop();
  }
});

it('stops with one line naming the variable when the configuration is wrong', async () => {
  const started = startProcess({
    DATABASE_URL: testDatabaseUrl(),
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    PORT: 'eighty',
  });
  expect(await started.exited).toBe(1);
  expect(started.output().trim().split('\n')).toEqual([
    'API could not start: invalid configuration: PORT: expected an integer between 1 and 65535, got "eighty"',
  ]);
});

it('stops with one line when its port is taken', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as net.AddressInfo;
  try {
    const started = startProcess({
      DATABASE_URL: testDatabaseUrl(),
      TEMPORAL_ADDRESS: `127.0.0.1:${await closedPort()}`,
      PORT: String(port),
      LOG_LEVEL: 'error',
    });
    expect(await started.exited).toBe(1);
    expect(started.output().trim().split('\n')).toEqual([
      `API could not start: the API cannot listen on 127.0.0.1:${port}: the port is in use (set PORT to another one)`,
    ]);
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
