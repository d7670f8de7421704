/**
 * How much of a conversation its workflow keeps. A busy conversation would otherwise grow its
 * state (carried through every continue-as-new and returned by every query) and its history
 * without end; Postgres keeps every message, the workflow only the recent ones.
 */
import type { ThreadState } from './threadState';

export interface ThreadHistoryLimits {
  /** Signals, updates and timers one run handles before it continues as new. */
  changesPerRun: number;
  /** Messages kept in the state. */
  keptMessages: number;
  /** Message ids kept for deduplication, in each of `seenMessageIds` and `sentReplyIds`. */
  keptMessageIds: number;
  /** Internal notes kept in the state; the audit trail keeps every one. */
  keptNotes: number;
  /** Finished SLA clocks kept in the state; `sla_clocks` in Postgres keeps every one. */
  keptFinishedClocks: number;
}

/**
 * Two hundred changes stay well below Temporal's history warnings (each is a handful of events);
 * a thousand ids cover any platform's redelivery window, and older ones are checked in Postgres.
 */
export const THREAD_HISTORY_LIMITS: ThreadHistoryLimits = {
  changesPerRun: 200,
  keptMessages: 100,
  keptMessageIds: 1000,
  keptNotes: 100,
  keptFinishedClocks: 100,
};

export function threadHistoryLimits(overrides: Partial<ThreadHistoryLimits> = {}): ThreadHistoryLimits {
  return { ...THREAD_HISTORY_LIMITS, ...overrides };
}

const lastOf = <T>(items: T[], count: number): T[] => (items.length > count ? items.slice(-count) : items);

/** The state with its lists cut to their most recent entries; notes whether ids were dropped. */
export function boundedThreadState({
  state,
  limits,
}: {
  state: ThreadState;
  limits: ThreadHistoryLimits;
}): ThreadState {
  const seenMessageIds = lastOf(state.seenMessageIds, limits.keptMessageIds);
  const sentReplyIds = lastOf(state.sentReplyIds, limits.keptMessageIds);
  const idsDropped =
    seenMessageIds.length < state.seenMessageIds.length || sentReplyIds.length < state.sentReplyIds.length;
  const finished = lastOf(state.sla.finished, limits.keptFinishedClocks);
  const droppedBreach = state.sla.finished
    .slice(0, state.sla.finished.length - finished.length)
    .some((clock) => clock.outcome === 'breached');
  return {
    ...state,
    messages: lastOf(state.messages, limits.keptMessages),
    notes: lastOf(state.notes, limits.keptNotes),
    seenMessageIds,
    sentReplyIds,
    idsForgotten: state.idsForgotten || idsDropped,
    sla:
      finished === state.sla.finished
        ? state.sla
        : { ...state.sla, finished, ...(droppedBreach || state.sla.breachedEarlier ? { breachedEarlier: true } : {}) },
  };
}
