/**
 * The embedded stack with Temporal UI on: the offline server serving the built UI and its HTTP
 * API on a port of its own, a worker with the real activities on the run's Postgres, the API on a
 * socket, and one headless Chromium for the whole test file.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import chromium from '@sparticuz/chromium';
import { Client, Connection } from '@temporalio/client';
import * as proto from '@temporalio/proto';
import { temporal } from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Knex } from 'knex';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startDevServer, type DevServer } from '@socialops/temporal-devserver';
import { createWorker } from '../../worker/createWorker';
import { createWorkerActivities } from '../../worker/workerActivities';
import { POST_SEARCH_ATTRIBUTES } from '../../workflows/post/searchAttributes';
import { THREAD_SEARCH_ATTRIBUTES } from '../../workflows/thread/searchAttributes';
import { startApi, type RunningApi } from '../api/http';
import { createTestKnex, uniqueId } from '../helpers/db';
import { testWorkflowBundlePath } from '../setup/workflowBundle';

/** The checked-in build of packages/temporal-ui, as `npm start` serves it. */
export const UI_BUILD_DIR = path.resolve(__dirname, '..', '..', 'packages', 'temporal-ui', 'build');

export interface UiStack {
  server: DevServer;
  uiUrl: string;
  client: Client;
  db: Knex;
  api: RunningApi;
  taskQueue: string;
  browser: Browser;
  /** A fresh tab, wide enough for Temporal UI's desktop layout. */
  newPage(): Promise<Page>;
  teardown(): Promise<void>;
}

function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed for this file: keep it.
  }
}

/** The Chromium that npm ci brings (@sparticuz/chromium unpacks it on first use). */
export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args,
    headless: true,
    defaultViewport: { width: 1600, height: 1000 },
  });
}

export async function startUiStack(): Promise<UiStack> {
  quietRuntime();
  const cleanups: Array<() => Promise<unknown>> = [];
  const teardown = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const server = await startDevServer({
      searchAttributes: { ...POST_SEARCH_ATTRIBUTES, ...THREAD_SEARCH_ATTRIBUTES },
      ui: { port: 0, assetsDir: UI_BUILD_DIR },
    });
    cleanups.push(() => server.stop());
    if (!server.uiUrl) throw new Error('the offline server did not start its UI');
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const db = createTestKnex();
    cleanups.push(() => db.destroy());
    const taskQueue = uniqueId('ui-posts');
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => nativeConnection.close());
    const worker: Worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createWorkerActivities({
        db,
        temporal: { connection: nativeConnection, namespace: 'default', taskQueue },
      }),
      workflows: { bundlePath: testWorkflowBundlePath() },
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    const api = await startApi({ db, temporal: client, taskQueue });
    cleanups.push(() => api.close());
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    return {
      server,
      uiUrl: server.uiUrl,
      client,
      db,
      api,
      taskQueue,
      browser,
      newPage: () => browser.newPage(),
      teardown,
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

/**
 * A history as protobuf JSON, the way the SDK's `historyToJSON` writes it (the format of
 * `temporal workflow show --output json`). That function cannot be called here: npm installs a
 * second copy of protobufjs for @temporalio/common, whose JSON writer then refuses the types of
 * @temporalio/proto's copy. The same writer, taken from @temporalio/proto's copy, does the job.
 */
export function historyAsProtoJson(history: temporal.api.history.v1.IHistory): unknown {
  const fromProto = createRequire(require.resolve('@temporalio/proto'));
  const { toJson } = fromProto('protobufjs/ext/protojson') as { toJson(type: unknown, message: unknown): unknown };
  const root = patchProtobufRoot(proto as unknown as Record<string, unknown>) as unknown as {
    lookupType(name: string): unknown;
  };
  const historyType = root.lookupType('temporal.api.history.v1.History');
  return toJson(historyType, temporal.api.history.v1.History.fromObject(history));
}
