/**
 * The server as a process and as a service: the executable's two command-line forms (the test
 * server's `<port>` and the CLI's `server start-dev ...` that `createLocal` passes), namespaces,
 * system info, and the errors a client sees for unknown workflows and unimplemented RPCs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { status as grpcStatus } from '@grpc/grpc-js';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { defineSearchAttributeKey, NamespaceNotFoundError, SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEVSERVER_EXECUTABLE } from '../src/testing';
import { collector, greetThrice, sleeper } from './fixtures/workflows';
import { finish } from './fixtures/messages';
import { eventsOfType, protoMs, replayFailures, startSuite, type DevServerSuite } from './helpers';

const NAMESPACE = 'socialops-ops';
const campaignKey = defineSearchAttributeKey('Campaign', SearchAttributeType.KEYWORD);

let suite: DevServerSuite;

beforeAll(async () => {
  suite = await startSuite({
    taskQueue: 'devserver-server',
    // The dev server's command line, exactly as the SDK builds it for `createLocal`.
    environment: () =>
      TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: DEVSERVER_EXECUTABLE },
          namespace: NAMESPACE,
          ip: '127.0.0.1',
          searchAttributes: [campaignKey],
        },
      }),
  });
});

afterAll(async () => {
  await suite?.stop();
});

/** The gRPC status a raw service call failed with. */
async function grpcFailure(call: Promise<unknown>): Promise<{ code?: number; details?: string }> {
  return call.then(
    () => ({}),
    (err: { code?: number; details?: string }) => ({ code: err.code, details: err.details }),
  );
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Servers this file spawned, so that a failing test cannot leave one running. */
const spawned: ChildProcess[] = [];

afterAll(() => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function run(args: string[]): { child: ChildProcess; firstLine: Promise<string>; exited: Promise<Exited> } {
  const child = spawn(DEVSERVER_EXECUTABLE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exited>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    void exited.then((result) => reject(new Error(`exited before it was ready: ${JSON.stringify(result)}`)));
  });
  // Only a test that waits for readiness cares that the server exited first.
  firstLine.catch(() => undefined);
  return { child, firstLine, exited };
}

describe('the executable', () => {
  test('`temporal-devserver <port>` prints one ready line, serves the SDK and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const server = run([String(port)]);

    expect(await server.firstLine).toContain(`127.0.0.1:${port}`);
    const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.capabilities).toBeTruthy();
      const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(described.namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
    server.child.kill('SIGTERM');

    const exited = await server.exited;
    expect(exited).toMatchObject({ code: 0, signal: null });
    expect(exited.stdout.trim().split('\n')).toHaveLength(1);
  });

  test('refuses a malformed command line with a message and a failing exit code', async () => {
    const exited = await run(['server', 'start-dev', '--port', 'not-a-port']).exited;

    expect(exited.code).not.toBe(0);
    expect(exited.stderr).toMatch(/port/);
  });

  test('refuses a --persist that is not a Postgres URL, and a schema without --persist', async () => {
    const notPostgres = await run(['server', 'start-dev', '--port', '0', '--persist', 'mysql://db/app']).exited;
    expect(notPostgres.code).toBe(2);
    expect(notPostgres.stderr).toMatch(/--persist expects a postgres:\/\/ URL/);
    const schemaAlone = await run(['server', 'start-dev', '--port', '0', '--persist-schema', 'mine']).exited;
    expect(schemaAlone.code).toBe(2);
    expect(schemaAlone.stderr).toMatch(/--persist-schema needs --persist/);
  });
});

