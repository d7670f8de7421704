/**
 * A brand's crisis monitor, id `crisis:<brandId>`, started by the first negative or
 * crisis-sensitive message a conversation tells it about (signal-with-start) or by a manager's
 * declaration (update-with-start). It counts those messages in a sliding window against the
 * brand's own baseline, alerts the crisis contacts when the window crosses the policy's threshold,
 * declares a crisis at once or waits for a manager to confirm, holds every post of the brand that
 * has not started publishing while the crisis lasts, and releases them when a manager ends it.
 * It continues as new before its history grows large; the query returns the state as it stands.
 */
import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import { registerCrisisHandlers } from './crisis/handlers';
import type { CrisisMonitorInput } from './crisis/messages';
import { CrisisRun } from './crisis/run';

export async function crisisMonitor(input: CrisisMonitorInput): Promise<void> {
  const run = new CrisisRun(input);
  registerCrisisHandlers(run);
  for (;;) {
    const version = run.version;
    const changed = () => run.version !== version;
    const moreToDo = () => changed() || run.historyFull || workflowInfo().continueAsNewSuggested;
    const pass = run.latePass;
    if (pass) {
      // The late pass comes first: continuing as new waits until it is done.
      const waitMs = pass.at - Date.now();
      if (waitMs <= 0 || !(await condition(changed, waitMs))) await run.exclusive(() => run.tellLatePosts(pass));
    } else {
      await condition(moreToDo);
    }
    if ((run.historyFull || workflowInfo().continueAsNewSuggested) && run.latePass === null) {
      await condition(allHandlersFinished);
      if (run.latePass === null) {
        await continueAsNew<typeof crisisMonitor>({
          brandId: input.brandId,
          carried: run.state,
          ...(input.changesPerRun !== undefined ? { changesPerRun: input.changesPerRun } : {}),
        });
      }
    }
  }
}
