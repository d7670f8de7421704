/**
 * One inbound conversation, id `thread:<accountId>:<externalThreadId>`, started or signalled by
 * signal-with-start for every inbound message. It keeps the response and resolution clocks on
 * exact durable timers, records every warning, breach and outcome, closes the conversation when it
 * goes quiet, and continues as new before its history grows large; the query `getThreadState`
 * returns the state as it stands. A closed conversation's run keeps waiting: the customer's next
 * message opens it again under the same workflow id.
 */
import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import { inactivityCloseAt, nextDeadline, reopenWindowEndsAt } from '../domain/sla';
import type { ThreadState } from '../domain/threadState';
import { registerEscalation } from './thread/escalation';
import { registerThreadHandlers } from './thread/handlers';
import type { ThreadLifecycleInput } from './thread/messages';
import { REOPEN_WINDOW_OUTLIVES_INACTIVITY } from './thread/patches';
import { endConversation } from './thread/resolution';
import { ThreadRun } from './thread/run';

export async function threadLifecycle(input: ThreadLifecycleInput): Promise<ThreadState> {
  const run = new ThreadRun(input);
  registerThreadHandlers(run);
  registerEscalation(run);
  for (;;) {
    await waitForNextDeadline(run);
    if (run.historyFull || workflowInfo().continueAsNewSuggested) {
      // Handlers still running (a reply waiting on the platform) finish here, so nothing is lost;
      // a signal that arrives while this task completes makes the server hand it back first.
      await condition(allHandlersFinished);
      await continueAsNew<typeof threadLifecycle>({ ...input, continued: run.state });
    }
  }
}

/** Sleeps until the next SLA deadline or the inactivity limit, or until something changes the plan. */
async function waitForNextDeadline(run: ThreadRun): Promise<void> {
  const version = run.version;
  const deadline = nextDeadline({ state: run.state.sla });
  const closeAt = quietUntil(run);
  const changed = () => run.version !== version || run.historyFull || workflowInfo().continueAsNewSuggested;
  const wakeAt = [deadline?.at, closeAt].filter((at): at is string => at !== undefined && at !== null).sort()[0];
  if (wakeAt === undefined) {
    await condition(changed);
    return;
  }
  const waitMs = Date.parse(wakeAt) - Date.now();
  if (waitMs > 0 && (await condition(changed, waitMs))) return;
  await run.exclusive(async () => {
    // A message or action while the lane was busy keeps the conversation alive.
    const stillQuietUntil = quietUntil(run);
    if (stillQuietUntil !== null && Date.parse(stillQuietUntil) <= Date.now()) {
      const minutes = run.state.sla.policy.inactivityCloseMinutes;
      await endConversation(run, {
        outcome: 'closed_inactive',
        by: 'system',
        reason: `no message or action for ${minutes} minutes`,
        // Never before an event the clocks already saw (a deadline reached at the same instant).
        at: [stillQuietUntil, run.state.sla.lastEventAt ?? stillQuietUntil].sort()[1],
      });
      return;
    }
    if (deadline === null) return;
    // A change may have moved the deadline while the lane was busy; reaching "now" is right either way.
    run.applySla({ type: 'time_reached', at: new Date(Math.max(Date.now(), Date.parse(deadline.at))).toISOString() });
    if (run.hasPendingSlaEvents) await run.record({ action: 'sla_deadline_reached', actorId: 'system', passive: true });
  });
}

function quietUntil(run: ThreadRun): string | null {
  const { status, lastActivityAt, sla } = run.state;
  const closeAt = inactivityCloseAt({ status, lastActivityAt, policy: sla.policy });
  const windowEndsAt = reopenWindowEndsAt(sla);
  if (closeAt !== null && windowEndsAt !== null && windowEndsAt > closeAt && patched(REOPEN_WINDOW_OUTLIVES_INACTIVITY))
    return windowEndsAt;
  return closeAt;
}
