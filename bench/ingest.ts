/**
 * Inbound ingest benchmarks, with the API, the worker, the offline Temporal server and Postgres
 * each in their own process: signed batches through `POST /v1/inbound/{accountId}` from several
 * senders, beside bare signal-with-start calls from this one process at the same concurrency;
 * the latency of a delivery; and how many history events (and runs) a 100-message conversation
 * takes. The server runs in real time: nothing here waits for an SLA deadline.
 */
import { fork } from 'node:child_process';
import { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createTestEnvironment } from '@socialops/temporal-devserver/testing';
import { signInboundBody } from '../api/inboundSignature';
import type { Knex } from '../db/knex';
import { seedDemo } from '../db/seed';
import {
  inboundMessage,
  THREAD_WORKFLOW_TYPE,
  threadWorkflowId,
  type InboundMessageSignal,
  type ThreadLifecycleInput,
} from '../workflows/thread/messages';
import { POST_SEARCH_ATTRIBUTES } from '../workflows/post/searchAttributes';
import { THREAD_SEARCH_ATTRIBUTES } from '../workflows/thread/searchAttributes';
import { cpuBetween, processTreeCpu } from './processCpu';
import { benchDatabase, percentile } from './support';

const TOTAL_EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 3000);
const BATCH_SIZE = 50;
const SENDERS = 4;
/**
 * Conversations the load is spread over: every batch reaches BATCH_SIZE different ones. A multiple
 * of BATCH_SIZE times the demo brand's five accounts, so each conversation stays with one account.
 */
const THREADS = 500;
const WARM_UP_EVENTS = 400;
const SINGLE_EVENT_REQUESTS = 200;
const CONVERSATION_MESSAGES = 100;
/** How long the worker may take to record what a phase delivered before the next phase starts. */
const DRAIN_TIMEOUT_MS = 600_000;

interface Account {
  id: string;
  brandId: string;
  platform: string;
  secret: string;
}

interface Sent {
  count: number;
  /** Milliseconds per request (API) or per call (bare). */
  latencies: number[];
  seconds: number;
}

function inboundEvent(threadId: string, messageId: string) {
  return {
    threadId,
    messageId,
    kind: 'comment' as const,
    author: { id: `fan-${messageId}`, handle: '@fan' },
    text: 'Is the winter blend back in stock? Asking for a friend',
    sentAt: new Date().toISOString(),
  };
}

