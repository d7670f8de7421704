import { provisionDatabase } from './database';
import { bundleWorkflows } from './workflowBundle';

/**
 * Runs once per `npm test`: provisions a Postgres database and bundles the workflow code,
 * publishing both to the test files through environment variables.
 */
export default async function globalSetup(): Promise<void> {
  const setups = [
    // Each module is added by the part of the project that needs it.
    provisionDatabase,
    bundleWorkflows,
  ] as Array<() => Promise<void>>;
  for (const setup of setups) await setup();
}
