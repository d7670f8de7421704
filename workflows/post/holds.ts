/**
 * A post's holds. Several features hold a post's publishing at once (its brand's pause, its
 * campaign's pause, a crisis); it publishes only once none does. A publish time that passes while
 * held may, by the releasing feature's choice, leave a `passed_publish_time` hold that only a
 * reschedule or publish-now lifts: such a post is never published without someone deciding.
 */
import type { HoldSource, PostHold, PostState } from '../../domain/postState';
import { BEFORE_PUBLISHING_STAGES } from '../../domain/types';

export type PassedPublishTime = 'publish' | 'hold_for_review';

export function holdBy(state: PostState, source: HoldSource): PostHold | undefined {
  return state.holds.find((hold) => hold.source === source);
}

/** Adds the source's hold; false when it already stood. */
export function addHold(state: PostState, hold: PostHold): boolean {
  if (holdBy(state, hold.source)) return false;
  state.holds.push(hold);
  state.paused = true;
  return true;
}

/** Lifts the source's hold; false when it did not stand. */
export function liftHold(state: PostState, source: HoldSource): boolean {
  const before = state.holds.length;
  state.holds = state.holds.filter((hold) => hold.source !== source);
  state.paused = state.holds.length > 0;
  return state.holds.length !== before;
}

/** Whether a post released from its last hold has missed its publish time and is still to publish. */
export function missedPublishTime(state: PostState, now: number): boolean {
  return (
    state.holds.length === 0 && BEFORE_PUBLISHING_STAGES.includes(state.stage) && Date.parse(state.publishAt) <= now
  );
}

/**
 * The holds that stop a publish-now: a passed publish time is what publish-now decides, and a
 * confirmed override sets aside every hold but the brand's pause, which only the brand lifts.
 */
export function holdsAgainstPublishNow(state: PostState, overrideHolds: boolean): PostHold[] {
  return state.holds.filter(
    (hold) => hold.source !== 'passed_publish_time' && (!overrideHolds || hold.source === 'brand'),
  );
}

/** Why a held post refuses to publish now; a brand pause keeps the words it always had. */
export function heldRefusal(holds: readonly PostHold[]): string {
  if (holds.some((hold) => hold.source === 'brand')) return 'publishing is paused for the brand';
  return `publishing is held: ${holds.map((hold) => hold.source).join(', ')}`;
}
