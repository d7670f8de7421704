/**
 * Retention deletes each closed run when its own namespace's period has passed since it closed,
 * whatever the order in which runs closed: a run of a namespace keeping runs briefly goes first even
 * when it closed after runs that are kept longer.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { startDevServer, type DevServer } from '../src/server';
import { eventually } from './helpers';

jest.setTimeout(60_000);

let server: DevServer;
let connection: Connection;

beforeAll(async () => {
  server = await startDevServer({});
  connection = await Connection.connect({ address: server.address });
});

afterAll(async () => {
  await connection.close();
  await server.stop();
});

async function closedRunIn(retention: Duration): Promise<WorkflowHandle> {
  const namespace = `retention-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs(retention),
  });
  const client = new Client({ connection, namespace });
  const handle = await client.workflow.start('neverPolled', { taskQueue: 'nobody-polls', workflowId: randomUUID() });
  await handle.terminate('closed for the test');
  return handle;
}

const deleted = (handle: WorkflowHandle): Promise<boolean> =>
  handle.describe().then(
    () => false,
    (err: unknown) => err instanceof WorkflowNotFoundError,
  );

test('a run closed later in a namespace with a shorter retention is deleted first, each when its period has passed', async () => {
  const keptLonger = await closedRunIn('6 seconds');
  const keptBriefly = await closedRunIn('1 second');
  const closedAt = Date.now();

  await eventually('the briefly kept run is deleted', () => deleted(keptBriefly));
  expect(Date.now() - closedAt).toBeLessThan(5_000);
  expect((await keptLonger.describe()).status.name).toBe('TERMINATED');

  await eventually('the run kept longer is deleted', () => deleted(keptLonger));
  expect(Date.now() - closedAt).toBeGreaterThanOrEqual(5_000);
});
