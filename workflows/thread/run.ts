/**
 * One run of a conversation: its state, the one-at-a-time lane every change goes through, the SLA
 * clocks fed event by event, and the record of each transition.
 */
import { log, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  applyEvent,
  createSlaState,
  type AppliedEvent,
  type ConversationEvent,
  type FinishedSlaClock,
  type RunningSlaClock,
  type SlaDeadline,
  type SlaState,
} from '../../domain/sla';
import { boundedThreadState, threadHistoryLimits, type ThreadHistoryLimits } from '../../domain/threadHistory';
import { DEFAULT_THREAD_SETTINGS, type ThreadSettings } from '../../domain/threadSettings';
import { threadIdOf, type ThreadMessage, type ThreadState } from '../../domain/threadState';
import type { TriageRules } from '../../domain/triage';
import type { SlaEventRecord, ThreadNotification } from '../../activities/threadContract';
import { deliverThreadNotification, recordThreadTransition } from './activityProxies';
import { climbLadder } from './escalation';
import { threadWorkflowId, type ThreadLifecycleInput } from './messages';
import { offerFreedRoom } from './queueing';
import { ThreadSearchAttributes } from './searchAttributes';

const nowIso = (): string => new Date(Date.now()).toISOString();

function initialState(input: ThreadLifecycleInput, settings: ThreadSettings): ThreadState {
  const priority = 'low';
  return {
    threadId: threadIdOf(input),
    accountId: input.accountId,
    brandId: input.brandId,
    platform: input.platform,
    externalThreadId: input.externalThreadId,
    status: 'new',
    priority,
    category: 'support',
    queue: settings.triageRules.queueByCategory.support,
    assigneeId: null,
    messages: [],
    notes: [],
    seenMessageIds: [],
    sentReplyIds: [],
    idsForgotten: false,
    repliesSent: 0,
    sla: createSlaState({ policy: settings.slaPolicy, calendar: settings.calendar, priority }),
    nextDueAt: null,
    closure: null,
    lastActivityAt: null,
    sequence: 0,
    updatedAt: nowIso(),
  };
}

/** The soonest due time among the clocks that run: what an agent's list is sorted by. */
function soonestDue(sla: SlaState): string | null {
  const due = sla.running.flatMap((clock) => (clock.dueAt !== null ? [clock.dueAt] : []));
  return due.sort()[0] ?? null;
}

/** The agent whose capacity this conversation counts against, and the queue it is in. */
function placeHeldIn(state: ThreadState): { by: string; queue: string } | null {
  if (state.assigneeId === null || state.status === 'resolved' || state.status === 'closed') return null;
  return { by: state.assigneeId, queue: state.queue };
}

export interface Transition {
  action: string;
  actorId: string;
  detail?: Record<string, unknown>;
  newMessages?: ThreadMessage[];
  notifications?: ThreadNotification[];
  /** A timer's doing, not a message or action: the inactivity limit keeps counting. */
  passive?: boolean;
}

export class ThreadRun {
  readonly state: ThreadState;
  readonly workflowId: string;
  /**
   * The brand's triage rules as last read: from the input at first, then from each message's read of
   * the brand's settings (not carried through continue-as-new; the next message reads them again).
   */
  triageRules: TriageRules;
  readonly limits: ThreadHistoryLimits;
  /** Bumped on every change, so the main loop re-plans its timer. */
  version = 0;
  /** Signals, updates and timers this run has handled: its history grows with each. */
  private changes = 0;
  private readonly searchAttributes = new ThreadSearchAttributes(workflowInfo().typedSearchAttributes);
  private lane: Promise<unknown> = Promise.resolve();
  /** Whose place the conversation held as of its last record. */
  private placeHeld: { by: string; queue: string } | null;
  private pendingSla: { clocks: (RunningSlaClock | FinishedSlaClock)[]; events: SlaEventRecord[] } = {
    clocks: [],
    events: [],
  };
  /** Deadlines reached since the last record: the escalation ladder acts on them as it records. */
  private pendingLadder: SlaDeadline[] = [];

  constructor(readonly input: ThreadLifecycleInput) {
    const settings = input.settings ?? DEFAULT_THREAD_SETTINGS;
    this.triageRules = settings.triageRules;
    this.limits = threadHistoryLimits(input.historyLimits);
    this.state = input.continued ?? initialState(input, settings);
    this.placeHeld = placeHeldIn(this.state);
    this.workflowId = workflowInfo().workflowId ?? threadWorkflowId(this.state.threadId);
  }

