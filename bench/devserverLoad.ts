/**
 * The devserver benchmark's load generator, in a process of its own so that starting workflows
 * and waiting for 200 results does not compete with the worker for its event loop. Told the
 * server's address and a round number, it runs one round and reports its duration.
 */
import { Client, Connection } from '@temporalio/client';

export const CONCURRENT = 200;

async function main(): Promise<void> {
  const connection = await Connection.connect({ address: process.argv[2] });
  const client = new Client({ connection });
  process.on('message', (message: { round: number }) => {
    void (async () => {
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) =>
          client.workflow.execute('threeSteps', {
            taskQueue: 'bench',
            workflowId: `bench-${message.round}-${i}`,
            args: [String(i)],
          }),
        ),
      );
      process.send!({ round: message.round, seconds: (performance.now() - t0) / 1000 });
    })();
  });
  process.send!({ ready: true });
}

if (require.main === module) void main();
