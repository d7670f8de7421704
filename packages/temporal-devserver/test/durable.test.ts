/**
 * The Postgres store: a run carries on across a restart of the server (stopped, or killed with
 * SIGKILL), a timer that came due meanwhile fires on start, histories have no gap or duplicate
 * and replay; and while Postgres is unreachable RPCs fail with UNAVAILABLE, nothing half-written
 * survives, and the server resumes once Postgres is back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { status } from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { startDevServer, type DevServer, type DevServerOptions } from '../src/server';
import { DEVSERVER_EXECUTABLE } from '../src/testing';
import { approvalAcrossRestart, approve, oneLongStep, release, stepsAcrossRestart } from './fixtures/durableWorkflows';
import { eventTypes, eventually, protoMs, runUntilCleanup, type HistoryEvent } from './helpers';
import { query, scratchSchema } from './postgres';

jest.setTimeout(120_000);

const quietLogger = new DefaultLogger('ERROR');
let workflowBundle: WorkflowBundle;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  Runtime.install({ logger: quietLogger });
  workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./fixtures/durableWorkflows'),
    logger: quietLogger,
  });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A worker whose `step` activity is `step`, and a client, on `address`. */
async function workerWithStep(address: string, taskQueue: string, step: (name: string) => Promise<string>) {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle,
    activities: { step },
    shutdownGraceTime: '1s',
  });
  cleanups.push(runUntilCleanup(worker, nativeConnection, connection));
  return { client, worker };
}

/** A worker and a client on `address`; the worker's `step` activity takes `slowMs` for step b's first attempt. */
function workerAndClient(address: string, taskQueue: string, slowMs = 0) {
  let slowed = false;
  return workerWithStep(address, taskQueue, async (name) => {
    if (name === 'b' && slowMs && !slowed) {
      slowed = true;
      await new Promise((resolve) => setTimeout(resolve, slowMs));
    }
    return name;
  });
}

/** Event ids run 1..n without a gap or a repeat. */
function expectNoGap(events: HistoryEvent[]): void {
  expect(events.map((e) => Number(e.eventId))).toEqual(events.map((_e, i) => i + 1));
}

async function historyOf(client: Client, workflowId: string) {
  return client.workflow.getHandle(workflowId).fetchHistory();
}

test('a run carries on across a restart: a timer due while down fires on start, the history is whole and replays', async () => {
  const store = await scratchSchema('restart');
  cleanups.push(store.drop);
  const persist = { url: store.url, schema: store.schema };
  let server: DevServer = await startDevServer({ persist });
  const port = server.port;
  cleanups.push(() => server.stop());
  const taskQueue = `restart-${randomUUID()}`;
  const { client } = await workerAndClient(server.address, taskQueue);
  const workflowId = `restart-${randomUUID()}`;
  const handle = await client.workflow.start(stepsAcrossRestart, { taskQueue, workflowId, args: [1500] });
  await eventually('the timer starts', async () => eventTypes(await handle.fetchHistory()).includes('TimerStarted'));

  await server.stop();
  // The 1.5 s timer comes due while the server is down.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const restartedAt = Date.now();
  server = await startDevServer({ port, persist });

  const fired = await eventually('the timer fires', async () =>
    (await handle.fetchHistory()).events?.find((e) => e.timerFiredEventAttributes),
  );
  expect(protoMs(fired.eventTime)).toBeGreaterThanOrEqual(restartedAt - 1);
  await handle.signal(release);
  expect(await handle.result()).toEqual(['a', 'b', 'c']);

  const history = await historyOf(client, workflowId);
  expectNoGap(history.events ?? []);
  expect(eventTypes(history).filter((t) => t === 'TimerFired')).toHaveLength(1);
  expect(eventTypes(history).filter((t) => t === 'ActivityTaskCompleted')).toHaveLength(3);
  await Worker.runReplayHistory({ workflowBundle, replayName: 'restart' }, history, workflowId);

  // Visibility answers as before for the closed run, and the namespace is still there.
  const listed = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) listed.push(run);
  expect(listed.map((r) => r.status.name)).toEqual(['COMPLETED']);
});

