/**
 * A brand's conversation queues, escalating a conversation to its queue's lead, and the caller's
 * inbox: what waits on them, soonest due first.
 */
import { mountOperation, type OperationTarget } from '../operations';
import { InboxQuery, InboxResponse, PutQueuesBody, QueuesResponse, ThreadEscalateBody } from '../queueSchemas';
import { BrandIdParams } from '../schemas';
import type { ApiServices } from '../services';
import { ThreadIdParams, ThreadUpdatedResponse } from '../threadSchemas';

export function mountQueueRoutes(
  target: OperationTarget,
  { queues, threads }: Pick<ApiServices, 'queues' | 'threads'>,
): void {
  mountOperation(target, {
    method: 'get',
    path: '/v1/brands/:id/queues',
    operationId: 'getBrandQueues',
    tag: 'threads',
    summary: "The brand's conversation queues",
    description: 'Each queue with its assignment strategy, its team lead and its agents with their capacity.',
    access: 'readThreads',
    params: BrandIdParams,
    errors: [404],
    success: { status: 200, description: "The brand's queues", schema: QueuesResponse },
    handle: ({ params, user }) => queues.list(user, params.id),
  });

  mountOperation(target, {
    method: 'put',
    path: '/v1/brands/:id/queues',
    operationId: 'putBrandQueues',
    tag: 'threads',
    summary: "Replace the brand's conversation queues",
    description:
      'Queues left out are removed. A lead must hold the `lead` role and members the `agent` (or `lead`) role, ' +
      'all working for the brand (400 names the one that does not). A queue kept keeps its round-robin position. ' +
      'Conversations already assigned stay with their assignee.',
    access: 'configureQueues',
    params: BrandIdParams,
    body: PutQueuesBody,
    errors: [404],
    success: { status: 200, description: 'The queues as now configured', schema: QueuesResponse },
    handle: ({ params, body, user }) => queues.replace(user, params.id, body.queues),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/threads/:id/escalate',
    operationId: 'escalateThread',
    tag: 'threads',
    summary: "Escalate the conversation to its queue's lead",
    description:
      'Assigns the conversation to the lead of its queue, records `escalated` with the reason and notifies ' +
      'the lead through the signed webhook. 409 when the queue has no lead or the conversation is resolved.',
    access: 'escalateThreads',
    params: ThreadIdParams,
    body: ThreadEscalateBody,
    errors: [404, 409],
    success: { status: 200, description: 'Escalated', schema: ThreadUpdatedResponse },
    handle: ({ params, body, user }) => threads.escalate({ user, threadId: params.id }, body.reason),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/inbox',
    operationId: 'getInbox',
    tag: 'threads',
    summary: 'What waits on the caller',
    description:
      'Open and pending conversations assigned to the caller, unassigned ones in the queues they serve and, ' +
      'for a lead, breached ones in their queues; soonest SLA due time first, those without a running clock last. ' +
      'Page with `cursor` from `nextCursor`.',
    access: 'readThreads',
    query: InboxQuery,
    success: { status: 200, description: 'A page of the inbox', schema: InboxResponse },
    handle: ({ query, user }) =>
      queues.inbox(user, { limit: query.limit, ...(query.cursor !== undefined ? { cursor: query.cursor } : {}) }),
  });
}
