/**
 * Temporal UI's HTTP API on the offline server, against real runs: a worker runs the fixture
 * workflows through the SDK and the tests read and act on them over HTTP as the UI does (list
 * with a query, describe, history pages and long polls, the history.json download, queries,
 * signals, cancel and terminate), then the errors, settings and the static UI.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ServerContext } from '../src/context';
import { protoType } from '../src/protos';
import { createUiHttpHandler } from '../src/ui/gateway';
import { startDevServer, type DevServer } from '../src/server';
import { DEVSERVER_EXECUTABLE } from '../src/testing';
import { addItem } from './fixtures/messages';
import { cleanupOnCancel, collector, labelled, quick } from './fixtures/workflows';
import { eventually, startSuite, type DevServerSuite } from './helpers';

let devServer: DevServer;
let suite: DevServerSuite;
let assetsDir: string;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devserver-ui-'));
  writeFileSync(path.join(dir, 'secret.txt'), 'not for the browser');
  assetsDir = path.join(dir, 'build');
  mkdirSync(path.join(assetsDir, '_app', 'immutable'), { recursive: true });
  writeFileSync(path.join(assetsDir, 'index.html'), '<!doctype html><title>Temporal UI</title><div id="app"></div>');
  writeFileSync(path.join(assetsDir, '_app', 'immutable', 'entry.abc123.js'), 'export const ui = 1;');
  writeFileSync(path.join(assetsDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  suite = await startSuite({
    taskQueue: 'devserver-ui',
    environment: async () => {
      devServer = await startDevServer({
        ui: { port: 0, assetsDir },
        searchAttributes: { Brand: 'Keyword', Priority: 'Int' },
      });
      return TestWorkflowEnvironment.createFromExistingServer({ address: devServer.address });
    },
  });
});

afterAll(async () => {
  await suite?.stop();
  await devServer?.stop();
});

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

async function api(pathAndQuery: string, init?: RequestInit): Promise<Answer> {
  const res = await fetch(`${devServer.uiUrl}${pathAndQuery}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
}

const post = (pathAndQuery: string, body: unknown): Promise<Answer> =>
  api(pathAndQuery, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

const workflowPath = (workflowId: string): string =>
  `/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;

const jsonPayload = (value: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(value)).toString('base64'),
});

const payloadValue = (payload: { data: string }): unknown =>
  JSON.parse(Buffer.from(payload.data, 'base64').toString()) as unknown;

/**
 * A history as the SDK's `historyToJSON` writes it. It is done here with the codec of the
 * protobufjs copy behind @temporalio/proto, because the SDK's own call trips over a second copy
 * of protobufjs installed under @temporalio/common ("type must be a Type").
 */
function sdkHistoryJson(history: temporal.api.history.v1.IHistory): unknown {
  const protojson = createRequire(require.resolve('@temporalio/proto/protos/json-module.js'))(
    'protobufjs/ext/protojson',
  ) as { toJson(type: unknown, message: unknown): unknown };
  return protojson.toJson(
    protoType('temporal.api.history.v1.History'),
    temporal.api.history.v1.History.fromObject(history),
  );
}

/** A long poll's query for the event after the last one of a run whose first workflow task is done. */
async function pollAfterLastEvent(handle: WorkflowHandle, runId: string): Promise<URLSearchParams> {
  await eventually('the first workflow task completes', async () =>
    (await handle.fetchHistory()).events!.some((e) => e.workflowTaskCompletedEventAttributes),
  );
  const { events } = await allPages(handle.workflowId, runId);
  return new URLSearchParams({
    'execution.runId': runId,
    waitNewEvent: 'true',
    nextPageToken: Buffer.from(JSON.stringify({ from: events.length + 1 })).toString('base64'),
  });
}

function waitersOn(workflowId: string, runId: string): number {
  const server = (devServer.service as unknown as { server: ServerContext }).server;
  const run = server.runs.byRunId('default', runId);
  if (run?.workflowId !== workflowId) throw new Error(`run ${runId} of ${workflowId} is not in memory`);
  return run.waiters;
}