  /**
   * Runs changes one after the other: a reply waiting on the platform must not interleave with a
   * message arriving meanwhile, or the clocks would see events out of order.
   */
  exclusive<T>(change: () => Promise<T>): Promise<T> {
    this.changes += 1;
    const result = this.lane.then(change);
    this.lane = result.catch(() => undefined);
    return result;
  }

  /** Feeds one event to the clocks and keeps what it reached for the next record. */
  applySla(event: ConversationEvent): AppliedEvent {
    const applied = applyEvent({ state: this.state.sla, event });
    this.state.sla = applied.state;
    this.pendingLadder.push(...applied.deadlinesReached);
    for (const deadline of applied.deadlinesReached) {
      this.pendingSla.events.push({
        clockId: deadline.clockId,
        kind: deadline.kind,
        event: deadline.step === 'escalation' ? `escalation:${deadline.action}` : deadline.step,
        at: deadline.at,
        detail: deadline.action ? { action: deadline.action } : {},
      });
    }
    for (const clock of applied.clocksFinished) {
      this.pendingSla.events.push({
        clockId: clock.id,
        kind: clock.kind,
        event: clock.outcome,
        at: clock.endedAt,
        detail: {
          endedBy: clock.endedBy,
          dueAt: clock.dueAt,
          elapsedCalendarMinutes: clock.elapsedCalendarMinutes,
          elapsedBusinessMinutes: clock.elapsedBusinessMinutes,
        },
      });
    }
    this.pendingSla.clocks.push(...applied.clocksFinished);
    this.state.status = applied.state.status;
    if (this.state.status !== 'resolved' && this.state.status !== 'closed') this.state.closure = null;
    this.version += 1;
    return applied;
  }

  /** Writes the transition (projection, audit, messages, clocks, SLA events) under the next sequence. */
  async record(transition: Transition): Promise<void> {
    const { state } = this;
    const ladder = await climbLadder(this, this.pendingLadder.splice(0), state.sequence + 1);
    if (ladder.reassigned) {
      for (const event of this.pendingSla.events) {
        if (event.event === 'escalation:reassign_to_team_lead')
          event.detail = { ...event.detail, ...ladder.reassigned };
      }
    }
    const notifications = [...ladder.notifications, ...(transition.notifications ?? [])];
    state.sequence += 1;
    state.updatedAt = nowIso();
    state.nextDueAt = soonestDue(state.sla);
    if (!transition.passive) state.lastActivityAt = state.updatedAt;
    Object.assign(state, boundedThreadState({ state, limits: this.limits }));
    const changedAttributes = this.searchAttributes.changes(state);
    if (changedAttributes.length > 0) upsertSearchAttributes(changedAttributes);
    const sla = this.pendingSla;
    this.pendingSla = { clocks: [], events: [] };
    const finishedIds = new Set(sla.clocks.map((clock) => clock.id));
    this.version += 1;
    const detail = ladder.reassigned ? { ...transition.detail, reassigned: ladder.reassigned } : transition.detail;
    const recorded = await recordThreadTransition({
      workflowId: this.workflowId,
      sequence: state.sequence,
      action: transition.action,
      actorId: transition.actorId,
      at: state.updatedAt,
      ...(detail ? { detail } : {}),
      state,
      newMessages: transition.newMessages ?? [],
      clocks: [...sla.clocks, ...state.sla.running.filter((clock) => !finishedIds.has(clock.id))],
      slaEvents: sla.events,
      ...(notifications.length > 0 ? { notifications } : {}),
    });
    // Histories recorded before the activity answered anything carry no result.
    const undelivered = recorded?.undelivered ?? [];
    for (const notification of notifications) {
      if (undelivered.includes(notification.notificationId)) this.redeliver(notification);
    }
    const held = this.placeHeld;
    this.placeHeld = placeHeldIn(state);
    if (held !== null && this.placeHeld?.by !== held.by) await offerFreedRoom(this, held.queue);
  }

  private redeliver(notification: ThreadNotification): void {
    void deliverThreadNotification(notification).catch((error: unknown) => {
      // After the last attempt the notification stays recorded, undelivered, in Postgres.
      log.warn('thread notification not delivered', {
        notificationId: notification.notificationId,
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }

  /** This run has handled enough to continue as new before its history grows large. */
  get historyFull(): boolean {
    return this.changes >= this.limits.changesPerRun;
  }

  get hasPendingSlaEvents(): boolean {
    return this.pendingSla.events.length > 0;
  }
}
