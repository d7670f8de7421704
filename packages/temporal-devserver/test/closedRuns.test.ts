/**
 * Closed runs leave the server's memory (all but the one used last, here) and everything a client
 * asks about them answers as it did while they were held: describe, history with its pages and
 * long polls, listings filtered by a search attribute, queries, the workflow id policies (for a
 * client's start and a child's), signal-with-start and terminate; on the Postgres store also after a restart, which brings back
 * no closed run whole.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowHandle,
} from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { status } from '@grpc/grpc-js';
import { startDevServer, type DevServer, type DevServerOptions } from '../src/server';
import { nudge, outcome, parentOf, tagged } from './fixtures/closedRunWorkflows';
import { scratchSchema } from './postgres';

jest.setTimeout(60_000);

const quietLogger = new DefaultLogger('ERROR');
const brandKey = defineSearchAttributeKey('Brand', SearchAttributeType.KEYWORD);
type HistoryPage = temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse;

beforeAll(() => Runtime.install({ logger: quietLogger }));

describe.each(['memory', 'postgres'] as const)('closed runs on the %s store', (storeKind) => {
  let server: DevServer;
  let options: DevServerOptions;
  let connection: Connection;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  let dropStore: (() => Promise<void>) | undefined;
  const taskQueue = `closed-runs-${randomUUID()}`;

  beforeAll(async () => {
    const store = storeKind === 'postgres' ? await scratchSchema('closed_runs') : undefined;
    dropStore = store?.drop;
    options = {
      searchAttributes: { Brand: 'Keyword' },
      closedRunsKept: 1,
      persist: store && { url: store.url, schema: store.schema },
    };
    server = await startDevServer(options);
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection });
    worker = await Worker.create({
      connection: await NativeConnection.connect({ address: server.address }),
      taskQueue,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: require.resolve('./fixtures/closedRunWorkflows'),
        logger: quietLogger,
      }),
      activities: { step: async (name: string) => name },
      shutdownGraceTime: '1s',
    });
    running = worker.run();
  });

  afterAll(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
    await server.stop();
    await dropStore?.();
  });

  async function complete(brand: string, workflowId = `closed-${randomUUID()}`, fail = false) {
    const handle = await client.workflow.start(tagged, {
      taskQueue,
      workflowId,
      args: [brand, fail],
      typedSearchAttributes: [{ key: brandKey, value: brand }],
    });
    await handle.result().catch(() => undefined);
    return handle;
  }

  /** Another run closes: with one closed run kept, the one before it leaves memory. */
  async function pushOut(): Promise<void> {
    await complete('filler');
    expect(server.service.runsInMemory()).toEqual({ open: 0, closed: 1 });
  }

  async function pages(workflowId: string, runId: string, extra: object = {}): Promise<HistoryPage[]> {
    const all: HistoryPage[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId, runId },
        maximumPageSize: 4,
        nextPageToken,
        ...extra,
      });
      all.push(page);
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return all;
  }

  async function whatClientsSee(handle: WorkflowHandle) {
    const runId = (await handle.describe()).runId;
    return {
      described: (await handle.describe()).raw,
      history: await handle.fetchHistory(),
      pages: await pages(handle.workflowId, runId),
      longPoll: await pages(handle.workflowId, runId, { waitNewEvent: true }),
      reverse: await connection.workflowService.getWorkflowExecutionHistoryReverse({
        namespace: 'default',
        execution: { workflowId: handle.workflowId, runId },
      }),
      closeEvent: await connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId: handle.workflowId, runId },
        historyEventFilterType: 2, // HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT
        waitNewEvent: true,
      }),
      query: await handle.query(outcome),
    };
  }

  test('describe, history, its pages and long polls, and queries answer the same once the run has left memory', async () => {
    const handle = await complete('acme');
    expect(server.service.runsInMemory()).toEqual({ open: 0, closed: 1 });
    const whileHeld = await whatClientsSee(handle);
    expect(whileHeld.query).toBe('acme+done');
    expect(whileHeld.history.events?.length).toBeGreaterThan(10);

    await pushOut();

    expect(await whatClientsSee(handle)).toEqual(whileHeld);
  });

  test('closed runs that left memory are listed, filtered by a search attribute and counted', async () => {
    const brand = `brand-${randomUUID()}`;
    const first = await complete(brand);
    const failed = await complete(brand, undefined, true);
    await pushOut();

    const listed = [];
    for await (const run of client.workflow.list({ query: `Brand = '${brand}'` })) listed.push(run);
    expect(listed.map((run) => [run.workflowId, run.status.name]).sort()).toEqual(
      [
        [first.workflowId, 'COMPLETED'],
        [failed.workflowId, 'FAILED'],
      ].sort(),
    );
    expect(listed.every((run) => run.historyLength > 10)).toBe(true);
    expect(listed.map((run) => run.typedSearchAttributes.get(brandKey))).toEqual([brand, brand]);
    const { count } = await client.workflow.count(`Brand = '${brand}' AND ExecutionStatus = 'Failed'`);
    expect(count).toBe(1);
  });

  test('a closed run is listed with the same memo and search attributes once it has left memory', async () => {
    const brand = `brand-${randomUUID()}`;
    const handle = await client.workflow.start(tagged, {
      taskQueue,
      workflowId: `closed-${randomUUID()}`,
      args: [brand, false],
      typedSearchAttributes: [{ key: brandKey, value: brand }],
      memo: { campaign: { name: 'spring', posts: [1, 2, 3] }, note: 'ünïcode ✓' },
    });
    await handle.result();
    const listed = async () => {
      const runs = [];
      for await (const run of client.workflow.list({ query: `Brand = '${brand}'` })) runs.push(run);
      return runs;
    };
    const whileHeld = await listed();
    expect(whileHeld).toHaveLength(1);

    await pushOut();

    const afterLeaving = await listed();
    expect(afterLeaving.map((run) => run.raw)).toEqual(whileHeld.map((run) => run.raw));
    expect(afterLeaving[0].memo).toEqual({ campaign: { name: 'spring', posts: [1, 2, 3] }, note: 'ünïcode ✓' });
    expect(afterLeaving[0].typedSearchAttributes.get(brandKey)).toBe(brand);
  });

  test('the workflow id policies judge a closed run that left memory as before', async () => {
    const completed = await complete('acme');
    const failed = await complete('acme', undefined, true);
    await pushOut();

    const again = (workflowId: string, workflowIdReusePolicy: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY') =>
      client.workflow.start(tagged, { taskQueue, workflowId, args: ['again'], workflowIdReusePolicy });
    await expect(again(completed.workflowId, 'REJECT_DUPLICATE')).rejects.toBeInstanceOf(
      WorkflowExecutionAlreadyStartedError,
    );
    await expect(again(completed.workflowId, 'ALLOW_DUPLICATE_FAILED_ONLY')).rejects.toBeInstanceOf(
      WorkflowExecutionAlreadyStartedError,
    );
    const retried = await again(failed.workflowId, 'ALLOW_DUPLICATE_FAILED_ONLY');
    expect(await retried.result()).toBe('again+done');
  });

  test('a child started under the id of a closed run that left memory is judged by its reuse policy', async () => {
    const closed = await complete('acme');
    await pushOut();

    const parent = (workflowIdReusePolicy: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE') =>
      client.workflow.execute(parentOf, {
        taskQueue,
        workflowId: `parent-${randomUUID()}`,
        args: [closed.workflowId, workflowIdReusePolicy],
      });
    expect(await parent('REJECT_DUPLICATE')).toBe('already started');
    await pushOut();
    expect(await parent('ALLOW_DUPLICATE')).toBe('child+done');
  });

  test('a start repeated with its request id after the run closed and left memory hands back that run', async () => {
    const workflowId = `closed-${randomUUID()}`;
    const request = {
      namespace: 'default',
      workflowId,
      workflowType: { name: 'tagged' },
      taskQueue: { name: taskQueue },
      input: { payloads: [] },
      requestId: randomUUID(),
    };
    const first = await connection.workflowService.startWorkflowExecution(request);
    await client.workflow.getHandle(workflowId).result();
    await pushOut();

    const repeated = await connection.workflowService.startWorkflowExecution(request);
    expect(repeated.runId).toBe(first.runId);
  });

  test('signal-with-start after the run closed and left memory starts a new run; terminate finds nothing open', async () => {
    const closed = await complete('acme');
    await pushOut();

    await expect(closed.terminate()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(closed.signal(nudge, 'late')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const restarted = await client.workflow.signalWithStart(tagged, {
      taskQueue,
      workflowId: closed.workflowId,
      args: ['acme'],
      signal: nudge,
      signalArgs: ['hello'],
    });
    expect(restarted.signaledRunId).not.toBe(closed.firstExecutionRunId);
    expect(await restarted.result()).toBe('acme+done:hello');
  });

  test('an id holding a NUL character is refused on start and unknown on lookup, and the server carries on', async () => {
    const closed = await complete('acme');
    await pushOut();
    const start = (workflowId: string) =>
      connection.workflowService.startWorkflowExecution({
        namespace: 'default',
        workflowId,
        workflowType: { name: 'tagged' },
        taskQueue: { name: taskQueue },
        requestId: randomUUID(),
      });
    await expect(start('post\u0000x')).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    const describe = (workflowId: string, runId?: string) =>
      connection.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId, runId } });
    await expect(describe('post\u0000x')).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(describe(closed.workflowId, `${closed.firstExecutionRunId}\u0000`)).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
    await expect(
      connection.workflowService.createSchedule({ namespace: 'default', scheduleId: 'nightly\u0000', requestId: 'r' }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    // The SDK will not send such a namespace in its headers; a raw client could.
    expect(() => server.service.registerNamespace({ namespace: 'brand\u0000' })).toThrow('must not contain a NUL');
    expect((await describe(closed.workflowId)).workflowExecutionInfo?.status).toBe(
      temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
    );
    expect(await (await complete('after')).result()).toBe('after+done');
  });

  if (storeKind === 'postgres') {
    test('a closed run stored before summaries were kept is listed as the others are', async () => {
      const handle = await complete('acme');
      await pushOut();
      const db = new pg.Client({ connectionString: options.persist!.url });
      await db.connect();
      try {
        await db.query(`UPDATE "${options.persist!.schema}".runs SET summary = NULL WHERE workflow_id = $1`, [
          handle.workflowId,
        ]);
      } finally {
        await db.end();
      }

      const listed = [];
      for await (const run of client.workflow.list({ query: `Brand = 'acme' AND WorkflowId = '${handle.workflowId}'` }))
        listed.push(run);
      expect(
        listed.map((run) => [run.historyLength, run.status.name, run.typedSearchAttributes.get(brandKey)]),
      ).toEqual([[(await handle.fetchHistory()).events!.length, 'COMPLETED', 'acme']]);
    });

    test('a restart brings back no closed run whole, yet lists them and reads their history', async () => {
      const handle = await complete('acme');
      const before = await handle.fetchHistory();
      const open = await client.workflow.start(tagged, {
        taskQueue: `nobody-${randomUUID()}`,
        args: ['open'],
        workflowId: `open-${randomUUID()}`,
      });
      await server.stop();
      server = await startDevServer({ ...options, port: server.port });

      expect(server.service.runsInMemory()).toEqual({ open: 1, closed: 0 });
      expect(await handle.fetchHistory()).toEqual(before);
      const listed = [];
      for await (const run of client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) listed.push(run);
      expect(listed.map((run) => run.status.name)).toEqual(['COMPLETED']);
      await open.terminate();
    });
  }
});