/** Every page of a run's history over HTTP, and the token to wait for the next event with. */
async function allPages(
  workflowId: string,
  runId: string,
): Promise<{ events: Array<{ eventId: string }>; token?: string }> {
  const events: Array<{ eventId: string }> = [];
  let token: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ 'execution.runId': runId, maximumPageSize: '2', waitNewEvent: 'false' });
    if (token) query.set('nextPageToken', token);
    const page = await api(`${workflowPath(workflowId)}/history?${query.toString()}`);
    expect(page.status).toBe(200);
    events.push(...((page.body.history?.events ?? []) as Array<{ eventId: string }>));
    token = page.body.nextPageToken as string | undefined;
    if (!token) return { events };
  }
}

describe('reading runs over HTTP', () => {
  it('lists runs matching a query on the workflow type and a custom search attribute', async () => {
    const brand = suite.uniqueId('brand');
    const held = await suite.start(labelled, {
      workflowId: suite.uniqueId('held'),
      args: [{ brand, priority: 1, hold: true }],
    });
    await suite.start(labelled, {
      workflowId: suite.uniqueId('other'),
      args: [{ brand: `${brand}-x`, priority: 1, hold: false }],
    });
    await (await suite.start(quick, { workflowId: suite.uniqueId('quick'), args: ['x'] })).result();
    const query = encodeURIComponent(`WorkflowType="labelled" AND Brand="${brand}"`);
    const listed = await eventually('the held run is listed with its brand', async () => {
      const answer = await api(`/api/v1/namespaces/default/workflows?query=${query}`);
      return answer.body.executions?.length ? answer : undefined;
    });
    expect(listed.status).toBe(200);
    expect(listed.body.executions).toHaveLength(1);
    const [execution] = listed.body.executions;
    expect(execution.execution).toEqual({ workflowId: held.workflowId, runId: held.firstExecutionRunId });
    expect(execution.type).toEqual({ name: 'labelled' });
    expect(execution.status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
    expect(payloadValue(execution.searchAttributes.indexedFields.Brand)).toEqual([brand]);
    // A parameter that names no field (a cache buster) is ignored, as grpc-gateway does.
    const count = await api(`/api/v1/namespaces/default/workflow-count?query=${query}&_=1767225600000`);
    expect(count.body.count).toBe('1');
  });

  it('describes a run with its status, times and history length', async () => {
    const handle = await suite.start(quick, { workflowId: suite.uniqueId('described'), args: ['hello'] });
    await handle.result();
    const described = await api(`${workflowPath(handle.workflowId)}?execution.runId=${handle.firstExecutionRunId}`);
    expect(described.status).toBe(200);
    const info = described.body.workflowExecutionInfo;
    expect(info.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
    expect(info.historyLength).toBe(String((await handle.fetchHistory()).events!.length));
    expect(Date.parse(info.closeTime as string)).toBeGreaterThanOrEqual(Date.parse(info.startTime as string));
  });

  it('pages through a history in order, and downloads the whole of it as the SDK reads it', async () => {
    const handle = await suite.start(quick, { workflowId: suite.uniqueId('paged'), args: ['pages'] });
    await handle.result();
    const sdkHistory = await handle.fetchHistory();
    const { events } = await allPages(handle.workflowId, handle.firstExecutionRunId);
    expect(events.map((event) => event.eventId)).toEqual(sdkHistory.events!.map((event) => String(event.eventId)));

    const download = await api(`${workflowPath(handle.workflowId)}/run/${handle.firstExecutionRunId}/history.json`);
    expect(download.status).toBe(200);
    expect(download.body).toEqual(sdkHistoryJson(sdkHistory));
    const started = download.body.events[0].workflowExecutionStartedEventAttributes;
    expect(payloadValue(started.input.payloads[0])).toBe('pages');
  });
});

describe('acting on runs over HTTP', () => {
  it('answers a query and delivers signals', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('queried') });
    await handle.signal(addItem, 'apple');
    const signalled = await post(`${workflowPath(handle.workflowId)}/signal/addItem`, {
      workflowExecution: { runId: handle.firstExecutionRunId },
      input: { payloads: [jsonPayload('pear')] },
    });
    expect(signalled.status).toBe(200);
    const queried = await post(`${workflowPath(handle.workflowId)}/query/items`, {
      execution: { runId: handle.firstExecutionRunId },
    });
    expect(queried.status).toBe(200);
    expect(payloadValue(queried.body.queryResult.payloads[0])).toEqual(['apple', 'pear']);
    expect((await post(`${workflowPath(handle.workflowId)}/signal/finish`, {})).status).toBe(200);
    expect(await handle.result()).toEqual(['apple', 'pear']);
  });

  it('terminates and cancels runs', async () => {
    const terminated = await suite.start(collector, { workflowId: suite.uniqueId('terminated') });
    const answer = await post(`${workflowPath(terminated.workflowId)}/terminate`, { reason: 'stopped from the UI' });
    expect(answer.status).toBe(200);
    expect((await terminated.describe()).status.name).toBe('TERMINATED');

    const cancelled = await suite.start(cleanupOnCancel, { workflowId: suite.uniqueId('cancelled') });
    expect((await post(`${workflowPath(cancelled.workflowId)}/cancel`, {})).status).toBe(200);
    await expect(cancelled.result()).rejects.toThrow();
    expect((await cancelled.describe()).status.name).toBe('CANCELLED');
  });

  it('answers a long poll on history when the next event arrives', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('polled') });
    const runId = handle.firstExecutionRunId;
    const query = await pollAfterLastEvent(handle, runId);
    const poll = api(`${workflowPath(handle.workflowId)}/history?${query.toString()}`);
    await eventually('the poll waits', () => waitersOn(handle.workflowId, runId) > 0);
    await handle.signal(addItem, 'late');
    const answer = await poll;
    expect(answer.status).toBe(200);
    expect(answer.body.history.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    await handle.terminate();
  });

  it('drops a long poll whose client goes away', async () => {
    const handle = await suite.start(collector, { workflowId: suite.uniqueId('abandoned') });
    const runId = handle.firstExecutionRunId;
    const query = await pollAfterLastEvent(handle, runId);
    const controller = new AbortController();
    const poll = fetch(`${devServer.uiUrl}${workflowPath(handle.workflowId)}/history?${query.toString()}`, {
      signal: controller.signal,
    });
    await eventually('the poll waits', () => waitersOn(handle.workflowId, runId) > 0);
    controller.abort();
    await expect(poll).rejects.toThrow();
    await eventually('the poll stops waiting', () => waitersOn(handle.workflowId, runId) === 0);
    await handle.terminate();
  });
});