async function deliver(base: string, account: Account, events: unknown[]): Promise<void> {
  const body = JSON.stringify({ events });
  const response = await fetch(`${base}/v1/inbound/${account.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-socialops-signature': signInboundBody(body, account.secret) },
    body,
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`inbound delivery → ${response.status} ${text}`);
}

/** The k-th event of a run named `run`: conversation k mod THREADS, so a batch spans BATCH_SIZE of them. */
const threadOf = (run: string, k: number) => `${run}-t${k % THREADS}`;
const messageOf = (run: string, k: number) => `${run}-m${k}`;

/** Signed batches through the API from SENDERS concurrent senders, each on the accounts in turn. */
async function throughApi(base: string, accounts: Account[], run: string, total: number): Promise<Sent> {
  const batches = Math.ceil(total / BATCH_SIZE);
  let next = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      for (let batch = next++; batch < batches; batch = next++) {
        const first = batch * BATCH_SIZE;
        const events = Array.from({ length: Math.min(BATCH_SIZE, total - first) }, (_, i) =>
          inboundEvent(threadOf(run, first + i), messageOf(run, first + i)),
        );
        const started = performance.now();
        await deliver(base, accounts[batch % accounts.length], events);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { count: total, latencies, seconds: (performance.now() - t0) / 1000 };
}

/** The same events as bare signal-with-start calls, as many in flight as the API has at most. */
async function bareSignalWithStart(
  client: Client,
  accounts: Account[],
  run: string,
  total: number,
  taskQueue: string,
): Promise<Sent> {
  let next = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS * BATCH_SIZE }, async () => {
      for (let k = next++; k < total; k = next++) {
        const account = accounts[Math.floor(k / BATCH_SIZE) % accounts.length];
        const input: ThreadLifecycleInput = {
          accountId: account.id,
          brandId: account.brandId,
          platform: account.platform,
          externalThreadId: threadOf(run, k),
        };
        const event = inboundEvent(input.externalThreadId, messageOf(run, k));
        const signal: InboundMessageSignal = { ...event, author: { ...event.author } };
        const started = performance.now();
        await client.workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
          workflowId: threadWorkflowId(`${account.id}:${input.externalThreadId}`),
          taskQueue,
          args: [input],
          signal: inboundMessage,
          signalArgs: [signal],
        });
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { count: total, latencies, seconds: (performance.now() - t0) / 1000 };
}

/** Waits until the worker has recorded `expected` inbound messages in Postgres; returns the seconds it took. */
async function drained(db: Knex, expected: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const [{ count }] = await db('thread_messages').where({ direction: 'inbound' }).count<{ count: string }[]>({
      count: '*',
    });
    if (Number(count) >= expected) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > DRAIN_TIMEOUT_MS) {
      throw new Error(`the worker recorded ${count} of ${expected} messages within ${DRAIN_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Events across every run of a workflow, newest run first, following each run back to the one it continued. */
async function historyAcrossRuns(client: Client, workflowId: string): Promise<{ events: number; runs: number }> {
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  let events = 0;
  let runs = 0;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    events += history.events?.length ?? 0;
    runs += 1;
    const started = history.events?.find(
      (event) => event.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    );
    runId = started?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return { events, runs };
}

const rate = (sent: Sent) => sent.count / sent.seconds;

export async function benchIngest(): Promise<void> {
  console.log('## inbound ingest');
  const { db, url, drop } = await benchDatabase();
  const env = await createTestEnvironment({
    timeSkipping: false,
    searchAttributes: { ...POST_SEARCH_ATTRIBUTES, ...THREAD_SEARCH_ATTRIBUTES },
  });
  const seed = await seedDemo(db);
  const adminKey = seed.users.find(({ user }) => user.roles.includes('admin'))!.apiKey;
  const taskQueue = 'socialops';
  const args = [url, env.address, taskQueue];
  // The worker is overloaded on purpose: its core's warnings about slow tasks would drown the
  // figures. Whether it kept up shows in how long it takes to record every message.
  const worker = fork(require.resolve('./postsWorker'), args, {
    execArgv: process.execArgv,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const api = fork(require.resolve('./postsApi'), args, { execArgv: process.execArgv, stdio: 'inherit' });
  const [, { port }] = await Promise.all([
    new Promise((resolve) => worker.once('message', resolve)),
    new Promise<{ port: number }>((resolve) => api.once('message', resolve as (message: unknown) => void)),
  ]);
  const base = `http://127.0.0.1:${port}`;
  const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });

  try {
    const accounts: Account[] = [];
    for (const account of seed.accounts) {
      const response = await fetch(`${base}/v1/accounts/${account.id}/inbound-secret`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const { secret } = (await response.json()) as { secret: string };
      accounts.push({ id: account.id, brandId: account.brandId, platform: account.platform, secret });
    }

    let recorded = 0;
    await throughApi(base, accounts, 'warm-api', WARM_UP_EVENTS);
    await bareSignalWithStart(client, accounts, 'warm-bare', WARM_UP_EVENTS, taskQueue);
    await drained(db, (recorded += 2 * WARM_UP_EVENTS));

    const label = (stat: { pid: number; command: string }): string | undefined =>
      stat.pid === process.pid
        ? 'benchmark'
        : stat.pid === api.pid
          ? 'API'
          : stat.pid === worker.pid
            ? 'worker'
            : stat.command.includes('temporal-devserver')
              ? 'Temporal server'
              : undefined;
    const cpuPerMessage = (before: ReturnType<typeof processTreeCpu>, count: number) =>
      [...cpuBetween(before, processTreeCpu(), label)]
        .map(([name, seconds]) => `${name} ${((seconds * 1000) / count).toFixed(2)}`)
        .join(', ');

    let cpu = processTreeCpu();
    const bare = await bareSignalWithStart(client, accounts, 'bare', TOTAL_EVENTS, taskQueue);
    const bareCpu = cpuPerMessage(cpu, TOTAL_EVENTS);
    const bareDrain = await drained(db, (recorded += TOTAL_EVENTS));
    console.log(
      `bare signal-with-start from one process, ${SENDERS * BATCH_SIZE} in flight, ${TOTAL_EVENTS} events over ${THREADS} conversations: ` +
        `${bare.seconds.toFixed(2)} s = ${rate(bare).toFixed(0)} messages/s; the worker had recorded them all ${bareDrain.toFixed(1)} s later`,
    );
    cpu = processTreeCpu();
    const viaApi = await throughApi(base, accounts, 'api', TOTAL_EVENTS);
    const apiCpu = cpuPerMessage(cpu, TOTAL_EVENTS);
    const apiDrain = await drained(db, (recorded += TOTAL_EVENTS));
    console.log(
      `ingest through the API, the same events signed in batches of ${BATCH_SIZE} from ${SENDERS} senders: ` +
        `${viaApi.seconds.toFixed(2)} s = ${rate(viaApi).toFixed(0)} messages/s (goal ≥ 1,000); recorded ${apiDrain.toFixed(1)} s later`,
    );
    console.log(
      `API overhead: ${(rate(bare) / rate(viaApi)).toFixed(2)}x the bare calls' time per message (goal ≤ 1.2x)`,
    );
    console.log(`CPU ms per message while sending: bare ${bareCpu}; through the API ${apiCpu}`);
    console.log(
      `ingest latency per request (batches of ${BATCH_SIZE}, ${SENDERS} senders): p50 ${percentile(viaApi.latencies, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(viaApi.latencies, 99).toFixed(1)} ms; bare call: p50 ${percentile(bare.latencies, 50).toFixed(1)} ms, p99 ${percentile(bare.latencies, 99).toFixed(1)} ms`,
    );

    // One event per request from one sender: what a quiet platform's delivery waits for.
    const single: number[] = [];
    for (let k = 0; k < SINGLE_EVENT_REQUESTS; k++) {
      const started = performance.now();
      await deliver(base, accounts[k % accounts.length], [inboundEvent(threadOf('single', k), messageOf('single', k))]);
      single.push(performance.now() - started);
    }
    await drained(db, (recorded += SINGLE_EVENT_REQUESTS));
    console.log(
      `ingest latency of a one-event delivery (${SINGLE_EVENT_REQUESTS} in a row, one sender): p50 ${percentile(single, 50).toFixed(1)} ms, p99 ${percentile(single, 99).toFixed(1)} ms`,
    );

    // A 100-message conversation, delivered ten messages at a time.
    const account = accounts[0];
    for (let first = 0; first < CONVERSATION_MESSAGES; first += 10) {
      await deliver(
        base,
        account,
        Array.from({ length: 10 }, (_, i) => inboundEvent('long-conversation', `long-m${first + i}`)),
      );
    }
    await drained(db, (recorded += CONVERSATION_MESSAGES));
    const { events, runs } = await historyAcrossRuns(client, threadWorkflowId(`${account.id}:long-conversation`));
    console.log(
      `history of a ${CONVERSATION_MESSAGES}-message conversation: ${events} events over ${runs} run${runs === 1 ? '' : 's'}`,
    );
  } finally {
    for (const child of [worker, api]) child.send('stop');
    await Promise.all([worker, api].map((child) => new Promise((resolve) => child.once('exit', resolve))));
    await env.teardown();
    await drop();
  }
}

if (require.main === module) {
  benchIngest().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
