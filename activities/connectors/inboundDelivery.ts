/**
 * The one way inbound messages reach their conversations, whether a signed webhook or a
 * connector's poller brought them: messages already recorded are dropped, the rest go to their
 * conversation's workflow by signal-with-start, conversations side by side and, within one, in
 * the order the platform sent them.
 */
import type { WorkflowClient } from '@temporalio/client';
import type { ThreadStore } from '../../db/threads';
import { INBOUND_MESSAGE_SIGNAL, THREAD_WORKFLOW_TYPE, threadWorkflowId } from '../../domain/ids';
import { threadIdOf } from '../../domain/threadState';
import type { InboundMessageSignal, ThreadLifecycleInput } from '../../workflows/thread/messages';

/** One inbound event, as the platform sent it. */
export interface InboundEvent {
  threadId: string;
  messageId: string;
  kind: InboundMessageSignal['kind'];
  author: { id: string; handle: string; name?: string };
  text: string;
  sentAt: string;
  inReplyTo?: string;
  postExternalId?: string;
}

export interface InboundAccount {
  id: string;
  brandId: string;
  platform: string;
}

/** What delivery needs of a Temporal client: signal-with-start of a conversation. */
export type StartOrSignalThread = (start: {
  workflowId: string;
  input: ThreadLifecycleInput;
  signal: InboundMessageSignal;
}) => Promise<unknown>;

export async function deliverInbound({
  account,
  events,
  threads,
  startOrSignal,
}: {
  account: InboundAccount;
  events: InboundEvent[];
  threads: Pick<ThreadStore, 'knownMessageIds'>;
  startOrSignal: StartOrSignalThread;
}): Promise<{ accepted: number; duplicates: number }> {
  const seen = new Set(
    await threads.knownMessageIds({ accountId: account.id, externalIds: events.map((e) => e.messageId) }),
  );
  const byThread = new Map<string, InboundMessageSignal[]>();
  let duplicates = 0;
  for (const event of events) {
    if (seen.has(event.messageId)) {
      duplicates += 1;
      continue;
    }
    seen.add(event.messageId);
    byThread.set(event.threadId, [...(byThread.get(event.threadId) ?? []), signalOf(event)]);
  }
  await Promise.all(
    [...byThread].map(async ([externalThreadId, signals]) => {
      const input: ThreadLifecycleInput = {
        accountId: account.id,
        brandId: account.brandId,
        platform: account.platform,
        externalThreadId,
      };
      for (const signal of signals) {
        await startOrSignal({ workflowId: threadWorkflowId(threadIdOf(input)), input, signal });
      }
    }),
  );
  return { accepted: events.length - duplicates, duplicates };
}

/** Signal-with-start through a Temporal client's workflow API. */
export function startOrSignalWith(
  workflow: Pick<WorkflowClient, 'signalWithStart'>,
  taskQueue: string,
): StartOrSignalThread {
  return ({ workflowId, input, signal }) =>
    workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [input],
      signal: INBOUND_MESSAGE_SIGNAL,
      signalArgs: [signal],
    });
}

function signalOf(event: InboundEvent): InboundMessageSignal {
  return {
    messageId: event.messageId,
    kind: event.kind,
    author: {
      id: event.author.id,
      handle: event.author.handle,
      ...(event.author.name !== undefined ? { name: event.author.name } : {}),
    },
    text: event.text,
    sentAt: event.sentAt,
    ...(event.inReplyTo !== undefined ? { inReplyTo: event.inReplyTo } : {}),
    ...(event.postExternalId !== undefined ? { postExternalId: event.postExternalId } : {}),
  };
}
