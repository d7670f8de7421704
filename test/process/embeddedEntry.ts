/**
 * `npm start`'s entry point with the workflow bundle of this test run, so that each start in
 * these tests does not bundle the workflow code again.
 */
import { exitWithStartupFailure } from '../../config/startup';
import { runEmbedded } from '../../worker/allInOne';
import { testWorkflowBundlePath } from '../setup/workflowBundle';

runEmbedded({ workflows: { bundlePath: testWorkflowBundlePath() } }).catch((error: unknown) =>
  exitWithStartupFailure('socialops', error),
);
