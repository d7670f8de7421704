import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { testWorkflowBundlePath } from '../setup/workflowBundle';
import { readHistoryFiles, type RecordedHistory } from './historyFiles';

// Replaying logs every decision it re-makes; the assertions say what matters.
try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed for this file.
}

/**
 * Regenerate with `SOCIALOPS_RECORD_HISTORIES=1 npx jest test/workflows` after an intended change,
 * which is guarded with `patched()`; first move the current files into a folder named after the
 * patch, so runs of the earlier code keep proving that they still replay.
 */
const recorded = readHistoryFiles();

async function replay(options: ReplayWorkerOptions, histories: RecordedHistory[]): Promise<Array<[string, Error | undefined]>> {
  const results: Array<[string, Error | undefined]> = [];
  const inputs = histories.map(({ workflowId, history }) => ({ workflowId, history }));
  for await (const result of Worker.runReplayHistories(options, inputs)) results.push([result.workflowId, result.error]);
  return results;
}

describe('recorded post histories', () => {
  it('include the main paths of a post’s life', () => {
    expect(recorded.map((entry) => entry.name)).toEqual(
      expect.arrayContaining([
        'standard-post',
        'request-changes',
        'forced-hold',
        'brand-pause',
        'revoked-account-retried',
        'before-one-activity-per-step/standard-post',
      ]),
    );
  });

  it('replay with the current workflow code without a determinism error', async () => {
    const results = await replay({ workflowBundle: { codePath: testWorkflowBundlePath() } }, recorded);
    expect(results).toEqual(recorded.map((entry) => [entry.workflowId, undefined]));
  });

  it('fail to replay with workflow code that makes different decisions', async () => {
    const standard = recorded.filter((entry) => entry.name === 'standard-post');
    const results = await replay({ workflowsPath: require.resolve('./fixtures/divergentPostLifecycle') }, standard);
    expect(results).toHaveLength(1);
    expect(results[0][1]).toBeInstanceOf(DeterminismViolationError);
  });
});
