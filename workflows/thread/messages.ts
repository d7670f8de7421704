/**
 * The conversation workflow's messages: one definition shared by the API, the workflow and the
 * tests. An inbound message is a signal (the platform wants no answer); what agents do are
 * updates, validated before anything reaches history.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { INBOUND_MESSAGE_SIGNAL } from '../../domain/ids';
import type { ThreadHistoryLimits } from '../../domain/threadHistory';
import type { ThreadSettings } from '../../domain/threadSettings';
import type { MessageKind } from '../../domain/triage';
import type { MessageAuthor, ThreadState } from '../../domain/threadState';
import type { Actor } from '../../domain/types';

export type { MessageAuthor, ThreadMessage, ThreadNote, ThreadState } from '../../domain/threadState';

export { THREAD_WORKFLOW_TYPE, threadWorkflowId } from '../../domain/ids';

export interface ThreadLifecycleInput {
  accountId: string;
  brandId: string;
  platform: string;
  externalThreadId: string;
  /** The brand's conversation settings as the starter read them; the defaults when absent. */
  settings?: ThreadSettings;
  /** How much history one run keeps (THREAD_HISTORY_LIMITS when absent; tests make them small). */
  historyLimits?: Partial<ThreadHistoryLimits>;
  /** The state a previous run handed over when it continued as new. */
  continued?: ThreadState;
}

export interface InboundMessageSignal {
  messageId: string;
  kind: MessageKind;
  author: MessageAuthor;
  text: string;
  /** The platform's timestamp (ISO instant). */
  sentAt: string;
  inReplyTo?: string;
  postExternalId?: string;
}

export interface ThreadReplyRequest {
  by: Actor;
  text: string;
  /** The reply template the text was rendered from, recorded with the reply. */
  templateId?: string;
}
export interface ThreadNoteRequest {
  by: Actor;
  text: string;
}
export interface ThreadActorRequest {
  by: Actor;
}
export interface ThreadResolveRequest {
  by: Actor;
  /** Why it is resolved, for the team and the audit log. */
  reason: string;
  /** Spam only: end the clocks without counting them as met or breached, and close the conversation. */
  closeWithoutReply?: boolean;
}
export interface ThreadAssignRequest {
  by: Actor;
  /** The agent to assign, or null to return the thread to its queue. */
  assigneeId: string | null;
}

export interface ThreadEscalateRequest {
  by: Actor;
  /** Why the conversation needs its queue's lead. */
  reason: string;
}

/** An agent of the queue may have room again: the conversation that freed it says so. */
export interface QueueRoomFreedSignal {
  queue: string;
  /** The conversation whose transition freed the place, and that transition's sequence. */
  freedBy: string;
  sequence: number;
}
export interface ThreadReplyDecisionRequest {
  by: Actor;
  /** The held reply's id, as the reply's answer and the conversation's state give it. */
  replyId: string;
  /** Why (required when rejecting). */
  reason?: string;
}

export interface ThreadUpdateResult {
  status: ThreadState['status'];
  sequence: number;
}
/**
 * A sent reply has `messageId` and `sentAt`; one written during the brand's crisis has
 * `pendingApproval` instead, and is sent once a lead approves it.
 */
export interface ThreadReplyResult extends ThreadUpdateResult {
  messageId?: string;
  sentAt?: string;
  pendingApproval?: { replyId: string; crisisId: string };
}

export const inboundMessage = defineSignal<[InboundMessageSignal]>(INBOUND_MESSAGE_SIGNAL);
export const replyToThread = defineUpdate<ThreadReplyResult, [ThreadReplyRequest]>('replyToThread');
export const addThreadNote = defineUpdate<ThreadUpdateResult, [ThreadNoteRequest]>('addThreadNote');
export const setThreadPending = defineUpdate<ThreadUpdateResult, [ThreadActorRequest]>('setThreadPending');
export const resolveThread = defineUpdate<ThreadUpdateResult, [ThreadResolveRequest]>('resolveThread');
export const reopenThread = defineUpdate<ThreadUpdateResult, [ThreadActorRequest]>('reopenThread');
export const assignThread = defineUpdate<ThreadUpdateResult, [ThreadAssignRequest]>('assignThread');
export const escalateThread = defineUpdate<ThreadUpdateResult, [ThreadEscalateRequest]>('escalateThread');
export const queueRoomFreed = defineSignal<[QueueRoomFreedSignal]>('queueRoomFreed');
export const approveThreadReply = defineUpdate<ThreadReplyResult, [ThreadReplyDecisionRequest]>('approveThreadReply');
export const rejectThreadReply = defineUpdate<ThreadUpdateResult, [ThreadReplyDecisionRequest]>('rejectThreadReply');
export const getThreadState = defineQuery<ThreadState>('getThreadState');
