/**
 * The Postgres store writes each batch's rows as they stood when the batch was taken: a run that
 * closes while the batch waits for its connection is written as closed in the next batch, with
 * its close event, never in this one without it (a process killed between the two would otherwise
 * leave a "completed" run whose history lacks its close).
 */
import { Execution } from '../src/execution';
import { buildEvent } from '../src/events';
import { PostgresStore } from '../src/store/postgres';
import { query, scratchSchema } from './postgres';

test('a run that closes while a batch waits for its connection is written closed only with its close event', async () => {
  const scratch = await scratchSchema('batches');
  const store = new PostgresStore({ url: scratch.url, schema: scratch.schema });
  let releaseSecond = (): void => undefined;
  try {
    await store.open();
    const run = new Execution('default', 'wf', 'run-1', 'run-1', 'type', 'queue', 0, 0, {});
    const append = (kind: string, attributes = {}) => {
      const event = buildEvent(run.nextEventId, 0, { kind, attributes });
      run.history.push(event);
      store.appendEvent(run, event);
    };
    store.saveRun(run);
    append('WorkflowExecutionStarted');

    // The next batch's connection is held back until the test lets it go.
    const pool = (store as unknown as { pool: { connect(): Promise<unknown> } }).pool;
    const connect = pool.connect.bind(pool);
    const secondMayConnect = new Promise<void>((resolve) => (releaseSecond = resolve));
    let connections = 0;
    pool.connect = async () => {
      if (++connections === 2) await secondMayConnect;
      return connect();
    };

    const first = store.commit();
    // While the first batch waits for its connection, the run completes.
    append('WorkflowExecutionCompleted');
    run.status = 'Completed';
    run.closeTime = 1;
    store.saveRun(run);
    const second = store.commit();
    await first;

    const rows = () =>
      query<{ status: string; events: number }>(
        `SELECT status, (SELECT count(*)::integer FROM "${scratch.schema}".events) AS events FROM "${scratch.schema}".runs`,
      );
    expect(await rows()).toEqual([{ status: 'Running', events: 1 }]);
    releaseSecond();
    await second;
    expect(await rows()).toEqual([{ status: 'Completed', events: 2 }]);
  } finally {
    releaseSecond();
    await store.close();
    await scratch.drop();
  }
});
