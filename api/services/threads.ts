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
  assignThread,
  getThreadState,
  reopenThread,
  replyToThread,
  resolveThread,
  setThreadPending,
  threadWorkflowId,
  type ThreadUpdateResult,
} from '../../workflows/thread/messages';
import { decodeDueCursor, encodeDueCursor } from '../listCursor';
import { UNASSIGNED } from '../threadSchemas';
import { actorOf, brandScope, coversBrand, type AuthenticatedUser } from './caller';
import { invalidField, notFound } from './errors';
import type { TemporalAccess } from './temporal';
import { isPostgresUnreachable, isTemporalUnreachable } from './unavailable';

/** A read should not wait long on a workflow that cannot answer; the projection is a fine answer. */
const LIVE_STATE_DEADLINE_MS = 5_000;

export interface ThreadServiceDeps {
  threads: Pick<ThreadStore, 'findById' | 'list'>;
  temporal: Pick<TemporalAccess, 'workflow' | 'call'>;
  logger: Logger;
}

export interface ThreadListQuery {
  brandId?: string;
  status?: string;
  priority?: string;
  queue?: string;
  /** A user id, or UNASSIGNED. */
  assigneeId?: string;
  breached?: boolean;
  dueBefore?: string;
  limit: number;
  offset?: number;
  cursor?: string;
}

/** Who acts on which thread. */
export interface ThreadActionInput {
  user: AuthenticatedUser;
  threadId: string;
}

export function createThreadService({ threads, temporal, logger }: ThreadServiceDeps) {
  async function visibleThread(user: AuthenticatedUser, id: string) {
    const thread = await threads.findById(id);
    if (!thread || !coversBrand(user, thread.brandId)) throw notFound('No such thread');
    return thread;
  }

  /** Asks the thread's workflow to carry out one action; its validator has the last word. */
  async function act<Request, Result extends ThreadUpdateResult>(
    { user, threadId }: ThreadActionInput,
    update: UpdateDefinition<Result, [Request]>,
    request: Request,
  ) {
    const thread = await visibleThread(user, threadId);
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

    reply: (input: ThreadActionInput, text: string) => act(input, replyToThread, { by: actorOf(input.user), text }),
    addNote: (input: ThreadActionInput, text: string) => act(input, addThreadNote, { by: actorOf(input.user), text }),
    setPending: (input: ThreadActionInput) => act(input, setThreadPending, { by: actorOf(input.user) }),
    resolve: (input: ThreadActionInput) => act(input, resolveThread, { by: actorOf(input.user) }),
    reopen: (input: ThreadActionInput) => act(input, reopenThread, { by: actorOf(input.user) }),
    assign: (input: ThreadActionInput, assigneeId: string | null) =>
      act(input, assignThread, { by: actorOf(input.user), assigneeId }),
  };
}

export type ThreadService = ReturnType<typeof createThreadService>;
