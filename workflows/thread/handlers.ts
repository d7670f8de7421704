/**
 * The conversation's signal, updates and query. Validators refuse before anything reaches
 * history, so a refused update changes nothing; handlers run one at a time through the run's lane.
 */
import { ActivityFailure, ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import { TEXT } from '../../domain/limits';
import { ACTION_RULES } from '../../domain/permissions';
import { eventProblem, type ConversationEvent } from '../../domain/sla';
import { textProblem } from '../../domain/text';
import type { ThreadMessage } from '../../domain/threadState';
import type { Actor, Role } from '../../domain/types';
import { sendThreadReply } from './activityProxies';
import { refuse, ThreadUpdateError } from './errors';
import { receiveInbound } from './inbound';
import { assignFromQueueIfWaiting } from './queueing';
import {
  addThreadNote,
  assignThread,
  getThreadState,
  inboundMessage,
  reopenThread,
  replyToThread,
  resolveThread,
  setThreadPending,
  type ThreadAssignRequest,
  type ThreadNoteRequest,
  type ThreadReplyRequest,
  type ThreadResolveRequest,
  type ThreadUpdateResult,
} from './messages';
import type { ThreadRun } from './run';
import { resolveOrClose, resolveProblem } from './resolution';

const ANSWERING_ROLES: readonly Role[] = ACTION_RULES.answerThreads.roles;
const ASSIGNING_ROLES: readonly Role[] = ACTION_RULES.assignThreads.roles;

const MAX_TEMPLATE_ID_LENGTH = 200;

const nowIso = (): string => new Date(Date.now()).toISOString();

/** Runs from before it send no time with a reply's key. */
export const REPLY_KEY_TIME_PATCH = 'reply-key-time';

export function requireRole(by: Actor, roles: readonly Role[], what: string): void {
  if (!by || typeof by.userId !== 'string' || !Array.isArray(by.roles)) {
    throw refuse(ThreadUpdateError.InvalidInput, 'the request names no user');
  }
  if (!by.roles.some((role) => roles.includes(role))) {
    throw refuse(ThreadUpdateError.Forbidden, `${what} requires one of: ${roles.join(', ')}`);
  }
}

export function requireText(text: unknown, rules: (typeof TEXT)[keyof typeof TEXT]): void {
  if (typeof text !== 'string') throw refuse(ThreadUpdateError.InvalidInput, 'text must be a string');
  const problem = textProblem(text, rules);
  if (problem) throw refuse(ThreadUpdateError.InvalidInput, `text ${problem.message}`);
}

function requireEvent(run: ThreadRun, event: ConversationEvent): void {
  const problem = eventProblem({ state: run.state.sla, event });
  if (problem) throw refuse(ThreadUpdateError.InvalidTransition, problem);
}

function refuseReplyWhenEnded(run: ThreadRun): void {
  if (run.state.status === 'resolved') {
    throw refuse(ThreadUpdateError.InvalidTransition, 'the conversation is resolved; reopen it to reply');
  }
  if (run.state.status === 'closed') {
    throw refuse(
      ThreadUpdateError.InvalidTransition,
      'the conversation is closed; it opens again when the customer writes',
    );
  }
}

export function result(run: ThreadRun): ThreadUpdateResult {
  return { status: run.state.status, sequence: run.state.sequence };
}

export function registerThreadHandlers(run: ThreadRun): void {
  const { state } = run;

  setHandler(inboundMessage, (signal) => run.exclusive(() => receiveInbound(run, signal)));

  setHandler(getThreadState, () => state);

  setHandler(
    replyToThread,
    ({ by, text, templateId }) =>
      run.exclusive(async () => {
        refuseReplyWhenEnded(run);
        // Reserved before the call, so a retried activity reuses the key and a new reply gets its own.
        state.repliesSent += 1;
        const idempotencyKey = `${run.workflowId}:reply:${state.repliesSent}`;
        const lastInbound = [...state.messages].reverse().find((message) => message.direction === 'inbound');
        let sent: { externalId: string; sentAt: string };
        try {
          sent = await sendThreadReply({
            accountId: state.accountId,
            platform: state.platform,
            externalThreadId: state.externalThreadId,
            ...(lastInbound ? { inReplyToExternalId: lastInbound.externalId } : {}),
            text,
            idempotencyKey,
            ...(patched(REPLY_KEY_TIME_PATCH) ? { keyFixedAt: nowIso() } : {}),
          });
        } catch (error) {
          const cause = error instanceof ActivityFailure ? error.cause : error;
          const reason = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
          throw refuse(ThreadUpdateError.ReplyNotSent, `the platform did not take the reply: ${reason}`);
        }
        state.sentReplyIds.push(sent.externalId);
        const reply: ThreadMessage = {
          externalId: sent.externalId,
          direction: 'outbound',
          kind: lastInbound?.kind ?? 'comment',
          author: { id: state.accountId, handle: state.accountId },
          text,
          sentAt: sent.sentAt,
          ...(lastInbound ? { inReplyTo: lastInbound.externalId } : {}),
          sentBy: by.userId,
        };
        state.messages.push(reply);
        run.applySla({ type: 'human_reply', at: nowIso(), messageId: sent.externalId });
        await run.record({
          action: 'replied',
          actorId: by.userId,
          detail: { messageId: sent.externalId, idempotencyKey, ...(templateId !== undefined ? { templateId } : {}) },
          newMessages: [reply],
        });
        return { ...result(run), messageId: sent.externalId, sentAt: sent.sentAt };
      }),
    {
      validator: ({ by, text, templateId }: ThreadReplyRequest) => {
        requireRole(by, ANSWERING_ROLES, 'replying');
        requireText(text, TEXT.replyText);
        if (
          templateId !== undefined &&
          (typeof templateId !== 'string' || templateId.length > MAX_TEMPLATE_ID_LENGTH)
        ) {
          throw refuse(ThreadUpdateError.InvalidInput, 'templateId must be a template id');
        }
        refuseReplyWhenEnded(run);
      },
    },
  );

  setHandler(
    addThreadNote,
    ({ by, text }) =>
      run.exclusive(async () => {
        const at = nowIso();
        state.notes.push({ by: by.userId, text, at });
        run.applySla({ type: 'private_note', at });
        await run.record({ action: 'note_added', actorId: by.userId, detail: { text } });
        return result(run);
      }),
    {
      validator: ({ by, text }: ThreadNoteRequest) => {
        requireRole(by, ANSWERING_ROLES, 'adding a note');
        requireText(text, TEXT.revisionNote);
      },
    },
  );

  const clockAction = (
    type: 'pending' | 'reopen',
    action: string,
  ): ((request: { by: Actor }) => Promise<ThreadUpdateResult>) => {
    return ({ by }) =>
      run.exclusive(async () => {
        // Validated on arrival; an action queued behind another (two resolves at once) is judged again.
        requireEvent(run, { type, at: nowIso() });
        run.applySla({ type, at: nowIso() });
        await run.record({ action, actorId: by.userId });
        if (type === 'reopen') await assignFromQueueIfWaiting(run);
        return result(run);
      });
  };
  const clockValidator =
    (type: 'pending' | 'reopen', what: string) =>
    ({ by }: { by: Actor }): void => {
      requireRole(by, ANSWERING_ROLES, what);
      requireEvent(run, { type, at: nowIso() });
    };

  setHandler(setThreadPending, clockAction('pending', 'set_pending'), {
    validator: clockValidator('pending', 'setting a conversation pending'),
  });
  setHandler(
    resolveThread,
    (request) =>
      run.exclusive(async () => {
        // Validated on arrival; a resolve queued behind another (two at once) is judged again.
        const problem = resolveProblem({ state, request, at: nowIso() });
        if (problem) throw refuse(problem.type, problem.message);
        await resolveOrClose(run, {
          by: request.by.userId,
          reason: request.reason,
          withoutReply: request.closeWithoutReply === true,
        });
        return result(run);
      }),
    {
      validator: (request: ThreadResolveRequest) => {
        requireRole(request.by, ANSWERING_ROLES, 'resolving');
        const problem = resolveProblem({ state, request, at: nowIso() });
        if (problem) throw refuse(problem.type, problem.message);
      },
    },
  );
  setHandler(reopenThread, clockAction('reopen', 'reopened'), {
    validator: clockValidator('reopen', 'reopening'),
  });

  setHandler(
    assignThread,
    ({ by, assigneeId }) =>
      run.exclusive(async () => {
        const from = state.assigneeId;
        state.assigneeId = assigneeId;
        await run.record({ action: 'assigned', actorId: by.userId, detail: { from, to: assigneeId } });
        // Given back to the queue: the queue picks the next agent.
        if (assigneeId === null) await assignFromQueueIfWaiting(run);
        return result(run);
      }),
    {
      validator: ({ by, assigneeId }: ThreadAssignRequest) => {
        requireRole(by, ANSWERING_ROLES, 'assigning');
        if (assigneeId !== null && (typeof assigneeId !== 'string' || assigneeId.length === 0)) {
          throw refuse(ThreadUpdateError.InvalidInput, 'assigneeId must be a user id or null');
        }
        // An agent takes a conversation for themselves; handing it to someone else is a lead's call.
        const selfService = assigneeId === by.userId || (assigneeId === null && state.assigneeId === by.userId);
        if (!selfService) requireRole(by, ASSIGNING_ROLES, 'assigning to someone else');
      },
    },
  );
}
