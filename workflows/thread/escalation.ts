/**
 * The escalation ladder and escalating by hand: a warning tells the assignee, a breach tells the
 * queue's lead, and the ladder's steps warn, notify or hand the conversation to the lead. Every
 * step is recorded with its transition and notified through the signed webhook.
 */
import { patched, setHandler } from '@temporalio/workflow';
import type { ThreadNotification, ThreadNotificationKind } from '../../activities/threadContract';
import { TEXT } from '../../domain/limits';
import { ACTION_RULES } from '../../domain/permissions';
import type { SlaDeadline } from '../../domain/sla';
import type { Role } from '../../domain/types';
import { findQueueLead } from './activityProxies';
import { refuse, ThreadUpdateError } from './errors';
import { requireRole, requireText, result } from './handlers';
import { escalateThread, type ThreadEscalateRequest } from './messages';
import { QUEUES_AND_ESCALATION_LADDER } from './patches';
import type { ThreadRun } from './run';

const ESCALATING_ROLES: readonly Role[] = ACTION_RULES.escalateThreads.roles;

const CLOCK_NAMES: Record<SlaDeadline['kind'], string> = {
  first_response: 'first response',
  next_response: 'next response',
  resolution: 'resolution',
};

export interface LadderOutcome {
  notifications: ThreadNotification[];
  /** Set when the ladder handed the conversation to the lead. */
  reassigned: { from: string | null; to: string } | null;
}

type Recipient = 'assignee' | 'lead';

interface StepPlan {
  kind: ThreadNotificationKind;
  to: Recipient[];
  what: string;
}

function planStep(deadline: SlaDeadline): StepPlan {
  const clock = CLOCK_NAMES[deadline.kind];
  if (deadline.step === 'warning') return { kind: 'sla_warning', to: ['assignee'], what: `${clock} is due soon` };
  if (deadline.step === 'breach')
    return { kind: 'sla_breached', to: ['lead', 'assignee'], what: `${clock} is overdue` };
  switch (deadline.action) {
    case 'notify_team_lead':
      return { kind: 'sla_escalation', to: ['lead'], what: `${clock} escalated to the team lead` };
    case 'reassign_to_team_lead':
      return {
        kind: 'thread_reassigned',
        to: ['lead', 'assignee'],
        what: `${clock} overdue: reassigned to the team lead`,
      };
    default:
      return { kind: 'sla_escalation', to: ['assignee'], what: `${clock} needs an answer` };
  }
}

/**
 * What the deadlines a transition reached do: whom they notify, and whether the conversation goes
 * to the lead. A ladder step that would tell someone what the same transition already tells them
 * about the same clock (warn the assignee at the warning) adds no second notification.
 */
export async function climbLadder(run: ThreadRun, deadlines: SlaDeadline[], sequence: number): Promise<LadderOutcome> {
  const outcome: LadderOutcome = { notifications: [], reassigned: null };
  if (deadlines.length === 0 || !patched(QUEUES_AND_ESCALATION_LADDER)) return outcome;
  const { state } = run;
  const { leadId } = await findQueueLead({ brandId: state.brandId, queue: state.queue });
  const told = new Set<string>();
  for (const deadline of deadlines) {
    const plan = planStep(deadline);
    const assigneeBefore = state.assigneeId;
    if (deadline.action === 'reassign_to_team_lead') {
      // Without a lead, or with the lead already on it, there is nobody to hand it to.
      if (leadId === null || state.assigneeId === leadId) continue;
      outcome.reassigned = { from: state.assigneeId, to: leadId };
      state.assigneeId = leadId;
    }
    // Nobody to warn on an unassigned conversation: its lead hears instead.
    const people = plan.to
      .map((who) => (who === 'lead' ? leadId : (assigneeBefore ?? leadId)))
      .filter((userId): userId is string => userId !== null && !told.has(`${deadline.clockId}:${userId}`));
    const userIds = [...new Set(people)];
    if (userIds.length === 0) continue;
    for (const userId of userIds) told.add(`${deadline.clockId}:${userId}`);
    const event = deadline.step === 'escalation' ? `escalation:${deadline.action}` : deadline.step;
    outcome.notifications.push({
      notificationId: `thread:${state.threadId}:${deadline.clockId}:${event}`,
      kind: plan.kind,
      threadId: state.threadId,
      brandId: state.brandId,
      userIds,
      message: `Conversation ${state.threadId} (${state.queue}): ${plan.what}`,
      data: {
        clockId: deadline.clockId,
        clock: deadline.kind,
        step: event,
        at: deadline.at,
        queue: state.queue,
        priority: state.priority,
        assigneeId: state.assigneeId,
        sequence,
      },
    });
  }
  return outcome;
}

/** `escalateThread`: hands the conversation to its queue's lead and tells them why. */
export function registerEscalation(run: ThreadRun): void {
  const { state } = run;
  setHandler(
    escalateThread,
    ({ by, reason }) =>
      run.exclusive(async () => {
        if (state.status === 'resolved') {
          throw refuse(ThreadUpdateError.InvalidTransition, 'the conversation is resolved; reopen it to escalate');
        }
        const { leadId } = await findQueueLead({ brandId: state.brandId, queue: state.queue });
        if (leadId === null) {
          throw refuse(ThreadUpdateError.InvalidTransition, `queue ${state.queue} has no lead to escalate to`);
        }
        const from = state.assigneeId;
        state.assigneeId = leadId;
        const sequence = state.sequence + 1;
        await run.record({
          action: 'escalated',
          actorId: by.userId,
          detail: { reason, from, to: leadId, queue: state.queue },
          notifications: [
            {
              notificationId: `thread:${state.threadId}:escalated:${sequence}`,
              kind: 'thread_escalated',
              threadId: state.threadId,
              brandId: state.brandId,
              userIds: [leadId],
              message: `Conversation ${state.threadId} (${state.queue}) escalated by ${by.userId}: ${reason}`,
              data: { reason, by: by.userId, from, queue: state.queue, priority: state.priority },
            },
          ],
        });
        return result(run);
      }),
    {
      validator: ({ by, reason }: ThreadEscalateRequest) => {
        requireRole(by, ESCALATING_ROLES, 'escalating');
        if (typeof reason !== 'string') throw refuse(ThreadUpdateError.InvalidInput, 'reason must be a string');
        requireText(reason, TEXT.escalationReason);
        if (state.status === 'resolved') {
          throw refuse(ThreadUpdateError.InvalidTransition, 'the conversation is resolved; reopen it to escalate');
        }
      },
    },
  );
}
