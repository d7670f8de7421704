/**
 * Conversations for the agents: the list from the projection (soonest due first), one thread's
 * live state from its workflow (the recorded state when it cannot answer), and the actions, which
 * the thread's workflow validates and carries out.
 */
import type { UpdateDefinition } from '@temporalio/client';
import type { Logger } from 'pino';
import type { ThreadListFilter, ThreadStore, ThreadSummary } from '../../db/threads';
import {
  addThreadNote,
  approveThreadReply,
  assignThread,
  escalateThread,
  getThreadState,
  rejectThreadReply,
  reopenThread,
  replyToThread,
  resolveThread,
  setThreadPending,
  threadWorkflowId,
  type ThreadUpdateResult,
} from '../../workflows/thread/messages';
import type { Role } from '../../domain/types';
import { decodeDueCursor, encodeDueCursor } from '../listCursor';
import { UNASSIGNED } from '../threadSchemas';
import { actorOf, brandScope, coversBrand, type AuthenticatedUser } from './caller';
import type { ReplyTemplateService, TemplateVariableValues } from './replyTemplates';
import { conflict, forbiddenAction, invalidField, notFound } from './errors';
import type { QueueService } from './queues';
import type { TemporalAccess } from './temporal';
import { isPostgresUnreachable, isTemporalUnreachable } from './unavailable';

/** A read should not wait long on a workflow that cannot answer; the projection is a fine answer. */
const LIVE_STATE_DEADLINE_MS = 5_000;

export interface ThreadServiceDeps {
  threads: Pick<ThreadStore, 'findById' | 'list'>;
  temporal: Pick<TemporalAccess, 'workflow' | 'call'>;
  logger: Logger;
  templates: Pick<ReplyTemplateService, 'renderForThread'>;
  /** Who serves which queue; without it every agent of the brand serves every queue. */
  queues?: Pick<QueueService, 'serves' | 'requireLead'>;
}

/** Roles that work on any conversation of their brand, whatever its queue. */
const BEYOND_QUEUES: readonly Role[] = ['lead', 'manager', 'admin'];

/** A reply is either written out or rendered from one of the brand's templates. */
export type ThreadReplyInput = { text: string } | { templateId: string; variables?: TemplateVariableValues };

export interface ThreadListQuery {
  brandId?: string;
  status?: string;
  priority?: string;
  queue?: string;
  /** A user id, or UNASSIGNED. */
  assigneeId?: string;
  breached?: boolean;
  dueBefore?: string;
  pendingApproval?: boolean;
  limit: number;
  offset?: number;
  cursor?: string;
}

/** Who acts on which thread. */
export interface ThreadActionInput {
  user: AuthenticatedUser;
  threadId: string;
}

