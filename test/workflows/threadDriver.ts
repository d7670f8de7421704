/**
 * What the conversation workflow tests do over and over: open a conversation on a brand's first
 * account, write as the customer (signal-with-start, as the inbound API does), and wait until the
 * workflow's state shows something.
 */
import type { WorkflowHandle, WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import {
  getThreadState,
  inboundMessage,
  THREAD_WORKFLOW_TYPE,
  threadWorkflowId,
  type InboundMessageSignal,
  type ThreadLifecycleInput,
  type ThreadState,
} from '../../workflows/thread/messages';
import { uniqueId, type BrandFixture } from '../helpers/db';
import type { PostHarness } from './postHarness';

export function conversationOf(fixture: BrandFixture, extra: Partial<ThreadLifecycleInput> = {}): ThreadLifecycleInput {
  const account = fixture.accounts[0];
  return {
    accountId: account.id,
    brandId: fixture.brand.id,
    platform: account.platform,
    externalThreadId: uniqueId('conversation'),
    ...extra,
  };
}

/** A direct message from the same customer, sent now on the test server's clock. */
export async function writeAsCustomer(
  harness: PostHarness,
  input: ThreadLifecycleInput,
  message: Partial<InboundMessageSignal> & { text: string },
): Promise<WorkflowHandleWithSignaledRunId> {
  const sentAt = new Date(await harness.env.currentTimeMs()).toISOString();
  return harness.env.client.workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
    workflowId: threadWorkflowId(`${input.accountId}:${input.externalThreadId}`),
    taskQueue: harness.taskQueue,
    args: [input],
    signal: inboundMessage,
    signalArgs: [
      {
        messageId: uniqueId('msg'),
        kind: 'dm',
        author: { id: 'customer-1', handle: '@customer' },
        sentAt,
        ...message,
      },
    ],
  });
}

/** The state once `ready` holds, or as it stands when `waitMs` has passed (the assertions then say what is missing). */
export async function stateWhen(
  handle: WorkflowHandle,
  ready: (state: ThreadState) => boolean,
  { waitMs = 15_000 }: { waitMs?: number } = {},
): Promise<ThreadState> {
  const giveUpAt = Date.now() + waitMs;
  for (;;) {
    const state = await handle.query(getThreadState);
    if (ready(state) || Date.now() > giveUpAt) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
