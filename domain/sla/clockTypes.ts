/**
 * The shapes of a conversation's SLA clocks as a workflow keeps them in its state: plain JSON,
 * returned by a query as is and passed on through continue-as-new.
 */
import type { BusinessCalendar } from '../businessHours';
import type { PlannedEscalation, Priority, SlaClockKind, SlaPolicy, SlaTimeBasis, EscalationAction } from './policy';

export type ConversationEvent =
  | { type: 'customer_message'; at: string; messageId: string }
  /** A public reply written by a person: the only thing that always answers the customer. */
  | { type: 'human_reply'; at: string; messageId?: string }
  | { type: 'automated_reply'; at: string; messageId?: string }
  | { type: 'private_note'; at: string }
  /** Waiting on the customer: the resolution clock pauses until they write again. */
  | { type: 'pending'; at: string }
  | { type: 'resolve'; at: string }
  | { type: 'reopen'; at: string }
  /** The conversation ends without being resolved: nobody wrote for too long, or it was spam. */
  | { type: 'close'; at: string; reason: CloseReason }
  | { type: 'priority_changed'; at: string; priority: Priority }
  | { type: 'calendar_changed'; at: string; calendar: BusinessCalendar }
  /** The brand's policy changed: clocks started from now on follow it, running ones keep theirs. */
  | { type: 'policy_changed'; at: string; policy: SlaPolicy }
  /**
   * A durable timer fired: the deadlines up to `at` have been reached. A timer that fires at an
   * instant older than the last event (a platform's timestamp ahead of the worker's clock) reaches
   * nothing new rather than failing the workflow.
   */
  | { type: 'time_reached'; at: string };

export type ConversationStatus = 'new' | 'open' | 'pending' | 'resolved' | 'closed';

/** Why a conversation closed: nothing happened for the policy's inactivity limit, or it was spam. */
export type CloseReason = 'inactivity' | 'without_reply';

export type SlaDeadlineStep = 'warning' | 'breach' | 'escalation';

export interface SlaDeadline {
  clockId: string;
  kind: SlaClockKind;
  step: SlaDeadlineStep;
  /** Set for escalation steps: what the ladder does now. */
  action?: EscalationAction;
  at: string;
}

export interface RunningSlaClock {
  id: string;
  kind: SlaClockKind;
  /** Conversations that come back after the reopen window start a new cycle of clocks. */
  cycle: number;
  priority: Priority;
  timeBasis: SlaTimeBasis;
  targetMinutes: number;
  startedAt: string;
  /** The customer messages this clock answers for, oldest first. */
  customerMessageIds: string[];
  /** Set while paused (pending on the customer); no deadline runs then. */
  pausedAt: string | null;
  countingFrom: string;
  consumedBusinessMinutes: number;
  consumedCalendarMinutes: number;
  pausedCalendarMinutes: number;
  /** Null while paused. */
  warnAt: string | null;
  dueAt: string | null;
  escalations: PlannedEscalation[];
  /** Steps already reached ("warning", "breach", "escalation:<index>"), never reached twice. */
  reachedSteps: string[];
  breachedAt: string | null;
  calendarVersion: number;
  policyVersion: number;
}

/** `closed_without_reply` (spam) counts neither as met nor as breached. */
export type SlaOutcome = 'met' | 'breached' | 'closed_unanswered' | 'closed_without_reply';

export type ClockEndedBy = 'human_reply' | 'automated_reply' | 'resolved' | 'inactivity' | 'closed_without_reply';

export interface FinishedSlaClock {
  id: string;
  kind: SlaClockKind;
  cycle: number;
  priority: Priority;
  timeBasis: SlaTimeBasis;
  targetMinutes: number;
  startedAt: string;
  endedAt: string;
  endedBy: ClockEndedBy;
  /** The last due time in force (null when it ended while paused and was never due again). */
  dueAt: string | null;
  outcome: SlaOutcome;
  breachedAt: string | null;
  /** Time from start to end without the paused stretches. */
  elapsedCalendarMinutes: number;
  elapsedBusinessMinutes: number;
  pausedCalendarMinutes: number;
  customerMessageIds: string[];
  calendarVersion: number;
  policyVersion: number;
}

export interface UnansweredMessage {
  messageId: string;
  at: string;
}

export interface SlaState {
  policy: SlaPolicy;
  /** The calendar new clocks start on. */
  calendar: BusinessCalendar;
  /** Earlier versions still measuring clocks that started on them. */
  earlierCalendars: BusinessCalendar[];
  /** Earlier policies still governing clocks that started on them (absent in states made before policies changed). */
  earlierPolicies?: SlaPolicy[];
  priority: Priority;
  status: ConversationStatus;
  cycle: number;
  firstResponseGiven: boolean;
  unanswered: UnansweredMessage[];
  resolvedAt: string | null;
  lastEventAt: string | null;
  clockCount: number;
  running: RunningSlaClock[];
  /** The most recent finished clocks (the workflow keeps a bounded number; Postgres keeps all). */
  finished: FinishedSlaClock[];
  /** A breached clock was among the finished ones no longer kept in `finished`. */
  breachedEarlier?: boolean;
}

export interface AppliedEvent {
  state: SlaState;
  /** Deadlines this event's instant has reached, in order: the workflow acts on each. */
  deadlinesReached: SlaDeadline[];
  /** Clocks this event finished. */
  clocksFinished: FinishedSlaClock[];
}
