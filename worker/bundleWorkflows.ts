/**
 * Builds the workflow bundle once, ahead of time (`node dist/worker/bundleWorkflows.js` in the
 * image build), so that workers start without running webpack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type Logger } from '@temporalio/worker';
import { PREBUILT_BUNDLE_PATH, WORKFLOWS_PATH } from './createWorker';

export async function writeWorkflowBundle({
  outputPath = PREBUILT_BUNDLE_PATH,
  logger,
}: { outputPath?: string; logger?: Logger } = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, ...(logger ? { logger } : {}) });
  fs.mkdirSync(path.dirname(outputPath), { recursive: true });
  fs.writeFileSync(outputPath, code);
  return outputPath;
}

if (require.main === module) {
  // webpack's report is for debugging the bundle; a build needs only its warnings.
  writeWorkflowBundle({
    outputPath: process.argv[2] ? path.resolve(process.argv[2]) : undefined,
    logger: new DefaultLogger('WARN'),
  })
    .then((written) => console.log(`workflow bundle written to ${written}`))
    .catch((error: unknown) => {
      console.error('could not bundle the workflows:', error);
      process.exit(1);
    });
}