describe('errors', () => {
  it('maps gRPC codes to HTTP statuses with a {code, message, details} body', async () => {
    const missing = await api(`${workflowPath('no-such-workflow')}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 5, message: expect.stringContaining('no-such-workflow') });
    expect(Array.isArray(missing.body.details)).toBe(true);

    const running = await suite.start(collector, { workflowId: suite.uniqueId('twice') });
    const again = await post(workflowPath(running.workflowId), {
      workflowType: { name: 'collector' },
      taskQueue: { name: suite.taskQueue },
      requestId: 'another-request',
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe(6);

    const badQuery = await post(`${workflowPath(running.workflowId)}/query/noSuchQuery`, {});
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.code).toBe(3);

    const reset = await post(`${workflowPath(running.workflowId)}/reset`, {});
    expect(reset.status).toBe(501);
    expect(reset.body.code).toBe(12);
    await running.terminate();
  });

  it('refuses malformed requests with the reason', async () => {
    const badJson = await api(`${workflowPath('x')}/terminate`, { method: 'POST', body: '{"reason": ' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.message).toMatch(/^malformed JSON body/);

    const notObject = await post(`${workflowPath('x')}/terminate`, ['reason']);
    expect(notObject.status).toBe(400);

    const badBool = await api(`${workflowPath('x')}/history?waitNewEvent=maybe`);
    expect(badBool).toMatchObject({ status: 400, body: { code: 3, message: expect.stringContaining('waitNewEvent') } });

    const badToken = await api(`${workflowPath('x')}/history?nextPageToken=${Buffer.from('nope').toString('base64')}`);
    expect(badToken.status).toBe(404);

    const huge = await api(`${workflowPath('x')}/signal/s`, { method: 'POST', body: 'x'.repeat(5 * 1024 * 1024) });
    expect(huge.status).toBe(413);

    const unknown = await api('/api/v1/nothing/here');
    expect(unknown).toMatchObject({ status: 404, body: { code: 5, details: [] } });

    const wrongMethod = await api('/api/v1/namespaces/default/workflows', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
  });

  it('refuses a history page token the server did not write', async () => {
    const handle = await suite.start(quick, { workflowId: suite.uniqueId('token'), args: ['t'] });
    await handle.result();
    const forged = Buffer.from('{"from":"x"}').toString('base64');
    const answer = await api(`${workflowPath(handle.workflowId)}/history?nextPageToken=${forged}`);
    expect(answer).toMatchObject({ status: 400, body: { code: 3, message: 'invalid history page token' } });
  });
});

describe('settings and the UI itself', () => {
  it('answers the settings in the ui-server shape, with the actions the server lacks switched off', async () => {
    const { status, body } = await api('/api/v1/settings');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      Auth: { Enabled: false, Options: [] },
      DefaultNamespace: 'default',
      Codec: { Endpoint: '', PassAccessToken: false, IncludeCredentials: false },
      DisableWriteActions: false,
      WorkflowTerminateDisabled: false,
      WorkflowCancelDisabled: false,
      WorkflowSignalDisabled: false,
      WorkflowResetDisabled: true,
      BatchActionsDisabled: true,
    });
    expect(typeof body.Version).toBe('string');
  });

  it('serves the built UI with a single-page fallback and long caching for hashed assets', async () => {
    const page = await fetch(`${devServer.uiUrl}/namespaces/default/workflows/post%3A1/abc/history`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>Temporal UI</title>');

    const asset = await fetch(`${devServer.uiUrl}/_app/immutable/entry.abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${devServer.uiUrl}/favicon.svg`)).headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect((await fetch(`${devServer.uiUrl}/_app/immutable/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside the UI directory', async () => {
    for (const attempt of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/_app/..%2f..%2fsecret.txt']) {
      const { port } = new URL(devServer.uiUrl!);
      const req = httpRequest({ host: '127.0.0.1', port, path: attempt });
      req.end();
      const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
      let text = '';
      for await (const chunk of res) text += String(chunk);
      expect(text).not.toContain('not for the browser');
      expect([400, 403, 404]).toContain(res.statusCode);
    }
  });

  it('says the UI is not built when there are no assets, and still answers the API', async () => {
    const server: Server = createServer(
      createUiHttpHandler({ service: devServer.service, operator: devServer.operator }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('not built');
      const namespaces = await fetch(`${base}/api/v1/namespaces`);
      expect(((await namespaces.json()) as { namespaces: unknown[] }).namespaces.length).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });
});

describe('the command line', () => {
  it('serves the UI API on --ui-port beside the frontend and prints where', async () => {
    const child = spawn(DEVSERVER_EXECUTABLE, ['server', 'start-dev', '--port', '0', '--ui-port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let output = '';
      const uiUrl = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /Temporal UI and its HTTP API on (http:\/\/\S+)/.exec(output);
          if (match) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      const settings = await fetch(`${uiUrl}/api/v1/settings`);
      expect(settings.status).toBe(200);
      expect(((await settings.json()) as { DefaultNamespace: string }).DefaultNamespace).toBe('default');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