export function createThreadService({ threads, temporal, logger, templates, queues }: ThreadServiceDeps) {
  async function visibleThread(user: AuthenticatedUser, id: string) {
    const thread = await threads.findById(id);
    if (!thread || !coversBrand(user, thread.brandId)) throw notFound('No such thread');
    return thread;
  }

  /** An agent works on the conversations of the queues they serve. */
  async function requireOwnQueue(user: AuthenticatedUser, thread: { brandId: string; queue: string }) {
    if (!queues || user.roles.some((role) => BEYOND_QUEUES.includes(role))) return;
    const problem = await queues.serves({ brandId: thread.brandId, queue: thread.queue, userId: user.id });
    if (problem) throw forbiddenAction(`${problem}; agents work on the conversations of their queues`);
  }

  /** Asks the thread's workflow to carry out one action; its validator has the last word. */
  async function act<Request, Result extends ThreadUpdateResult>(
    { user, threadId }: ThreadActionInput,
    update: UpdateDefinition<Result, [Request]>,
    request: Request,
  ) {
    const thread = await visibleThread(user, threadId);
    await requireOwnQueue(user, thread);
    const result = await temporal.call(() =>
      temporal.workflow.getHandle(threadWorkflowId(thread.id)).executeUpdate(update, { args: [request] }),
    );
    return { threadId: thread.id, result: { ...result } };
  }

  return {
    async list(user: AuthenticatedUser, query: ThreadListQuery) {
      const after = query.cursor !== undefined ? decodeDueCursor(query.cursor) : undefined;
      if (query.cursor !== undefined && !after) {
        throw invalidField(['cursor'], 'not a cursor this API issued; pass nextCursor from the previous page');
      }
      const paging = after ? {} : { offset: query.offset ?? 0 };
      const scope = brandScope(user);
      if (query.brandId && scope && !scope.includes(query.brandId)) {
        return { items: [] as ThreadSummary[], limit: query.limit, ...paging, nextCursor: null };
      }
      const filter: ThreadListFilter = {
        ...(query.brandId ? { brandIds: [query.brandId] } : scope ? { brandIds: scope } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.priority ? { priority: query.priority } : {}),
        ...(query.queue ? { queue: query.queue } : {}),
        ...(query.assigneeId ? { assigneeId: query.assigneeId === UNASSIGNED ? null : query.assigneeId } : {}),
        ...(query.breached !== undefined ? { breached: query.breached } : {}),
        ...(query.dueBefore ? { dueBefore: query.dueBefore } : {}),
        ...(query.pendingApproval !== undefined ? { pendingApproval: query.pendingApproval } : {}),
        // One more than asked tells whether another page follows.
        limit: query.limit + 1,
        offset: query.offset ?? 0,
        ...(after ? { after } : {}),
      };
      const found = await threads.list(filter);
      const items = found.slice(0, query.limit);
      const last = items.at(-1);
      return {
        items,
        limit: query.limit,
        ...paging,
        nextCursor: found.length > query.limit && last ? encodeDueCursor({ dueAt: last.nextDueAt, id: last.id }) : null,
      };
    },

    /** The thread's live state from its workflow, or its last recorded state and why. */
    async read(user: AuthenticatedUser, threadId: string) {
      const thread = await visibleThread(user, threadId);
      try {
        const state = await temporal.call(() => temporal.workflow.getHandle(thread.workflowId).query(getThreadState), {
          deadlineMs: LIVE_STATE_DEADLINE_MS,
        });
        return { threadId: thread.id, source: 'workflow' as const, state };
      } catch (error) {
        const staleReason =
          isTemporalUnreachable(error) || isPostgresUnreachable(error)
            ? 'Temporal did not answer'
            : 'the workflow could not answer';
        logger.warn({ err: error, threadId: thread.id }, 'serving the recorded thread state');
        return { threadId: thread.id, source: 'database' as const, staleReason, state: thread.state };
      }
    },

    async reply(input: ThreadActionInput, reply: ThreadReplyInput) {
      if ('text' in reply) return act(input, replyToThread, { by: actorOf(input.user), text: reply.text });
      const thread = await visibleThread(input.user, input.threadId);
      const text = await templates.renderForThread({ user: input.user, thread, ...reply });
      return act(input, replyToThread, { by: actorOf(input.user), text, templateId: reply.templateId });
    },
    /** Sends a reply held during a crisis, as its writer wrote it; the approval is recorded with it. */
    approveReply: (input: ThreadActionInput, replyId: string) =>
      act(input, approveThreadReply, { by: actorOf(input.user), replyId }),
    rejectReply: (input: ThreadActionInput, replyId: string, reason: string) =>
      act(input, rejectThreadReply, { by: actorOf(input.user), replyId, reason }),
    addNote: (input: ThreadActionInput, text: string) => act(input, addThreadNote, { by: actorOf(input.user), text }),
    setPending: (input: ThreadActionInput) => act(input, setThreadPending, { by: actorOf(input.user) }),
    resolve: (
      input: ThreadActionInput,
      { reason, closeWithoutReply }: { reason: string; closeWithoutReply?: boolean },
    ) =>
      act(input, resolveThread, {
        by: actorOf(input.user),
        reason,
        ...(closeWithoutReply !== undefined ? { closeWithoutReply } : {}),
      }),
    reopen: (input: ThreadActionInput) => act(input, reopenThread, { by: actorOf(input.user) }),
    async assign(input: ThreadActionInput, assigneeId: string | null) {
      if (assigneeId !== null && queues) {
        const thread = await visibleThread(input.user, input.threadId);
        const problem = await queues.serves({ brandId: thread.brandId, queue: thread.queue, userId: assigneeId });
        if (problem) throw conflict(`${problem}; assign someone who serves it`);
      }
      return act(input, assignThread, { by: actorOf(input.user), assigneeId });
    },
    /** Hands the conversation to its queue's lead; 409 when the queue has none. */
    async escalate(input: ThreadActionInput, reason: string) {
      const thread = await visibleThread(input.user, input.threadId);
      await queues?.requireLead({ brandId: thread.brandId, queue: thread.queue });
      return act(input, escalateThread, { by: actorOf(input.user), reason });
    },
  };
}

export type ThreadService = ReturnType<typeof createThreadService>;
