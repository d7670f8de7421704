/**
 * The overlap policies: which of a schedule's pending starts begin now, which wait for the
 * running workflow to close, which are skipped, and whether the running one must be cancelled
 * or terminated first. Each pending start carries its own policy (trigger and backfill may
 * override the schedule's).
 */

export type OverlapPolicy =
  | 'SCHEDULE_OVERLAP_POLICY_SKIP'
  | 'SCHEDULE_OVERLAP_POLICY_BUFFER_ONE'
  | 'SCHEDULE_OVERLAP_POLICY_BUFFER_ALL'
  | 'SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER'
  | 'SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER'
  | 'SCHEDULE_OVERLAP_POLICY_ALLOW_ALL';

export const OVERLAP_POLICIES: readonly OverlapPolicy[] = [
  'SCHEDULE_OVERLAP_POLICY_SKIP',
  'SCHEDULE_OVERLAP_POLICY_BUFFER_ONE',
  'SCHEDULE_OVERLAP_POLICY_BUFFER_ALL',
  'SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER',
  'SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER',
  'SCHEDULE_OVERLAP_POLICY_ALLOW_ALL',
];

/** The policy a request names, or `fallback` when it names none. */
export function overlapPolicyOr(value: unknown, fallback: OverlapPolicy): OverlapPolicy {
  return OVERLAP_POLICIES.includes(value as OverlapPolicy) ? (value as OverlapPolicy) : fallback;
}

export interface PendingStart {
  /** The instant the start stands for: its nominal time in the spec, or when it was triggered. */
  scheduledTime: number;
  overlap: OverlapPolicy;
  /** Asked for by trigger or backfill rather than by the spec: does not use up remaining actions. */
  manual: boolean;
}

export interface OverlapOutcome {
  startNow: PendingStart[];
  keep: PendingStart[];
  skipped: number;
  cancelRunning: boolean;
  terminateRunning: boolean;
}

export function resolveOverlap(pending: readonly PendingStart[], somethingRunning: boolean): OverlapOutcome {
  const outcome: OverlapOutcome = { startNow: [], keep: [], skipped: 0, cancelRunning: false, terminateRunning: false };
  let running = somethingRunning;
  for (const start of pending) {
    if (!running) {
      // Anything after this one overlaps with it.
      outcome.startNow.push(start);
      running = true;
      continue;
    }
    switch (start.overlap) {
      case 'SCHEDULE_OVERLAP_POLICY_ALLOW_ALL':
        outcome.startNow.push(start);
        break;
      case 'SCHEDULE_OVERLAP_POLICY_SKIP':
        outcome.skipped++;
        break;
      case 'SCHEDULE_OVERLAP_POLICY_BUFFER_ONE':
        if (outcome.keep.length === 0) outcome.keep.push(start);
        else outcome.skipped++;
        break;
      case 'SCHEDULE_OVERLAP_POLICY_BUFFER_ALL':
        outcome.keep.push(start);
        break;
      case 'SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER':
      case 'SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER':
        // Only the latest start replaces what runs; earlier waiting ones are obsolete.
        outcome.skipped += outcome.keep.length;
        outcome.keep = [start];
        if (start.overlap === 'SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER') outcome.cancelRunning = true;
        else outcome.terminateRunning = true;
        break;
    }
  }
  return outcome;
}
