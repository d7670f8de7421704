/**
 * Offline Temporal server benchmark: how fast it starts, and how many workflows of three
 * activities each one SDK worker drives through it per second with 200 in flight.
 */
import { fork, spawn } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { startDevServer } from '@socialops/temporal-devserver';
import * as activities from './devserverActivities';
import { CONCURRENT } from './devserverLoad';

const ROUNDS = 5;

/** The server's command line, compiled when the benchmark runs compiled (`npm run bench`). */
const CLI = require.resolve('@socialops/temporal-devserver/cli');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function startupInProcess(): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const server = await startDevServer();
    samples.push(performance.now() - t0);
    await server.stop();
  }
  return median(samples);
}

/** Time from spawning the executable until it answers GetSystemInfo. */
async function startupProcess(): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const t0 = performance.now();
    const child = spawn(process.execPath, [...process.execArgv, CLI, String(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`devserver exited with ${code}`)));
    });
    samples.push(performance.now() - t0);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return median(samples);
}

export async function benchDevserver(): Promise<void> {
  console.log('## offline Temporal server');
  console.log(`start-up, in process (median of 5): ${(await startupInProcess()).toFixed(1)} ms`);
  console.log(`start-up, new process until ready (median of 3): ${(await startupProcess()).toFixed(1)} ms`);

  // The server runs in its own process, as it does under the SDK's test environment.
  const port = 20000 + Math.floor(Math.random() * 20000);
  const nodeOptions = process.env.DEVSERVER_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];
  const serverProcess = spawn(
    process.execPath,
    [...process.execArgv, ...nodeOptions, CLI, 'server', 'start-dev', '--port', String(port)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) => serverProcess.stdout.once('data', () => resolve()));
  const address = `127.0.0.1:${port}`;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  // Both ends are on loopback: compressing every request only burns CPU.
  const nativeConnection = await NativeConnection.connect({ address, grpcCompression: { codec: 'none' } });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: 'bench',
    workflowsPath: require.resolve('./devserverWorkflows'),
    activities,
    maxConcurrentWorkflowTaskExecutions: 200,
    maxConcurrentActivityTaskExecutions: 200,
  });
  const load = fork(require.resolve('./devserverLoad'), [address], { execArgv: process.execArgv, stdio: 'inherit' });
  const replies: Array<(message: { ready?: boolean; seconds?: number }) => void> = [];
  load.on('message', (message: { ready?: boolean; seconds?: number }) => replies.shift()?.(message));
  const nextReply = (): Promise<{ ready?: boolean; seconds?: number }> =>
    new Promise((resolve) => replies.push(resolve));
  const rates: number[] = [];
  await worker.runUntil(async () => {
    await nextReply();
    // Warm-up: the first workflow pays for the worker's isolate start.
    await client.workflow.execute('threeSteps', { taskQueue: 'bench', workflowId: 'warmup', args: ['w'] });
    for (let round = 0; round < ROUNDS; round++) {
      const reply = nextReply();
      load.send({ round });
      const { seconds = 0 } = await reply;
      rates.push(CONCURRENT / seconds);
      console.log(
        `round ${round + 1}: ${CONCURRENT} workflows × 3 activities in ${seconds.toFixed(2)} s = ${(CONCURRENT / seconds).toFixed(1)} workflows/s`,
      );
    }
  });
  load.kill();
  console.log(`throughput (median of ${ROUNDS}): ${median(rates).toFixed(1)} workflows/s (target ≥ 70)`);
  await nativeConnection.close();
  await connection.close();
  serverProcess.kill('SIGTERM');
  await new Promise((resolve) => serverProcess.once('exit', resolve));
}

if (require.main === module) {
  benchDevserver().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
