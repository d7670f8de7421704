/**
 * The offline server's resident memory as work accumulates: the server runs on the Postgres store
 * in a process of its own, as `npm start` runs it (releasing freed memory once traffic pauses),
 * measured (after a full garbage collection) at an idle start, after a warm-up of 200 posts, right
 * after DEVSERVER_MEMORY_POSTS (default 10,000) completed workflows shaped like a standard post,
 * and again once it has been at rest for 40 s (V8 and the allocator give back what the load made
 * them take); then the same without the release, and, over at most 1,500 posts, with every closed
 * run kept whole in memory, as before closed runs left it. Each ends with how long a listing and a
 * count filtered by brand take over the closed runs.
 */
import { fork } from 'node:child_process';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { brandKey, campaignKey, postStageKey, riskTierKey } from '../workflows/post/searchAttributes';
import type { MemoryFigures } from './devserverMemoryServer';
import { benchDatabase } from './support';

const POSTS = Number(process.env.DEVSERVER_MEMORY_POSTS ?? 10_000);
/** Every closed run kept whole costs tens of kilobytes each: the comparison stops there. */
const KEPT_WHOLE_POSTS = Math.min(POSTS, 1_500);
/**
 * Long enough for V8's memory reducer to shrink the heap once requests stop, and for the server's
 * two releases after traffic (10 to 15 s after the last request, and a pause later).
 */
const REST_SECONDS = 40;
const IN_FLIGHT = 50;
/** Patch markers per workflow: with the other events, near a standard post's 94 (the store's count is printed). */
const MARKERS = 76;
const MARKER_BYTES = 60;
/** Posts completed before the warmed-up figure: the allocator and the JIT settle with the first load. */
const WARM_UP = 200;
const TASK_QUEUE = 'bench-memory';
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

interface Outcome {
  posts: number;
  idle: MemoryFigures;
  warmedUp: MemoryFigures;
  after: MemoryFigures;
  atRest: MemoryFigures;
  seconds: number;
  /** Milliseconds for a listing's first page of 20 and a count, each filtered by brand, at the end. */
  listMs: number;
  countMs: number;
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

/** How long the server takes to list and count the closed runs of one brand (a tenth of them). */
async function timeListing(address: string): Promise<{ listMs: number; countMs: number }> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const query = `${brandKey.name} = 'brand-1'`;
    let t0 = performance.now();
    await connection.workflowService.listWorkflowExecutions({ namespace: 'default', query, pageSize: 20 });
    const listMs = performance.now() - t0;
    t0 = performance.now();
    await client.workflow.count(query);
    return { listMs, countMs: performance.now() - t0 };
  } finally {
    await connection.close();
  }
}

async function measure(
  url: string,
  kept: 'recent' | 'all',
  release: 'release' | 'keep',
  posts: number,
): Promise<Outcome> {
  const schema = `temporal_devserver_memory_${kept}_${release}`;
  const child = fork(require.resolve('./devserverMemoryServer'), [url, schema, kept, release], {
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
    const seconds = await completePosts(address, WARM_UP, posts);
    const after = await reply<MemoryFigures>('measure');
    await new Promise((resolve) => setTimeout(resolve, REST_SECONDS * 1000));
    const atRest = await reply<MemoryFigures>('measure');
    const { listMs, countMs } = await timeListing(address);
    return { posts, idle, warmedUp, after, atRest, seconds, listMs, countMs };
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
      `SELECT (SELECT count(*) FROM temporal_devserver_memory_recent_release.runs) AS runs,
              count(*) AS events, sum(octet_length(event)) AS bytes
       FROM temporal_devserver_memory_recent_release.events`,
    );
    const runs = Number(rows[0].runs);
    return `${(Number(rows[0].events) / runs).toFixed(0)} events, ${(Number(rows[0].bytes) / runs / 1024).toFixed(1)} KiB`;
  } finally {
    await client.end();
  }
}

const growth = (after: number, before: number): string => `${(((after - before) / before) * 100).toFixed(0)} %`;
const perPost = (after: number, before: number, posts: number): string =>
  `${((after - before) / posts / 1024).toFixed(2)} KiB`;

function report(label: string, outcome: Outcome): void {
  const { posts, idle, warmedUp, after, atRest, seconds } = outcome;
  const stages: Array<[string, MemoryFigures]> = [
    ['idle start', idle],
    [`after ${WARM_UP} posts`, warmedUp],
    [`after ${posts} posts`, after],
    [`at rest ${REST_SECONDS} s later`, atRest],
  ];
  const widths = stages.map(([stage]) => Math.max(12, stage.length + 2));
  const row = (name: string, read: (f: MemoryFigures) => number | undefined): string =>
    `  ${name.padEnd(14)}${stages
      .map(([, f], i) => {
        const value = read(f);
        return (value === undefined ? '-' : mib(value)).padStart(widths[i]);
      })
      .join('')}`;
  console.log(`${label} (${((posts - WARM_UP) / seconds).toFixed(0)} posts/s):`);
  console.log(`  ${''.padEnd(14)}${stages.map(([stage], i) => stage.padStart(widths[i])).join('')}`);
  console.log(row('RSS', (f) => f.rss));
  console.log(row('anonymous RSS', (f) => f.rssAnon));
  console.log(row('heap total', (f) => f.heapTotal));
  console.log(row('heap used', (f) => f.heapUsed));
  console.log(row('ArrayBuffers', (f) => f.arrayBuffers));
  const further = posts - WARM_UP;
  console.log(
    `  per post after the warm-up: heap used ${perPost(after.heapUsed, warmedUp.heapUsed, further)}, ` +
      `ArrayBuffers ${perPost(after.arrayBuffers, warmedUp.arrayBuffers, further)}, ` +
      `RSS ${perPost(after.rss, warmedUp.rss, further)} (${perPost(atRest.rss, warmedUp.rss, further)} at rest)`,
  );
  const goal = (figure: number, base: number) => (figure / base <= 1.2 ? 'met' : 'missed');
  console.log(
    `  RSS after ${posts} posts: ${growth(after.rss, idle.rss)} over the idle start, ` +
      `${growth(after.rss, warmedUp.rss)} over the warmed-up server; at rest ${growth(atRest.rss, idle.rss)} ` +
      `over the idle start (goal ≤ 20 %: ${goal(atRest.rss, idle.rss)}), ${growth(atRest.rss, warmedUp.rss)} over the warmed-up server`,
  );
  console.log(`  runs held whole at the end: ${after.runsInMemory.closed} closed, ${after.runsInMemory.open} open`);
  console.log(
    `  filtered by brand over ${posts} closed runs: first listing page of 20 in ${outcome.listMs.toFixed(0)} ms, ` +
      `count in ${outcome.countMs.toFixed(0)} ms`,
  );
}

export async function benchDevserverMemory(): Promise<void> {
  console.log("## offline Temporal server's memory as closed runs accumulate (Postgres store)");
  const database = await benchDatabase();
  try {
    const released = await measure(database.url, 'recent', 'release', POSTS);
    console.log(
      `each post-shaped workflow: ${await historyShape(database.url)} of history in the store ` +
        `(one workflow task of patch markers, standing in for a standard post's 94 events)`,
    );
    report('as `npm start` runs it: closed runs leave memory, freed memory released after traffic', released);
    report('without the release after traffic', await measure(database.url, 'recent', 'keep', POSTS));
    report(
      'every closed run kept whole (as before), without the release',
      await measure(database.url, 'all', 'keep', KEPT_WHOLE_POSTS),
    );
  } finally {
    await database.drop();
  }
}
