/**
 * The schedule phase: a durable timer to the publish time that follows reschedules, waits while
 * the brand's publishing is paused, and gives way to publish-now and cancel.
 */
import type { PostRun } from './state';
import { SYSTEM_ACTOR, type PendingTransition } from './transitions';

export type ScheduleOutcome = { kind: 'publish'; handover: PendingTransition } | { kind: 'cancelled' };

/** `handover` is the approval that settled the review, recorded as the post enters scheduled. */
export async function schedulePost(run: PostRun, handover: PendingTransition): Promise<ScheduleOutcome> {
  const { state } = run;
  run.enter({ stage: 'scheduled' });
  await run.transition({ ...handover, detail: { ...handover.detail, publishAt: state.publishAt } });
  for (;;) {
    if (run.cancelling) return { kind: 'cancelled' };
    const publishNow = state.paused ? undefined : run.inbox.take('publish_now');
    if (publishNow) {
      return {
        kind: 'publish',
        handover: {
          action: 'publish_now',
          actorId: publishNow.by,
          fromStage: 'scheduled',
          tickets: [publishNow.ticket],
        },
      };
    }
    const seen = run.inbox.scheduleChanges;
    // While paused there is nothing to time: the post waits at its publish time until resumed.
    const untilPublishTime = state.paused ? undefined : Date.parse(state.publishAt) - Date.now();
    const { timedOut } = await run.waitFor(() => run.inbox.scheduleChanges !== seen, untilPublishTime);
    if (timedOut && !run.cancelling) {
      return {
        kind: 'publish',
        handover: {
          action: 'publish_time_reached',
          actorId: SYSTEM_ACTOR,
          fromStage: 'scheduled',
          detail: { publishAt: state.publishAt },
        },
      };
    }
  }
}