describe('the start-dev form used by createLocal', () => {
  test('runs workflows and activities in the namespace it was given', async () => {
    expect(suite.env.namespace).toBe(NAMESPACE);
    const described = await suite.env.connection.workflowService.describeNamespace({ namespace: NAMESPACE });
    expect(described.namespaceInfo?.name).toBe(NAMESPACE);

    const handle = await suite.start(greetThrice, { workflowId: suite.uniqueId('start-dev'), args: ['ops'] });

    expect(await handle.result()).toBe('hello hello hello ops');
  });

  test('runs timers on the wall clock, without time skipping', async () => {
    expect(suite.env.supportsTimeSkipping).toBe(false);
    const handle = await suite.start(sleeper, { workflowId: suite.uniqueId('wall-clock'), args: ['1s'] });

    expect(await handle.result()).toBe('woke');

    const history = await handle.fetchHistory();
    const at = (type: string) => protoMs(eventsOfType(history, type)[0].eventTime);
    expect(at('TimerFired') - at('TimerStarted')).toBeGreaterThanOrEqual(1000);
    expect(at('TimerFired') - at('TimerStarted')).toBeLessThan(60_000);
  });

  test('registers the search attributes given on the command line, and only those', async () => {
    const { customAttributes } = await suite.env.connection.operatorService.listSearchAttributes({
      namespace: NAMESPACE,
    });
    expect(customAttributes?.Campaign).toBe(temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);

    const workflowId = suite.uniqueId('campaign-attribute');
    const handle = await suite.start(collector, {
      workflowId,
      typedSearchAttributes: [{ key: campaignKey, value: 'spring sale' }],
    });
    const listed: string[] = [];
    for await (const execution of suite.client.workflow.list({ query: `Campaign = 'spring sale'` }))
      listed.push(execution.workflowId);
    expect(listed).toEqual([workflowId]);

    const unregistered = defineSearchAttributeKey('Audience', SearchAttributeType.KEYWORD);
    const refused = await suite.client.workflow
      .start(collector, {
        taskQueue: suite.taskQueue,
        workflowId: suite.uniqueId('unregistered-attribute'),
        typedSearchAttributes: [{ key: unregistered, value: 'everyone' }],
      })
      .then(
        () => undefined,
        (err: { cause?: { code?: number; details?: string } }) => err.cause,
      );
    expect(refused?.code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(refused?.details).toMatch(/Audience/);

    await handle.signal(finish);
    await handle.result();
  });
});

describe('task queues', () => {
  test("describing a task queue lists the workers polling it, by kind, and not another queue's", async () => {
    const describe = (name: string, kind: 'WORKFLOW' | 'ACTIVITY') =>
      suite.client.workflowService.describeTaskQueue({
        namespace: NAMESPACE,
        taskQueue: { name },
        taskQueueType: temporal.api.enums.v1.TaskQueueType[`TASK_QUEUE_TYPE_${kind}`],
      });
    const started = Date.now();
    for (const kind of ['WORKFLOW', 'ACTIVITY'] as const) {
      const { pollers } = await describe(suite.taskQueue, kind);
      expect(pollers?.length).toBeGreaterThan(0);
      expect(pollers?.[0].identity).toEqual(expect.any(String));
      expect(protoMs(pollers?.[0].lastAccessTime)).toBeGreaterThan(started - 60_000);
    }
    expect((await describe('nobody-polls-this-queue', 'WORKFLOW')).pollers).toEqual([]);
  });
});

describe('namespaces', () => {
  test('a registered namespace can be described, and registering it again is refused', async () => {
    const namespace = suite.uniqueId('brand-namespace');
    await suite.env.connection.workflowService.registerNamespace({ namespace, description: 'a brand of its own' });

    const described = await suite.env.connection.workflowService.describeNamespace({ namespace });
    expect(described.namespaceInfo?.name).toBe(namespace);
    expect(described.namespaceInfo?.description).toBe('a brand of its own');
    expect((await grpcFailure(suite.env.connection.workflowService.registerNamespace({ namespace }))).code).toBe(
      grpcStatus.ALREADY_EXISTS,
    );
  });

  test('workflows of one namespace are invisible from another', async () => {
    const namespace = suite.uniqueId('isolated-namespace');
    await suite.env.connection.workflowService.registerNamespace({ namespace });
    const isolated = new Client({ connection: suite.env.connection, namespace });
    const workflowId = suite.uniqueId('isolated');

    await isolated.workflow.start(collector, { taskQueue: 'nobody-polls-here', workflowId });

    expect((await isolated.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    await expect(suite.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect((await suite.client.workflow.count(`WorkflowId = '${workflowId}'`)).count).toBe(0);
    expect((await isolated.workflow.count(`WorkflowId = '${workflowId}'`)).count).toBe(1);
    await isolated.workflow.getHandle(workflowId).terminate();
  });

  test('calls in a namespace that does not exist fail with NamespaceNotFoundError', async () => {
    const elsewhere = new Client({ connection: suite.env.connection, namespace: 'no-such-namespace' });

    await expect(elsewhere.workflow.getHandle('anything').describe()).rejects.toBeInstanceOf(NamespaceNotFoundError);
  });
});

describe('errors', () => {
  test('an unknown workflow is WorkflowNotFoundError for describe, signal, result and terminate', async () => {
    const handle = suite.client.workflow.getHandle(suite.uniqueId('never-started'));

    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.signal(finish)).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.terminate()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  test('an RPC the server does not implement is UNIMPLEMENTED and names the method', async () => {
    const failure = await grpcFailure(
      suite.client.workflowService.startBatchOperation({
        namespace: NAMESPACE,
        jobId: 'close-everything',
        visibilityQuery: "ExecutionStatus = 'Running'",
        reason: 'tidy up',
      }),
    );

    expect(failure.code).toBe(grpcStatus.UNIMPLEMENTED);
    expect(failure.details).toMatch(/StartBatchOperation/);
  });

  test('system info advertises only what the server implements', async () => {
    const { capabilities } = await suite.client.workflowService.getSystemInfo({});

    // Advertised and implemented (each is exercised elsewhere in this suite).
    expect(capabilities).toMatchObject({
      upsertMemo: true,
      countGroupByExecutionStatus: true,
      sdkMetadata: true,
      supportsSchedules: true,
    });
    // Not implemented, so not advertised, and the RPCs behind them say so.
    expect(capabilities?.buildIdBasedVersioning).toBeFalsy();
    expect(capabilities?.nexus).toBeFalsy();
    const versioning = await grpcFailure(
      suite.client.workflowService.updateWorkerBuildIdCompatibility({
        namespace: NAMESPACE,
        taskQueue: suite.taskQueue,
        addNewBuildIdInNewDefaultSet: 'v2',
      }),
    );
    expect(versioning.code).toBe(grpcStatus.UNIMPLEMENTED);
    expect(versioning.details).toMatch(/UpdateWorkerBuildIdCompatibility/);
  });
});

test('every history this file produced replays without a determinism error', async () => {
  expect(await replayFailures(suite)).toEqual([]);
});
