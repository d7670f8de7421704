/**
 * The post benchmark's worker, in a process of its own as in production (the API and the worker
 * are separate processes): told the database, the Temporal address and the task queue, it runs
 * until it is told to stop.
 */
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createKnex } from '../db/knex';
import { createWorker } from '../worker/createWorker';
import { createWorkerActivities } from '../worker/workerActivities';

async function main(): Promise<void> {
  const [databaseUrl, address, taskQueue] = process.argv.slice(2);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const db = createKnex(databaseUrl);
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue,
    activities: createWorkerActivities({ db, temporal: { connection, namespace: 'default', taskQueue } }),
  });
  process.on('message', () => worker.shutdown());
  const running = worker.run();
  process.send!({ ready: true });
  await running;
  await connection.close();
  await db.destroy();
  process.exit(0);
}

if (require.main === module) void main();
