/**
 * A conversation as its workflow keeps it: plain JSON, returned by the query as is, written to the
 * threads projection and carried through continue-as-new.
 */
import type { Priority, SlaState } from './sla';
import type { MessageKind, QueueName, TriageCategory } from './triage';

export interface MessageAuthor {
  id: string;
  handle: string;
  name?: string;
}

/** One message of the conversation as the platform sent it (inbound) or as we sent it (outbound). */
export interface ThreadMessage {
  externalId: string;
  direction: 'inbound' | 'outbound';
  kind: MessageKind;
  author: MessageAuthor;
  text: string;
  sentAt: string;
  inReplyTo?: string;
  postExternalId?: string;
  /** Set on outbound replies: who wrote it. */
  sentBy?: string;
}

/** A reply written during the brand's crisis: kept, not sent, until a lead approves or rejects it. */
export interface PendingReply {
  replyId: string;
  text: string;
  templateId?: string;
  /** Who wrote it. */
  by: string;
  writtenAt: string;
  /** The crisis it was held for. */
  crisisId: string;
}

export interface ThreadNote {
  by: string;
  text: string;
  at: string;
}

/** How the conversation last ended; cleared when it opens again. */
export interface ThreadClosure {
  outcome: 'resolved' | 'closed_inactive' | 'closed_without_reply';
  /** A user id, or `system` when the workflow closed it on its own. */
  by: string;
  reason: string;
  at: string;
}

export interface ThreadState {
  /** `<accountId>:<externalThreadId>`; the workflow id is `thread:<id>`. */
  threadId: string;
  accountId: string;
  brandId: string;
  platform: string;
  externalThreadId: string;
  status: SlaState['status'];
  priority: Priority;
  category: TriageCategory;
  queue: QueueName;
  assigneeId: string | null;
  /** The most recent messages (see THREAD_HISTORY_LIMITS); every message is in Postgres. */
  messages: ThreadMessage[];
  notes: ThreadNote[];
  /** The most recent inbound message ids seen, duplicates and echoes included: the dedupe key. */
  seenMessageIds: string[];
  /** External ids of the most recent replies we sent, so that the platform's echo of them is recognised. */
  sentReplyIds: string[];
  /**
   * Set once older ids were dropped from `seenMessageIds` or `sentReplyIds`: an id missing from
   * them may still be known, so the workflow asks Postgres before treating it as new.
   */
  idsForgotten: boolean;
  repliesSent: number;
  /** Replies waiting for a lead's approval (absent in conversations from before crisis protection). */
  pendingReplies?: PendingReply[];
  /** Replies held for approval so far: numbers each reply's id. */
  repliesHeld?: number;
  sla: SlaState;
  /** The next SLA deadline the workflow sleeps until, or null. */
  nextDueAt: string | null;
  closure: ThreadClosure | null;
  /** The last message or action (not a timer): the inactivity limit counts from here. */
  lastActivityAt: string | null;
  /** Position of the last recorded transition; projections and audit entries are keyed by it. */
  sequence: number;
  updatedAt: string;
}

export const threadIdOf = ({ accountId, externalThreadId }: { accountId: string; externalThreadId: string }) =>
  `${accountId}:${externalThreadId}`;
