/**
 * Conversations for the agents: the list from the projection (soonest due first), one thread's
 * live state from its workflow, and the actions, which the workflow validates and carries out.
 */
import type { UpdateDefinition } from '@temporalio/client';
import type { output, ZodType } from 'zod';
import type { Actor } from '../../domain/types';
import type { ThreadSummary } from '../../db/threads';
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
import { actorOf, brandScope, coversBrand, type AuthenticatedUser } from '../auth';
import { classifyError } from '../errors';
import { notFound } from '../services/errors';
import { mountOperation, type OperationTarget } from '../operations';
import { EmptyBody } from '../schemas';
import {
  ListThreadsQuery,
  ThreadAssignBody,
  ThreadDetailResponse,
  ThreadIdParams,
  ThreadListResponse,
  ThreadNoteBody,
  ThreadReplyBody,
  ThreadUpdatedResponse,
} from '../threadSchemas';
import type { ApiServices } from '../services';

/** A read should not wait long on a workflow that cannot answer; the projection is a fine answer. */
const LIVE_STATE_DEADLINE_MS = 5_000;

export function mountThreadRoutes(target: OperationTarget, services: ApiServices): void {
  const threads = services.conversations.threads;

  async function visibleThread(user: AuthenticatedUser, id: string) {
    const thread = await threads.findById(id);
    if (!thread || !coversBrand(user, thread.brandId)) throw notFound('No such thread');
    return thread;
  }

  mountOperation(target, {
    method: 'get',
    path: '/v1/threads',
    operationId: 'listThreads',
    tag: 'threads',
    summary: 'Conversations, soonest SLA due time first',
    access: 'readThreads',
    query: ListThreadsQuery,
    success: { status: 200, description: 'A page of conversations', schema: ThreadListResponse },
    handle: async ({ query, user }) => {
      const scope = brandScope(user);
      if (query.brandId && scope && !scope.includes(query.brandId)) {
        return { items: [] as ThreadSummary[], limit: query.limit, offset: query.offset };
      }
      const items = await threads.list({
        ...(query.brandId ? { brandIds: [query.brandId] } : scope ? { brandIds: scope } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.priority ? { priority: query.priority } : {}),
        ...(query.assigneeId ? { assigneeId: query.assigneeId } : {}),
        limit: query.limit,
        offset: query.offset,
      });
      return { items, limit: query.limit, offset: query.offset };
    },
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/threads/:id',
    operationId: 'getThread',
    tag: 'threads',
    summary: "A conversation's live state",
    description:
      'From its workflow; when the workflow cannot answer, `source` is `database` (the last recorded state) ' +
      'and `staleReason` says why.',
    access: 'readThreads',
    params: ThreadIdParams,
    errors: [404],
    success: { status: 200, description: 'The conversation', schema: ThreadDetailResponse },
    handle: async ({ params, user }) => {
      const thread = await visibleThread(user, params.id);
      try {
        const state = await services.conversations.temporal.call(
          () => services.conversations.temporal.workflow.getHandle(thread.workflowId).query(getThreadState),
          { deadlineMs: LIVE_STATE_DEADLINE_MS },
        );
        return { threadId: thread.id, source: 'workflow' as const, state };
      } catch (error) {
        const staleReason =
          classifyError(error).status === 503 ? 'Temporal did not answer' : 'the workflow could not answer';
        services.conversations.logger.warn({ err: error, threadId: thread.id }, 'serving the recorded thread state');
        return { threadId: thread.id, source: 'database' as const, staleReason, state: thread.state };
      }
    },
  });

  function mountAction<B extends ZodType, Request, Result extends ThreadUpdateResult>(action: {
    path: string;
    operationId: string;
    summary: string;
    description: string;
    body: B;
    update: UpdateDefinition<Result, [Request]>;
    request: (body: output<B>, by: Actor) => Request;
  }): void {
    mountOperation(target, {
      method: 'post',
      path: `/v1/threads/:id/${action.path}`,
      operationId: action.operationId,
      tag: 'threads',
      summary: action.summary,
      description: action.description,
      access: 'answerThreads',
      params: ThreadIdParams,
      body: action.body,
      errors: [404, 409],
      success: { status: 200, description: 'Done', schema: ThreadUpdatedResponse },
      handle: async ({ params, body, user }) => {
        const thread = await visibleThread(user, params.id);
        const result = await services.conversations.temporal.call(() =>
          services.conversations.temporal.workflow
            .getHandle(threadWorkflowId(thread.id))
            .executeUpdate(action.update, { args: [action.request(body as output<B>, actorOf(user))] }),
        );
        return { threadId: thread.id, result: { ...result } };
      },
    });
  }

  mountAction({
    path: 'reply',
    operationId: 'replyToThread',
    summary: 'Reply publicly in the conversation',
    description:
      'Sent through the platform exactly once, under an idempotency key per reply. A human reply stops the ' +
      'running response clock. 409 when the conversation is resolved or the platform refused the reply.',
    body: ThreadReplyBody,
    update: replyToThread,
    request: ({ text }, by) => ({ by, text }),
  });
  mountAction({
    path: 'notes',
    operationId: 'addThreadNote',
    summary: 'Add a private note',
    description: 'Seen by the team only; it never stops an SLA clock.',
    body: ThreadNoteBody,
    update: addThreadNote,
    request: ({ text }, by) => ({ by, text }),
  });
  mountAction({
    path: 'pending',
    operationId: 'setThreadPending',
    summary: 'Wait on the customer',
    description: "The resolution clock pauses until the customer's next message. 409 unless the thread is open.",
    body: EmptyBody,
    update: setThreadPending,
    request: (_body, by) => ({ by }),
  });
  mountAction({
    path: 'resolve',
    operationId: 'resolveThread',
    summary: 'Resolve the conversation',
    description: 'Ends every running clock; a response clock still running ends `closed_unanswered`.',
    body: EmptyBody,
    update: resolveThread,
    request: (_body, by) => ({ by }),
  });
  mountAction({
    path: 'reopen',
    operationId: 'reopenThread',
    summary: 'Reopen a resolved conversation',
    description: '409 after the reopen window (7 days by default).',
    body: EmptyBody,
    update: reopenThread,
    request: (_body, by) => ({ by }),
  });
  mountAction({
    path: 'assign',
    operationId: 'assignThread',
    summary: 'Assign the conversation',
    description: 'Agents may take a conversation for themselves (or give back their own); managers assign anyone.',
    body: ThreadAssignBody,
    update: assignThread,
    request: ({ assigneeId }, by) => ({ by, assigneeId }),
  });
}
