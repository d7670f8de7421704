/**
 * The schedule phase: a durable timer to the publish time that follows reschedules, waits while
 * the brand's publishing is paused, and gives way to publish-now and cancel.
 */
import { SYSTEM_ACTOR, type PendingAction, type PostRun } from './run';

export type ScheduleOutcome = { kind: 'publish'; trigger: PendingAction } | { kind: 'cancelled' };

export async function schedulePost(run: PostRun, approvedBy: PendingAction): Promise<ScheduleOutcome> {
  const { state } = run;
  run.enter({ stage: 'scheduled' });
  await run.transition({ ...approvedBy, detail: { ...approvedBy.detail, publishAt: state.publishAt } });
  for (;;) {
    if (run.cancellation) return { kind: 'cancelled' };
    const publishNow = run.publishNowRequest;
    if (!state.paused && publishNow) {
      run.publishNowRequest = undefined;
      return {
        kind: 'publish',
        trigger: {
          action: 'publish_now',
          actorId: publishNow.by,
          fromStage: 'scheduled',
          tickets: [publishNow.ticket],
        },
      };
    }
    const seen = run.scheduleVersion;
    // While paused there is nothing to time: the post waits at its publish time until resumed.
    const untilPublishTime = state.paused ? undefined : Date.parse(state.publishAt) - Date.now();
    const { timedOut } = await run.waitFor(() => run.scheduleVersion !== seen, untilPublishTime);
    if (timedOut && !run.cancellation) {
      return {
        kind: 'publish',
        trigger: {
          action: 'publish_time_reached',
          actorId: SYSTEM_ACTOR,
          fromStage: 'scheduled',
          detail: { publishAt: state.publishAt },
        },
      };
    }
  }
}
