/**
 * Conversations over HTTP: the list, one thread's live state and the actions; the thread service
 * does the work and the thread's workflow has the last word on each action.
 */
import type { output, ZodType } from 'zod';
import { mountOperation, type OperationTarget } from '../operations';
import { EmptyBody, RejectReplyBody, ReplyDecisionParams } from '../schemas';
import type { ApiServices } from '../services';
import type { ThreadActionInput, ThreadService } from '../services/threads';
import {
  ListThreadsQuery,
  ThreadAssignBody,
  ThreadDetailResponse,
  ThreadIdParams,
  ThreadListResponse,
  ThreadNoteBody,
  ThreadReplyBody,
  ThreadResolveBody,
  ThreadUpdatedResponse,
} from '../threadSchemas';

export function mountThreadRoutes(target: OperationTarget, { threads }: Pick<ApiServices, 'threads'>): void {
  mountOperation(target, {
    method: 'get',
    path: '/v1/threads',
    operationId: 'listThreads',
    tag: 'threads',
    summary: 'Conversations, soonest SLA due time first',
    access: 'readThreads',
    query: ListThreadsQuery,
    success: { status: 200, description: 'A page of conversations', schema: ThreadListResponse },
    handle: ({ query, user }) => threads.list(user, query),
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
    handle: ({ params, user }) => threads.read(user, params.id),
  });

  function mountAction<B extends ZodType>(action: {
    path: string;
    operationId: string;
    summary: string;
    description: string;
    body: B;
    run: (service: ThreadService, input: ThreadActionInput, body: output<B>) => Promise<unknown>;
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
      handle: ({ params, body, user }) => action.run(threads, { user, threadId: params.id }, body as output<B>),
    });
  }

  mountAction({
    path: 'reply',
    operationId: 'replyToThread',
    summary: 'Reply publicly in the conversation',
    description:
      'Sent through the platform exactly once, under an idempotency key per reply. A human reply stops the ' +
      'running response clock. 409 when the conversation is resolved or the platform refused the reply. ' +
      "With `templateId`, the text is rendered from one of the brand's templates (`variables` override what the " +
      'conversation supplies) and the template is recorded with the reply; 400 when it cannot be rendered.',
    body: ThreadReplyBody,
    run: (service, input, { text, templateId, variables }) =>
      service.reply(
        input,
        templateId !== undefined ? { templateId, ...(variables ? { variables } : {}) } : { text: text! },
      ),
  });
  mountAction({
    path: 'notes',
    operationId: 'addThreadNote',
    summary: 'Add a private note',
    description: 'Seen by the team only; it never stops an SLA clock.',
    body: ThreadNoteBody,
    run: (service, input, { text }) => service.addNote(input, text),
  });
  mountAction({
    path: 'pending',
    operationId: 'setThreadPending',
    summary: 'Wait on the customer',
    description: "The resolution clock pauses until the customer's next message. 409 unless the thread is open.",
    body: EmptyBody,
    run: (service, input) => service.setPending(input),
  });
  mountAction({
    path: 'resolve',
    operationId: 'resolveThread',
    summary: 'Resolve the conversation',
    description:
      'Ends every running clock with the reason given; a response clock still running ends `closed_unanswered`. ' +
      'With `closeWithoutReply` (spam only) the conversation closes and its clocks count neither as met nor as ' +
      'breached. A customer message within the reopen window continues the same SLA cycle, after it a new one starts.',
    body: ThreadResolveBody,
    run: (service, input, body) => service.resolve(input, body),
  });
  mountAction({
    path: 'reopen',
    operationId: 'reopenThread',
    summary: 'Reopen a resolved conversation',
    description: '409 after the reopen window (7 days by default).',
    body: EmptyBody,
    run: (service, input) => service.reopen(input),
  });
  mountAction({
    path: 'assign',
    operationId: 'assignThread',
    summary: 'Assign the conversation',
    description: 'Agents may take a conversation for themselves (or give back their own); managers assign anyone.',
    body: ThreadAssignBody,
    run: (service, input, { assigneeId }) => service.assign(input, assigneeId),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/threads/:id/replies/:replyId/approve',
    operationId: 'approveThreadReply',
    tag: 'threads',
    summary: 'Approve a reply held during a crisis, which sends it',
    description:
      'While the brand is in a crisis a reply is not sent: it waits in the conversation (`pendingReplies`, and ' +
      '`pendingApprovals` in the list) while its response clock keeps running. Approving sends it as its writer ' +
      'wrote it, exactly once, and records who approved it. 409 when no such reply waits or the conversation ended.',
    access: 'approveCrisisReplies',
    params: ReplyDecisionParams,
    body: EmptyBody,
    errors: [404, 409],
    success: { status: 200, description: 'Sent', schema: ThreadUpdatedResponse },
    handle: ({ params, user }) => threads.approveReply({ user, threadId: params.id }, params.replyId),
  });
  mountOperation(target, {
    method: 'post',
    path: '/v1/threads/:id/replies/:replyId/reject',
    operationId: 'rejectThreadReply',
    tag: 'threads',
    summary: 'Reject a reply held during a crisis',
    description: 'The reply is never sent; the rejection and its reason are recorded. 409 when no such reply waits.',
    access: 'approveCrisisReplies',
    params: ReplyDecisionParams,
    body: RejectReplyBody,
    errors: [404, 409],
    success: { status: 200, description: 'Rejected', schema: ThreadUpdatedResponse },
    handle: ({ params, body, user }) => threads.rejectReply({ user, threadId: params.id }, params.replyId, body.reason),
  });
}
