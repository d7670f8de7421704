/**
 * The offline server's Postgres store: workflows per second with it next to the in-memory store
 * (three-activity workflows, all in flight at once), the time to start again on a store holding
 * N open runs, and the bytes a workflow's history and run take in the store.
 * Sizes: DEVSERVER_DURABLE_WORKFLOWS (default 200), DEVSERVER_DURABLE_OPEN_RUNS (default 10000).
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import pg from 'pg';
import { startDevServer, type DevServerOptions } from '@socialops/temporal-devserver';
import * as activities from './devserverActivities';
import { benchDatabase } from './support';

const WORKFLOWS = Number(process.env.DEVSERVER_DURABLE_WORKFLOWS ?? 200);
const OPEN_RUNS = Number(process.env.DEVSERVER_DURABLE_OPEN_RUNS ?? 10_000);
const SCHEMA = 'temporal_devserver';

/** Runs WORKFLOWS three-step workflows at once through a server with `options`; workflows per second. */
async function throughput(options: DevServerOptions, label: string): Promise<number> {
  const server = await startDevServer(options);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue: 'bench-durable',
    workflowsPath: require.resolve('./devserverWorkflows'),
    activities,
    maxConcurrentWorkflowTaskExecutions: 200,
    maxConcurrentActivityTaskExecutions: 200,
  });
  let seconds = 0;
  await worker.runUntil(async () => {
    await client.workflow.execute('threeSteps', {
      taskQueue: 'bench-durable',
      workflowId: `warmup-${label}`,
      args: ['w'],
    });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: WORKFLOWS }, (_, i) =>
        client.workflow.execute('threeSteps', {
          taskQueue: 'bench-durable',
          workflowId: `durable-${label}-${i}`,
          args: [String(i)],
        }),
      ),
    );
    seconds = (performance.now() - t0) / 1000;
  });
  await nativeConnection.close();
  await connection.close();
  await server.stop();
  const rate = WORKFLOWS / seconds;
  console.log(
    `${label}: ${WORKFLOWS} workflows × 3 activities in ${seconds.toFixed(2)} s = ${rate.toFixed(1)} workflows/s`,
  );
  return rate;
}

/** Starts OPEN_RUNS workflows nobody works on, stops the server, and times a start on the same store. */
async function recovery(url: string): Promise<void> {
  const persist = { url, schema: `${SCHEMA}_recovery` };
  const server = await startDevServer({ persist });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  for (let i = 0; i < OPEN_RUNS; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, OPEN_RUNS - i) }, (_, j) =>
        client.workflow.start('threeSteps', { taskQueue: 'nobody', workflowId: `open-${i + j}`, args: ['x'] }),
      ),
    );
  }
  await connection.close();
  await server.stop();
  const t0 = performance.now();
  const again = await startDevServer({ persist });
  const ms = performance.now() - t0;
  console.log(`start on a store with ${OPEN_RUNS} open runs: ${ms.toFixed(0)} ms (target < 5000)`);
  await again.stop();
}

async function storage(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ runs: string; events: string; event_bytes: string; run_bytes: string }>(
      `SELECT (SELECT count(*) FROM ${SCHEMA}.runs WHERE status = 'Completed') AS runs,
              (SELECT count(*) FROM ${SCHEMA}.events) AS events,
              (SELECT sum(octet_length(event)) FROM ${SCHEMA}.events) AS event_bytes,
              (SELECT sum(octet_length(start) + octet_length(state)) FROM ${SCHEMA}.runs) AS run_bytes`,
    );
    const runs = Number(rows[0].runs);
    const { rows: size } = await client.query<{ bytes: string }>(
      `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [SCHEMA],
    );
    console.log(
      `storage per three-activity workflow: ${(Number(rows[0].events) / runs).toFixed(1)} events, ` +
        `${((Number(rows[0].event_bytes) + Number(rows[0].run_bytes)) / runs / 1024).toFixed(1)} KiB of data, ` +
        `${(Number(size[0].bytes) / runs / 1024).toFixed(1)} KiB on disk with indexes`,
    );
  } finally {
    await client.end();
  }
}

export async function benchDevserverDurable(): Promise<void> {
  console.log("## offline Temporal server's Postgres store");
  const database = await benchDatabase();
  try {
    const memory = await throughput({}, 'memory store');
    const postgres = await throughput({ persist: { url: database.url, schema: SCHEMA } }, 'postgres store');
    console.log(`postgres store at ${((postgres / memory) * 100).toFixed(0)} % of the memory store's throughput`);
    await storage(database.url);
    await recovery(database.url);
  } finally {
    await database.drop();
  }
}

if (require.main === module) {
  benchDevserverDurable().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
