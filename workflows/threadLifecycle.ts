/**
 * One inbound conversation, id `thread:<accountId>:<externalThreadId>`, started or signalled by
 * signal-with-start for every inbound message. It keeps the response and resolution clocks on
 * exact durable timers and records every warning, breach and outcome; the query
 * `getThreadState` returns the state as it stands.
 */
import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import { nextDeadline } from '../domain/sla';
import type { ThreadState } from '../domain/threadState';
import { registerEscalation } from './thread/escalation';
import { registerThreadHandlers } from './thread/handlers';
import type { ThreadLifecycleInput } from './thread/messages';
import { ThreadRun } from './thread/run';

export async function threadLifecycle(input: ThreadLifecycleInput): Promise<ThreadState> {
  const run = new ThreadRun(input);
  registerThreadHandlers(run);
  registerEscalation(run);
  for (;;) {
    await waitForNextDeadline(run);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof threadLifecycle>({ ...input, continued: run.state });
    }
  }
}

/** Sleeps until the next SLA deadline, or until something changes the plan. */
async function waitForNextDeadline(run: ThreadRun): Promise<void> {
  const version = run.version;
  const deadline = nextDeadline({ state: run.state.sla });
  const changed = () => run.version !== version || workflowInfo().continueAsNewSuggested;
  if (deadline === null) {
    await condition(changed);
    return;
  }
  const waitMs = Date.parse(deadline.at) - Date.now();
  if (waitMs > 0 && (await condition(changed, waitMs))) return;
  await run.exclusive(async () => {
    // A change may have moved the deadline while the lane was busy; reaching "now" is right either way.
    run.applySla({ type: 'time_reached', at: new Date(Math.max(Date.now(), Date.parse(deadline.at))).toISOString() });
    if (run.hasPendingSlaEvents) await run.record({ action: 'sla_deadline_reached', actorId: 'system' });
  });
}
