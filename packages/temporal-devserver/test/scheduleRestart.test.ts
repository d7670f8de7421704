/**
 * Schedules on the Postgres store: after a restart of the server a schedule is as it was (spec,
 * policies, state, actions, counters, buffered starts, the workflows it follows), times that came
 * due while the server was down are taken within the catch-up window and missed outside it, a
 * deleted schedule stays deleted, and a schema from before schedules were stored is migrated.
 */
import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type ScheduleOptions,
} from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startDevServer, type DevServer, type DevServerOptions } from '../src/server';
import { MIGRATIONS } from '../src/store/migrations';
import { continuesThenWaits, release, stepsAcrossRestart } from './fixtures/durableWorkflows';
import { eventually, runUntilCleanup } from './helpers';
import { query, scratchSchema } from './postgres';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const quietLogger = new DefaultLogger('ERROR');
const brand = defineSearchAttributeKey('Brand', SearchAttributeType.KEYWORD);
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(() => Runtime.install({ logger: quietLogger }));

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A server on a scratch schema that the test can stop and start again on the same port and data. */
async function restartableServer(label: string, options: Omit<DevServerOptions, 'persist' | 'port'> = {}) {
  const store = await scratchSchema(`sched_${label}`);
  cleanups.push(store.drop);
  const persist = { url: store.url, schema: store.schema };
  let server: DevServer = await startDevServer({ ...options, persist });
  const port = server.port;
  cleanups.push(() => server.stop());
  const connection = await Connection.connect({ address: server.address });
  cleanups.push(() => connection.close());
  return {
    schema: store.schema,
    client: new Client({ connection }),
    connection,
    address: server.address,
    stop: () => server.stop(),
    start: async () => {
      server = await startDevServer({ ...options, persist, port });
    },
    restart: async () => {
      await server.stop();
      server = await startDevServer({ ...options, persist, port });
    },
  };
}

/** Runs `stepsAcrossRestart` on `taskQueue`: each run waits for its `release` signal before it completes. */
async function runWorker(address: string, taskQueue: string): Promise<void> {
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/durableWorkflows'),
      logger: quietLogger,
    }),
    activities: { step: (name: string) => Promise.resolve(name) },
    shutdownGraceTime: '1s',
  });
  cleanups.push(runUntilCleanup(worker, nativeConnection));
}

function releasable(scheduleId: string, taskQueue: string): ScheduleOptions['action'] {
  return {
    type: 'startWorkflow',
    workflowType: stepsAcrossRestart,
    args: [0],
    taskQueue,
    workflowId: `${scheduleId}-wf`,
  };
}

test('a schedule comes back from a restart as it was, and its buffered start runs when the workflow it follows closes', async () => {
  const server = await restartableServer('identical', { searchAttributes: { Brand: 'Keyword' } });
  const taskQueue = `sched-identical-${randomUUID()}`;
  await runWorker(server.address, taskQueue);
  const scheduleId = `weekly-report-${randomUUID()}`;
  const handle = await server.client.schedule.create({
    scheduleId,
    spec: { calendars: [{ hour: 9, dayOfWeek: 'MONDAY', comment: 'weekly report' }], timezone: 'Europe/Berlin' },
    action: releasable(scheduleId, taskQueue),
    policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: '1 hour', pauseOnFailure: true },
    state: { remainingActions: 5 },
    memo: { brand: 'acme' },
    typedSearchAttributes: [{ key: brand, value: 'acme' }],
  });
  // One action taken and still running, one start buffered behind it, one skipped.
  const trigger = () => handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
  await trigger();
  const { workflow: first } = await eventually(
    'the first workflow runs',
    async () => (await handle.describe()).info.runningActions[0],
  );
  await trigger();
  await trigger();
  await handle.update((previous) => ({
    ...previous,
    spec: { ...previous.spec, calendars: [{ hour: 10, dayOfWeek: 'TUESDAY', comment: 'moved' }] },
    state: { ...previous.state, note: 'moved to Tuesdays' },
  }));
  await handle.pause('holiday');

  const before = await handle.describe();
  expect(before.state).toMatchObject({ paused: true, note: 'holiday', remainingActions: 5 });
  expect(before.info.numActionsSkippedOverlap).toBe(1);
  expect(Number(before.raw.info?.bufferSize)).toBe(1);
  expect(before.info.recentActions).toHaveLength(1);
  const restartedAt = Date.now();
  await server.restart();
  const after = await handle.describe();
  expect(after).toEqual(before);

  // The workflow it started is still followed: its close lets the buffered start go.
  await handle.unpause('back');
  await server.client.workflow.getHandle(first.workflowId, first.firstExecutionRunId).signal(release);
  const { workflow: second } = await eventually('the buffered start runs', async () => {
    const { info } = await handle.describe();
    return info.recentActions.length === 2 && info.runningActions[0];
  });
  expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
  const { info, raw } = await handle.describe();
  // It is the start triggered before the restart, not a new one.
  expect(info.recentActions[1].scheduledAt.getTime()).toBeLessThan(restartedAt);
  expect(info.recentActions[1].action.workflow).toEqual(second);
  expect(Number(raw.info?.bufferSize ?? 0)).toBe(0);
  expect(info.recentActions[0].action.workflow.firstExecutionRunId).toBe(first.firstExecutionRunId);
  expect(raw.info?.recentActions?.[0].startWorkflowStatus).toBe(2 /* WORKFLOW_EXECUTION_STATUS_COMPLETED */);
});

