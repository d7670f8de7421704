import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '@socialops/temporal-devserver';
import { POST_WORKFLOW_TYPE } from '../../workflows/messages';
import { postWorkflowId } from '../../domain/ids';
import { POST_SEARCH_ATTRIBUTES } from '../../workflows/post/searchAttributes';
import { THREAD_SEARCH_ATTRIBUTES } from '../../workflows/thread/searchAttributes';
import { createTestKnex, insertBrandFixture, testDatabaseUrl, uniqueId } from '../helpers/db';
import { draftFor, stateWhen } from './postHarness';

const ROOT = path.resolve(__dirname, '..', '..');

let server: DevServer | undefined;
afterAll(async () => {
  await server?.stop();
});

/** Resolves with the process's output once `line` appears in it. */
function outputUntil(child: ChildProcessWithoutNullStreams, line: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${line} within ${timeoutMs} ms; output so far:\n${output}`)),
      timeoutMs,
    );
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (line.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
  });
}

/** A port nothing listens on at the moment of asking. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the worker process', () => {
  it('waits for a Temporal that is not up yet, then runs post workflows against external Postgres and Temporal, logs JSON, serves its metrics, and stops cleanly on SIGTERM', async () => {
    const taskQueue = uniqueId('worker-process');
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const temporalPort = await freePort();
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    // One process (no tsx wrapper in between), so that killing it kills the worker itself.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker', 'main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: testDatabaseUrl(),
        TEMPORAL_ADDRESS: temporalAddress,
        TEMPORAL_TASK_QUEUE: taskQueue,
        LOG_LEVEL: 'info',
        WORKER_METRICS_ADDRESS: metricsAddress,
      },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const waiting = await outputUntil(child, /is not reachable.*retrying in/, 30_000);
      expect(waiting).toMatch(
        new RegExp(
          `^\\{"level":40,.*"msg":"Temporal at ${temporalAddress} is not reachable \\(connection refused\\); retrying in [\\d.]+ m?s"\\}$`,
          'm',
        ),
      );
      server = await startDevServer({
        port: temporalPort,
        searchAttributes: { ...POST_SEARCH_ATTRIBUTES, ...THREAD_SEARCH_ATTRIBUTES },
      });

      const started = await outputUntil(child, /"state":"RUNNING"/, 90_000);
      expect(started).toMatch(/"msg":"worker connected to Temporal at /);
      // Every line is one JSON object: no native error dumped with its stack.
      expect(started).not.toMatch(/TransportError|^\s+at /m);
      // The SDK's own lines go through the same JSON logger as the process's.
      expect(started).toMatch(/^\{"level":30,.*"msg":"worker polling"/m);
      expect(started).toMatch(/^\{"level":30,.*"state":"RUNNING","msg":"Worker state changed"/m);

      const db = createTestKnex();
      const connection = await Connection.connect({ address: temporalAddress });
      try {
        const fixture = await insertBrandFixture(db, { platforms: ['x'] });
        const postId = uniqueId('post');
        const handle = await new Client({ connection }).workflow.start(POST_WORKFLOW_TYPE, {
          workflowId: postWorkflowId(postId),
          taskQueue,
          args: [
            {
              postId,
              brandId: fixture.brand.id,
              authorId: fixture.users.author.user.id,
              title: 'Worker process check',
              riskTier: 'low',
              flags: [],
              urgent: false,
              publishAt: new Date(Date.now() + 86_400_000).toISOString(),
              timeZone: 'UTC',
              draft: draftFor(fixture),
            },
          ],
        });
        // The worker ran the first workflow task, its quality check and the projection write.
        const state = await stateWhen(handle, (current) => current.stage === 'copy_edit');
        expect(state).toMatchObject({ stage: 'copy_edit', revision: 1 });
        const post = await db('posts').where({ id: postId }).first();
        expect(post).toMatchObject({ stage: 'copy_edit' });

        const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
        expect(metrics).toMatch(
          new RegExp(`^temporal_workflow_task_execution_latency\\w*\\{[^}]*task_queue="${taskQueue}"`, 'm'),
        );
        expect(metrics).toMatch(/^temporal_worker_task_slots_available\{/m);
      } finally {
        await connection.close();
        await db.destroy();
      }

      child.kill('SIGTERM');
      const stopped = outputUntil(child, /worker stopped/, 30_000);
      expect(await exited).toBe(0);
      await stopped;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);

  it('stops cleanly on SIGTERM while it still waits for Temporal', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker', 'main.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: testDatabaseUrl(),
        TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
        LOG_LEVEL: 'info',
      },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await outputUntil(child, /is not reachable/, 30_000);
      const stopped = outputUntil(child, /worker stopped before Temporal answered/, 30_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await stopped;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
