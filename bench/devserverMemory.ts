/**
 * The offline server's resident memory as work accumulates: the server runs on the Postgres store
 * in a process of its own, measured (after a full garbage collection) at an idle start and after
 * DEVSERVER_MEMORY_POSTS (default 10,000) completed workflows shaped like a standard post; then the
 * same with every closed run kept whole in memory, as before closed runs left it.
 */
import { fork } from 'node:child_process';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { brandKey, campaignKey, postStageKey, riskTierKey } from '../workflows/post/searchAttributes';
import type { MemoryFigures } from './devserverMemoryServer';
import { benchDatabase } from './support';

const POSTS = Number(process.env.DEVSERVER_MEMORY_POSTS ?? 10_000);
const IN_FLIGHT = 50;
/** Patch markers per workflow: with the other events, near a standard post's 94 (the store's count is printed). */
const MARKERS = 76;
const MARKER_BYTES = 60;
/** Posts completed before the warmed-up figure: the allocator and the JIT settle with the first load. */
const WARM_UP = 200;
const TASK_QUEUE = 'bench-memory';
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

interface Outcome {
  idle: MemoryFigures;
  warmedUp: MemoryFigures;
  after: MemoryFigures;
  seconds: number;
}

/** Completes posts `from` to `to` (exclusive) with IN_FLIGHT at a time; returns the seconds it took. */
async function completePosts(address: string, from: number, to: number): Promise<number> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('./devserverMemoryWorkflows'),
    maxConcurrentWorkflowTaskExecutions: IN_FLIGHT,
  });
  const t0 = performance.now();
  await worker.runUntil(async () => {
    let next = from;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let i = next++; i < to; i = next++) {
          await client.workflow.execute('postShaped', {
            taskQueue: TASK_QUEUE,
            workflowId: `post:memory-${i}`,
            args: [{ markers: MARKERS, bytes: MARKER_BYTES }],
            typedSearchAttributes: [
              { key: brandKey, value: `brand-${i % 10}` },
              { key: campaignKey, value: `campaign-${i % 50}` },
              { key: riskTierKey, value: 'standard' },
              { key: postStageKey, value: 'completed' },
            ],
          });
        }
      }),
    );
  });
  await nativeConnection.close();
  await connection.close();
  return (performance.now() - t0) / 1000;
}

async function measure(url: string, kept: 'recent' | 'all'): Promise<Outcome> {
  const schema = `temporal_devserver_memory_${kept}`;
  const child = fork(require.resolve('./devserverMemoryServer'), [url, schema, kept], {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: 'inherit',
  });
  const reply = <T>(message?: string): Promise<T> =>
    new Promise((resolve) => {
      child.once('message', (answer) => resolve(answer as T));
      if (message) child.send(message);
    });
  try {
    const { address } = await reply<{ address: string }>();
    const idle = await reply<MemoryFigures>('measure');
    await completePosts(address, 0, WARM_UP);
    const warmedUp = await reply<MemoryFigures>('measure');
    const seconds = await completePosts(address, WARM_UP, POSTS);
    const after = await reply<MemoryFigures>('measure');
    return { idle, warmedUp, after, seconds };
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function historyShape(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ runs: string; events: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM temporal_devserver_memory_recent.runs) AS runs,
              count(*) AS events, sum(octet_length(event)) AS bytes
       FROM temporal_devserver_memory_recent.events`,
    );
    const runs = Number(rows[0].runs);
    return `${(Number(rows[0].events) / runs).toFixed(0)} events, ${(Number(rows[0].bytes) / runs / 1024).toFixed(1)} KiB`;
  } finally {
    await client.end();
  }
}

const growth = (after: number, before: number): string => `${(((after - before) / before) * 100).toFixed(0)} %`;

function report(label: string, outcome: Outcome): void {
  const { idle, warmedUp, after, seconds } = outcome;
  const ratio = after.rss / idle.rss;
  console.log(`${label}:`);
  console.log(
    `  RSS ${mib(idle.rss)} at an idle start, ${mib(warmedUp.rss)} after ${WARM_UP} posts, ` +
      `${mib(after.rss)} after ${POSTS} completed posts`,
  );
  console.log(
    `  after ${POSTS} posts: ${growth(after.rss, idle.rss)} over the idle start (goal ≤ 20 %: ${ratio <= 1.2 ? 'met' : 'missed'}), ` +
      `${growth(after.rss, warmedUp.rss)} over the warmed-up server`,
  );
  console.log(
    `  heap used ${mib(idle.heapUsed)} idle, ${mib(warmedUp.heapUsed)} warmed up, ${mib(after.heapUsed)} after; ` +
      `runs held whole: ${after.runsInMemory.closed} closed, ${after.runsInMemory.open} open; ` +
      `${((POSTS - WARM_UP) / seconds).toFixed(0)} posts/s`,
  );
}

export async function benchDevserverMemory(): Promise<void> {
  console.log("## offline Temporal server's memory as closed runs accumulate (Postgres store)");
  const database = await benchDatabase();
  try {
    const recent = await measure(database.url, 'recent');
    console.log(
      `each post-shaped workflow: ${await historyShape(database.url)} of history in the store ` +
        `(one workflow task of patch markers, standing in for a standard post's 94 events)`,
    );
    report('closed runs leave memory', recent);
    report('every closed run kept whole (as before)', await measure(database.url, 'all'));
  } finally {
    await database.drop();
  }
}
