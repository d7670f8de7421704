/**
 * Bundles the workflow code once per `npm test` and shares the bundle's path with every test
 * file (through the environment, and a file for processes that do not inherit it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { writeWorkflowBundle } from '../../worker/bundleWorkflows';

export const WORKFLOW_BUNDLE_ENV = 'SOCIALOPS_TEST_WORKFLOW_BUNDLE';

const bundleFile = (pid: number): string => path.join(os.tmpdir(), `socialops-test-workflow-bundle-${pid}.js`);

export async function bundleWorkflows(): Promise<void> {
  const outputPath = bundleFile(process.pid);
  await writeWorkflowBundle({ outputPath, logger: new DefaultLogger('WARN') });
  process.env[WORKFLOW_BUNDLE_ENV] = outputPath;
}

export async function removeWorkflowBundle(): Promise<void> {
  await fs.promises.rm(bundleFile(process.pid), { force: true });
}

/** The bundle global setup wrote for this test run. */
export function testWorkflowBundlePath(): string {
  const candidates = [process.env[WORKFLOW_BUNDLE_ENV], bundleFile(process.pid), bundleFile(process.ppid)];
  const found = candidates.find((candidate): candidate is string => Boolean(candidate) && fs.existsSync(candidate!));
  if (!found) throw new Error('No workflow bundle: jest global setup (test/setup/workflowBundle.ts) did not run');
  return found;
}
