/**
 * The schedule phase: a durable timer to the publish time that follows reschedules, waits while
 * any hold stands (see holds.ts), and gives way to publish-now and cancel.
 */
import { patched } from '@temporalio/workflow';
import { ON_TIME_MS, holdsLatePublication } from '../../domain/latePublishing';
import { readLatePublishing } from './activityProxies';
import { addHold, holdsAgainstPublishNow, liftHold } from './holds';
import { LATE_PUBLICATION_POLICY } from './patches';
import type { PostRun } from './state';
import { SYSTEM_ACTOR, nowIso, type PendingTransition } from './transitions';

export type ScheduleOutcome = { kind: 'publish'; handover: PendingTransition } | { kind: 'cancelled' };

/** `handover` is the approval that settled the review, recorded as the post enters scheduled. */
export async function schedulePost(run: PostRun, handover: PendingTransition): Promise<ScheduleOutcome> {
  const { state } = run;
  run.enter({ stage: 'scheduled' });
  await run.transition({ ...handover, detail: { ...handover.detail, publishAt: state.publishAt } });
  for (;;) {
    if (run.cancelling) return { kind: 'cancelled' };
    const publishNow = takePublishNow(run);
    if (publishNow) return { kind: 'publish', handover: publishNow };
    const seen = run.inbox.scheduleChanges;
    // While held there is nothing to time: the post waits at its publish time until released.
    const untilPublishTime = state.paused ? undefined : Date.parse(state.publishAt) - Date.now();
    const { timedOut } = await run.waitFor(() => run.inbox.scheduleChanges !== seen, untilPublishTime);
    if (timedOut && !run.cancelling) {
      if (untilPublishTime !== undefined && untilPublishTime > 0 && (await heldAsLate(run))) continue;
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

/**
 * A publish timer that fired late (the system was down across the publish time) holds the post
 * for a person when its brand says so; a publish-now or a reschedule then decides.
 */
async function heldAsLate(run: PostRun): Promise<boolean> {
  const { state } = run;
  const { publishAt } = state;
  const firedAt = Date.now();
  if (firedAt - Date.parse(publishAt) <= ON_TIME_MS || !patched(LATE_PUBLICATION_POLICY)) return false;
  const policy = await readLatePublishing({ brandId: state.brandId });
  if (!holdsLatePublication({ policy, publishAt, firedAt })) return false;
  const minutesLate = Math.floor((firedAt - Date.parse(publishAt)) / 60_000);
  const reason = `the publish timer fired ${minutesLate} min after ${publishAt}; the brand holds publications more than ${policy.toleranceMinutes} min late`;
  addHold(state, { source: 'passed_publish_time', by: SYSTEM_ACTOR, reason, since: nowIso() });
  await run.transition({
    action: 'publishing_held',
    actorId: SYSTEM_ACTOR,
    fromStage: 'scheduled',
    detail: { source: 'passed_publish_time', reason, heldForReview: true },
  });
  return true;
}

/**
 * A publish-now no standing hold stops. It decides a passed publish time; the holds it was
 * confirmed to set aside stay on record in its transition.
 */
function takePublishNow(run: PostRun): PendingTransition | undefined {
  const { state, inbox } = run;
  if (!inbox.has('publish_now')) return undefined;
  const waiting = inbox.peek('publish_now')!;
  if (holdsAgainstPublishNow(state, waiting.overrideHolds === true).length > 0) return undefined;
  const request = inbox.take('publish_now')!;
  const setAside = state.holds.map((hold) => hold.source);
  for (const source of setAside) liftHold(state, source);
  return {
    action: 'publish_now',
    actorId: request.by,
    fromStage: 'scheduled',
    ...(setAside.length > 0 ? { detail: { releasedHolds: setAside } } : {}),
    tickets: [request.ticket],
  };
}