test('a workflow the schedule started that continued as new is still followed after a restart, though its first run left memory', async () => {
  // No closed run stays whole in memory: the first run of the chain is read from the store.
  const server = await restartableServer('continued', { closedRunsKept: 0 });
  const taskQueue = `sched-continued-${randomUUID()}`;
  await runWorker(server.address, taskQueue);
  const scheduleId = `continued-${randomUUID()}`;
  const handle = await server.client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '1 hour' }] },
    action: {
      type: 'startWorkflow',
      workflowType: continuesThenWaits,
      args: [1],
      taskQueue,
      workflowId: `${scheduleId}-wf`,
    },
    policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE },
  });
  await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
  const { workflow } = await eventually(
    'the workflow runs',
    async () => (await handle.describe()).info.runningActions[0],
  );
  const chain = server.client.workflow.getHandle(workflow.workflowId);
  await eventually(
    'the workflow continues as new',
    async () => (await chain.describe()).runId !== workflow.firstExecutionRunId,
  );
  await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
  await eventually('a start waits behind it', async () => Number((await handle.describe()).raw.info?.bufferSize) === 1);

  await server.restart();
  const after = await handle.describe();
  expect(after.info.runningActions.map((action) => action.workflow)).toEqual([workflow]);
  expect(Number(after.raw.info?.bufferSize)).toBe(1);

  // The close of the chain's last run lets the buffered start go.
  await chain.signal(release);
  const next = await eventually('the buffered start runs', async () => {
    const { info } = await handle.describe();
    return info.recentActions.length === 2 && info.runningActions[0];
  });
  expect(next.workflow.firstExecutionRunId).not.toBe(workflow.firstExecutionRunId);
});

