/**
 * When a conversation comes back, and when it goes quiet for good. A customer who writes again
 * shortly after being helped is still talking about the same problem, so the clocks carry on in
 * the same cycle; later, or after the conversation closed, it is a new request and every promise
 * (first response included) starts over in a new cycle.
 */
import { instantMs, isoInstant, MINUTE_MS } from '../businessHours/instant';
import type { ConversationStatus, SlaState } from './clockTypes';
import type { SlaPolicy } from './policy';

/** Whether `at` (epoch ms) falls within the reopen window of a resolved conversation. */
export function reopenWindowOpen({ state, at }: { state: SlaState; at: number }): boolean {
  return (
    state.status === 'resolved' &&
    state.resolvedAt !== null &&
    at - instantMs({ value: state.resolvedAt, field: 'resolvedAt' }) <= state.policy.reopenWindowMinutes * MINUTE_MS
  );
}

/**
 * The cycle a customer message at `at` (epoch ms) belongs to: the current one while the
 * conversation runs or was resolved within the reopen window, the next one when it was resolved
 * longer ago or closed.
 */
export function cycleOfCustomerMessage({ state, at }: { state: SlaState; at: number }): number {
  if (state.status === 'closed') return state.cycle + 1;
  if (state.status === 'resolved' && !reopenWindowOpen({ state, at })) return state.cycle + 1;
  return state.cycle;
}

/** When the reopen window of a resolved conversation ends (null when it is not resolved). */
export function reopenWindowEndsAt(state: SlaState): string | null {
  if (state.status !== 'resolved' || state.resolvedAt === null) return null;
  const resolvedAt = instantMs({ value: state.resolvedAt, field: 'resolvedAt' });
  return isoInstant(resolvedAt + state.policy.reopenWindowMinutes * MINUTE_MS);
}

/** Statuses the inactivity limit applies to: a closed conversation has nothing left to close. */
const CLOSABLE_BY_INACTIVITY: readonly ConversationStatus[] = ['open', 'pending', 'resolved'];

/**
 * When the conversation closes for inactivity if nothing happens first: the policy's limit in
 * calendar minutes after the last message or action, or null when it cannot close that way.
 */
export function inactivityCloseAt({
  status,
  lastActivityAt,
  policy,
}: {
  status: ConversationStatus;
  lastActivityAt: string | null;
  policy: Pick<SlaPolicy, 'inactivityCloseMinutes'>;
}): string | null {
  if (lastActivityAt === null || !CLOSABLE_BY_INACTIVITY.includes(status)) return null;
  const from = instantMs({ value: lastActivityAt, field: 'lastActivityAt' });
  return isoInstant(from + policy.inactivityCloseMinutes * MINUTE_MS);
}
