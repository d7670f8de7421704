/**
 * Starts an account's Bluesky inbound poller, or tells the running one to read now: signal-with-
 * start, so calling it again (credentials set twice, every worker start) never starts a second.
 */
import type { WorkflowClient } from '@temporalio/client';
import { BLUESKY_INBOUND_WORKFLOW_TYPE, blueskyInboundWorkflowId, POLL_BLUESKY_NOW_SIGNAL } from '../../../domain/ids';
import type { BlueskyInboundInput } from '../../../workflows/blueskyInbound/messages';

export async function startBlueskyInbound({
  workflow,
  taskQueue,
  accountId,
}: {
  workflow: Pick<WorkflowClient, 'signalWithStart'>;
  taskQueue: string;
  accountId: string;
}): Promise<void> {
  await workflow.signalWithStart(BLUESKY_INBOUND_WORKFLOW_TYPE, {
    workflowId: blueskyInboundWorkflowId(accountId),
    taskQueue,
    args: [{ accountId } satisfies BlueskyInboundInput],
    signal: POLL_BLUESKY_NOW_SIGNAL,
    signalArgs: [],
  });
}