test('a time that came due while the server was down is taken on start within the catch-up window, and missed outside it', async () => {
  const server = await restartableServer('catchup');
  // A daily time a few seconds from now.
  const due = Math.ceil((Date.now() + 5000) / 1000) * 1000;
  const daily = (scheduleId: string, catchupWindow: number): ScheduleOptions => ({
    scheduleId,
    spec: { intervals: [{ every: DAY, offset: due % DAY }] },
    action: { type: 'startWorkflow', workflowType: 'unpolled', taskQueue: 'nobody-polls', workflowId: scheduleId },
    policies: { catchupWindow },
  });
  const taken = await server.client.schedule.create(daily(`taken-${randomUUID()}`, 60_000));
  const missed = await server.client.schedule.create(daily(`missed-${randomUUID()}`, 10_000));
  expect((await taken.describe()).info.nextActionTimes[0].getTime()).toBe(due);
  await server.stop();
  expect(Date.now()).toBeLessThan(due);

  // Down from before the due time until 11 s after it: past the 10 s window, within the minute.
  await new Promise((resolve) => setTimeout(resolve, due + 11_000 - Date.now()));
  const restartedAt = Date.now();
  await server.start();

  const started = await eventually('the due time is taken', async () => (await taken.describe()).info.recentActions[0]);
  expect(started.scheduledAt.getTime()).toBe(due);
  expect(started.takenAt.getTime()).toBeGreaterThanOrEqual(restartedAt);
  const workflowId = `${taken.scheduleId}-${new Date(due).toISOString().replace('.000Z', 'Z')}`;
  expect((await server.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');

  const missedInfo = await eventually('the missed time is counted', async () => {
    const { info } = await missed.describe();
    return info.numActionsMissedCatchupWindow === 1 && info;
  });
  expect(missedInfo.numActionsTaken).toBe(0);
  expect(missedInfo.nextActionTimes[0].getTime()).toBe(due + DAY);
  expect((await taken.describe()).info.numActionsMissedCatchupWindow).toBe(0);
});

test('a deleted schedule stays deleted across restarts, and retention deletes runs but not schedules', async () => {
  const server = await restartableServer('delete');
  const namespace = `short-${randomUUID().slice(0, 8)}`;
  await server.connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 second'),
  });
  const client = new Client({ connection: server.connection, namespace });
  const hourly = (scheduleId: string): ScheduleOptions => ({
    scheduleId,
    spec: { intervals: [{ every: '1 hour' }] },
    action: { type: 'startWorkflow', workflowType: 'unpolled', taskQueue: 'nobody-polls', workflowId: scheduleId },
  });
  const deleted = await client.schedule.create(hourly(`deleted-${randomUUID()}`));
  const kept = await client.schedule.create(hourly(`kept-${randomUUID()}`));
  await kept.trigger();
  const { workflow: run } = await eventually(
    'the triggered workflow starts',
    async () => (await kept.describe()).info.runningActions[0],
  );
  await client.workflow.getHandle(run.workflowId).terminate('done with it');
  await eventually('retention deletes the closed run', () =>
    client.workflow
      .getHandle(run.workflowId)
      .describe()
      .then(
        () => false,
        (err: unknown) => err instanceof WorkflowNotFoundError,
      ),
  );
  await deleted.delete();

  await server.restart();
  await expect(deleted.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  const rows = await query<{ schedule_id: string }>(`SELECT schedule_id FROM "${server.schema}".schedules`);
  expect(rows.map((row) => row.schedule_id)).toEqual([kept.scheduleId]);
  const { info } = await kept.describe();
  expect(info.numActionsTaken).toBe(1);
  expect(info.runningActions).toEqual([]);

  // The id is free again, and the new schedule is the one that comes back.
  await client.schedule.create({ ...hourly(deleted.scheduleId), memo: { generation: 2 } });
  await server.restart();
  expect((await deleted.describe()).memo).toEqual({ generation: 2 });
});

test('a schema at version 1 (no schedules) is migrated in place on start and keeps what it held', async () => {
  const store = await scratchSchema('sched_migrate');
  cleanups.push(store.drop);
  await query(`CREATE SCHEMA "${store.schema}"`);
  await query(`CREATE TABLE "${store.schema}".schema_version (version integer NOT NULL)`);
  await query(MIGRATIONS[0]((name) => `"${store.schema}".${name}`));
  await query(`INSERT INTO "${store.schema}".schema_version (version) VALUES (1)`);
  const legacy = {
    name: 'legacy',
    id: randomUUID(),
    description: 'from version 1',
    retentionMs: DAY,
    searchAttributes: {},
  };
  await query(`INSERT INTO "${store.schema}".namespaces (name, record) VALUES ($1, $2)`, [
    'legacy',
    JSON.stringify(legacy),
  ]);

  const persist = { url: store.url, schema: store.schema };
  let server = await startDevServer({ persist });
  cleanups.push(() => server.stop());
  const versions = await query<{ version: number }>(`SELECT version FROM "${store.schema}".schema_version ORDER BY 1`);
  expect(versions.map((row) => row.version)).toEqual([1, 2, 3]);
  const connection = await Connection.connect({ address: server.address });
  cleanups.push(() => connection.close());
  const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'legacy' });
  expect(namespaceInfo?.id).toBe(legacy.id);

  const client = new Client({ connection, namespace: 'legacy' });
  const scheduleId = `migrated-${randomUUID()}`;
  await client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '1 hour' }] },
    action: { type: 'startWorkflow', workflowType: 'unpolled', taskQueue: 'nobody-polls', workflowId: scheduleId },
  });
  await server.stop();
  server = await startDevServer({ persist, port: server.port });
  expect((await client.schedule.getHandle(scheduleId).describe()).scheduleId).toBe(scheduleId);
  // A second start finds nothing to migrate.
  expect(await query(`SELECT version FROM "${store.schema}".schema_version`)).toHaveLength(3);
});
