import { releaseDatabase } from './database';
import { removeWorkflowBundle } from './workflowBundle';

export default async function globalTeardown(): Promise<void> {
  const teardowns = [releaseDatabase, removeWorkflowBundle] as Array<() => Promise<void>>;
  for (const teardown of teardowns) await teardown();
}