function startServerProcess(port: number, persist: { url: string; schema: string }): Promise<ChildProcess> {
  const child = spawn(
    DEVSERVER_EXECUTABLE,
    ['server', 'start-dev', '--port', String(port), '--persist', persist.url, '--persist-schema', persist.schema],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('keeping its data in')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${out}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('a run carries on after the server process is killed with SIGKILL while an activity runs', async () => {
  const store = await scratchSchema('sigkill');
  cleanups.push(store.drop);
  const persist = { url: store.url, schema: store.schema };
  const port = await freePort();
  let child = await startServerProcess(port, persist);
  cleanups.push(() => kill(child));
  const taskQueue = `sigkill-${randomUUID()}`;
  const { client } = await workerAndClient(`127.0.0.1:${port}`, taskQueue, 1500);
  const workflowId = `sigkill-${randomUUID()}`;
  const handle = await client.workflow.start(stepsAcrossRestart, { taskQueue, workflowId, args: [300] });
  // Step b is running on the worker (the timer has fired and b is scheduled) when the server dies.
  await eventually(
    'step b is scheduled',
    async () => eventTypes(await handle.fetchHistory()).filter((t) => t === 'ActivityTaskScheduled').length === 2,
  );
  await kill(child);
  child = await startServerProcess(port, persist);

  await eventually(
    'step b completes',
    async () => eventTypes(await handle.fetchHistory()).filter((t) => t === 'ActivityTaskCompleted').length === 2,
  );
  await kill(child);
  child = await startServerProcess(port, persist);
  await handle.signal(release);
  expect(await handle.result()).toEqual(['a', 'b', 'c']);

  const history = await historyOf(client, workflowId);
  expectNoGap(history.events ?? []);
  expect(eventTypes(history).filter((t) => t === 'TimerFired')).toHaveLength(1);
  expect(eventTypes(history).filter((t) => t === 'WorkflowExecutionSignaled')).toHaveLength(1);
  await Worker.runReplayHistory({ workflowBundle, replayName: 'sigkill' }, history, workflowId);
});

test('a server whose workers stop with it retries an activity that was running at once on start', async () => {
  const store = await scratchSchema('workers_gone');
  cleanups.push(store.drop);
  const persist = { url: store.url, schema: store.schema };
  let server: DevServer = await startDevServer({ persist, workersStopWithServer: true });
  const port = server.port;
  cleanups.push(() => server.stop());
  const taskQueue = `workers-gone-${randomUUID()}`;
  let calls = 0;
  let answerFirst = (): void => undefined;
  // The first attempt answers only when the test ends, as one whose process died with the server.
  const { client } = await workerWithStep(server.address, taskQueue, async (name) => {
    if (++calls === 1) await new Promise<void>((resolve) => (answerFirst = resolve));
    return name;
  });
  cleanups.push(async () => answerFirst());
  const workflowId = `workers-gone-${randomUUID()}`;
  const handle = await client.workflow.start(oneLongStep, { taskQueue, workflowId, args: ['a'] });
  await eventually('the first attempt runs', () => calls === 1);

  await server.stop();
  server = await startDevServer({ port, persist, workersStopWithServer: true });

  // Its start-to-close timeout is ten minutes away: the retry comes from the restart alone.
  await eventually('the step is retried', () => calls === 2);
  expect(await handle.result()).toBe('a');
  const history = await historyOf(client, workflowId);
  expectNoGap(history.events ?? []);
  const started = history.events?.find((e) => e.activityTaskStartedEventAttributes);
  expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
  expect(started?.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(
    temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
  );
  await Worker.runReplayHistory({ workflowBundle, replayName: 'workers-gone' }, history, workflowId);
});

/** A server process on a scratch schema that the test kills with SIGKILL and starts again. */
async function killableServer(label: string) {
  const store = await scratchSchema(label);
  cleanups.push(store.drop);
  const persist = { url: store.url, schema: store.schema };
  const port = await freePort();
  let child = await startServerProcess(port, persist);
  cleanups.push(() => kill(child));
  return {
    address: `127.0.0.1:${port}`,
    async killAndRestart(): Promise<void> {
      await kill(child);
      child = await startServerProcess(port, persist);
    },
  };
}

test('an update accepted before a SIGKILL is completed after the restart, and its retry gets the outcome', async () => {
  const server = await killableServer('update_accepted');
  const taskQueue = `update-accepted-${randomUUID()}`;
  const { client, worker } = await workerAndClient(server.address, taskQueue);
  const workflowId = `update-accepted-${randomUUID()}`;
  const handle = await client.workflow.start(approvalAcrossRestart, { taskQueue, workflowId });
  const updateId = `approve-${randomUUID()}`;
  await handle.startUpdate(approve, { updateId, args: ['ann'], waitForStage: 'ACCEPTED' });
  // The worker goes with the server, as in one process: the next one replays the run from history.
  worker.shutdown();
  await server.killAndRestart();
  await workerAndClient(server.address, taskQueue);

  // The retry with the same id attaches to the accepted update, which the workflow completes.
  const retried = handle.executeUpdate(approve, { updateId, args: ['ann'] });
  await handle.signal(release);
  expect(await retried).toBe('approved by ann');
  expect(await handle.result()).toBe('approved by ann');
  const history = await historyOf(client, workflowId);
  expect(eventTypes(history).filter((t) => t === 'WorkflowExecutionUpdateAccepted')).toHaveLength(1);
  expect(eventTypes(history).filter((t) => t === 'WorkflowExecutionUpdateCompleted')).toHaveLength(1);
  await Worker.runReplayHistory({ workflowBundle, replayName: 'update-accepted' }, history, workflowId);
});

test('an update admitted but not accepted before a SIGKILL is delivered anew when retried with its id', async () => {
  const server = await killableServer('update_admitted');
  const { address } = server;
  const taskQueue = `update-admitted-${randomUUID()}`;
  const connection = await Connection.connect({ address });
  cleanups.push(() => connection.close());
  const client = new Client({ connection });
  const workflowId = `update-admitted-${randomUUID()}`;
  // No worker yet: the update is admitted and waits for a workflow task.
  const handle = await client.workflow.start(approvalAcrossRestart, { taskQueue, workflowId });
  const updateId = `approve-${randomUUID()}`;
  await expect(
    connection.withDeadline(Date.now() + 1000, () => handle.executeUpdate(approve, { updateId, args: ['bob'] })),
  ).rejects.toThrow();
  await server.killAndRestart();

  await workerAndClient(address, taskQueue);
  const retried = handle.executeUpdate(approve, { updateId, args: ['bob'] });
  await handle.signal(release);
  expect(await retried).toBe('approved by bob');
  expect(await handle.result()).toBe('approved by bob');
  const history = await historyOf(client, workflowId);
  expect(eventTypes(history).filter((t) => t === 'WorkflowExecutionUpdateAccepted')).toHaveLength(1);
  await Worker.runReplayHistory({ workflowBundle, replayName: 'update-admitted' }, history, workflowId);
});

/** A TCP proxy to Postgres that can be cut (every connection dropped, new ones refused) and restored. */
async function postgresProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((socket) => {
    if (cut) return socket.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [socket, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        socket.destroy();
        upstream.destroy();
      });
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target.toString());
  url.host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url: url.toString(),
    cut: () => {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      cut = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('while Postgres is unreachable RPCs fail with UNAVAILABLE, nothing is half-written, and the server resumes', async () => {
  const store = await scratchSchema('outage');
  cleanups.push(store.drop);
  const proxy = await postgresProxy(new URL(store.url));
  cleanups.push(proxy.close);
  const server = await startDevServer({ persist: { url: proxy.url, schema: store.schema }, closedRunsKept: 0 });
  cleanups.push(() => server.stop());
  const taskQueue = `outage-${randomUUID()}`;
  const { client } = await workerAndClient(server.address, taskQueue);
  // No retries: the test sees each answer as it is.
  const bare = await Connection.connect({ address: server.address, interceptors: [] });
  cleanups.push(() => bare.close());
  const bareClient = new Client({ connection: bare });

  const before = await client.workflow.start(stepsAcrossRestart, {
    taskQueue,
    workflowId: `before-${randomUUID()}`,
    args: [100],
  });
  await eventually(
    'the first run waits for its signal',
    async () => eventTypes(await before.fetchHistory()).filter((t) => t === 'ActivityTaskCompleted').length === 2,
  );

  // A closed run the store alone knows of: reading it needs Postgres.
  const closed = await client.workflow.start(stepsAcrossRestart, {
    taskQueue,
    workflowId: `closed-${randomUUID()}`,
    args: [100],
  });
  await closed.terminate('closed for the test');
  await eventually('the closed run has left memory', async () => {
    server.service.releaseClosedRuns();
    return server.service.runsInMemory().closed === 0;
  });

  proxy.cut();
  await expect(bareClient.workflow.getHandle(closed.workflowId).describe()).rejects.toMatchObject({
    cause: { code: status.UNAVAILABLE },
  });
  await expect(bare.workflowService.listWorkflowExecutions({ namespace: 'default' })).rejects.toMatchObject({
    code: status.UNAVAILABLE,
  });
  const during = `during-${randomUUID()}`;
  await expect(
    bareClient.workflow.start(stepsAcrossRestart, { taskQueue, workflowId: during, args: [100] }),
  ).rejects.toMatchObject({ cause: { code: status.UNAVAILABLE } });
  await expect(bareClient.workflow.getHandle(before.workflowId).signal(release)).rejects.toMatchObject({
    cause: { code: status.UNAVAILABLE },
  });

  proxy.restore();
  // Back: the run that started before carries on; the start that failed left nothing behind.
  await eventually('the server answers again', () =>
    bareClient.workflow
      .getHandle(before.workflowId)
      .describe()
      .then(
        () => true,
        () => false,
      ),
  );
  await expect(bareClient.workflow.getHandle(during).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  const rows = await query<{ n: string }>(`SELECT count(*) AS n FROM "${store.schema}".runs WHERE workflow_id = $1`, [
    during,
  ]);
  expect(Number(rows[0].n)).toBe(0);
  expect((await closed.describe()).status.name).toBe('TERMINATED');
  await before.signal(release);
  expect(await before.result()).toEqual(['a', 'b', 'c']);
  const history = await before.fetchHistory();
  expectNoGap(history.events ?? []);
  expect(eventTypes(history).filter((t) => t === 'WorkflowExecutionSignaled')).toHaveLength(1);
  await Worker.runReplayHistory({ workflowBundle, replayName: 'outage' }, history, before.workflowId);
});

/**
 * A server on a scratch schema of its own and a client connection that outlives its restarts:
 * `restart` stops it and starts it again on the same port and store, with `options` added.
 */
async function restartableServer(label: string, options: DevServerOptions = {}) {
  const store = await scratchSchema(label);
  cleanups.push(store.drop);
  const persist = { url: store.url, schema: store.schema };
  let server = await startDevServer({ ...options, persist });
  const port = server.port;
  cleanups.push(() => server.stop());
  const connection = await Connection.connect({ address: server.address });
  cleanups.push(() => connection.close());
  return {
    connection,
    store,
    restart: async (again: DevServerOptions = {}) => {
      await server.stop();
      server = await startDevServer({ ...again, port, persist });
    },
  };
}

test("a closed run and its history are deleted after the namespace's retention, from memory and the store, for good", async () => {
  const { connection, store, restart } = await restartableServer('retention');
  const namespace = `short-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('2 seconds'),
  });
  const client = new Client({ connection, namespace });
  const start = (workflowId: string) =>
    client.workflow.start(stepsAcrossRestart, { taskQueue: 'nobody-polls', workflowId, args: [0] });
  const closed = await start(`closed-${randomUUID()}`);
  const open = await start(`open-${randomUUID()}`);
  await closed.terminate('done with it');
  const rowsOf = async (runId: string) =>
    Number(
      (await query<{ n: string }>(`SELECT count(*) AS n FROM "${store.schema}".events WHERE run_id = $1`, [runId]))[0]
        .n,
    );
  expect(await rowsOf(closed.firstExecutionRunId)).toBeGreaterThan(0);

  // The namespace and its retention survive a restart; the closed run is still there until it expires.
  await restart();
  expect((await closed.describe()).status.name).toBe('TERMINATED');

  await eventually('the closed run is deleted', () =>
    closed.describe().then(
      () => false,
      (err: unknown) => err instanceof WorkflowNotFoundError,
    ),
  );
  expect(await rowsOf(closed.firstExecutionRunId)).toBe(0);
  expect((await open.describe()).status.name).toBe('RUNNING');
  await restart();
  await expect(closed.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  expect((await open.describe()).status.name).toBe('RUNNING');
});

test('a retention period changed by UpdateNamespace or at start applies to runs already closed and survives restarts', async () => {
  const { connection, restart } = await restartableServer('retention_update');
  const namespace = `kept-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({ namespace });
  const retentionOf = async (name: string) =>
    protoMs(
      (await connection.workflowService.describeNamespace({ namespace: name })).config?.workflowExecutionRetentionTtl,
    );
  expect(await retentionOf(namespace)).toBe(86_400_000);
  const client = new Client({ connection, namespace });
  const closed = await client.workflow.start(stepsAcrossRestart, {
    taskQueue: 'nobody-polls',
    workflowId: `closed-${randomUUID()}`,
    args: [0],
  });
  await closed.terminate('done with it');

  // A negative or zero period is refused and changes nothing.
  for (const ttl of [msToTs(-5_000), msToTs(0)])
    await expect(
      connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: ttl } }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  expect(await retentionOf(namespace)).toBe(86_400_000);

  const updated = await connection.workflowService.updateNamespace({
    namespace,
    updateInfo: { description: 'short-lived' },
    config: { workflowExecutionRetentionTtl: msToTs('2 seconds') },
  });
  expect(protoMs(updated.config?.workflowExecutionRetentionTtl)).toBe(2_000);
  expect(updated.namespaceInfo?.description).toBe('short-lived');
  // Closed under a one-day period, the run goes once the new one has passed.
  await eventually('the run closed before the change is deleted', () =>
    closed.describe().then(
      () => false,
      (err: unknown) => err instanceof WorkflowNotFoundError,
    ),
  );

  await restart();
  expect(await retentionOf(namespace)).toBe(2_000);
  expect((await connection.workflowService.describeNamespace({ namespace })).namespaceInfo?.description).toBe(
    'short-lived',
  );

  // Given at start, a period replaces the kept one for the namespaces the server registers.
  await restart({ namespaces: [namespace], namespaceRetentionMs: 3 * 86_400_000 });
  expect(await retentionOf(namespace)).toBe(3 * 86_400_000);
  expect(await retentionOf('default')).toBe(3 * 86_400_000);
});

test('namespaces keep their id and search attributes across restarts', async () => {
  const { connection, restart } = await restartableServer('namespaces', { searchAttributes: { PostStage: 'Keyword' } });
  const describe = async () => {
    const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'default' });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return { id: namespaceInfo?.id, attributes: Object.keys(customAttributes ?? {}).sort() };
  };
  await connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: { Reviewer: 1 /* INDEXED_VALUE_TYPE_TEXT */ },
  });
  const before = await describe();
  expect(before.attributes).toEqual(['PostStage', 'Reviewer']);
  await restart({ searchAttributes: { PostStage: 'Keyword' } });
  expect(await describe()).toEqual(before);
  await restart();
  expect(await describe()).toEqual(before);
});
