/**
 * What the conversation workflow asks of the outside world. Workflows `import type` this
 * contract; every call is idempotent through a business key.
 */
import type { SlaEventRecord } from '../db/threads';
import type { FinishedSlaClock, RunningSlaClock } from '../domain/sla';
import type { ThreadSettings } from '../domain/threadSettings';
import type { ThreadMessage, ThreadState } from '../domain/threadState';
import type { SentimentReading } from '../domain/triage';

export type { SlaEventRecord };

export interface RecordThreadTransitionInput {
  workflowId: string;
  /** Position of this transition in the thread's history; (entity, sequence) makes the write idempotent. */
  sequence: number;
  action: string;
  actorId: string;
  at: string;
  detail?: Record<string, unknown>;
  state: ThreadState;
  /** Messages this transition added, stored once per external id. */
  newMessages: ThreadMessage[];
  /** Clocks this transition started, changed or finished. */
  clocks: (RunningSlaClock | FinishedSlaClock)[];
  slaEvents: SlaEventRecord[];
  /** Recorded in the same transaction, then delivered once to the signed webhook. */
  notifications?: ThreadNotification[];
}

export interface RecordThreadTransitionResult {
  /** Ids of the transition's notifications the webhook has not accepted yet. */
  undelivered: string[];
}

export type ThreadNotificationKind =
  'sla_warning' | 'sla_breached' | 'sla_escalation' | 'thread_reassigned' | 'thread_escalated';

/** A notification about a conversation, addressed to people by user id. */
export interface ThreadNotification {
  /** Unique per notification, so a retried delivery is recognisable by the receiver. */
  notificationId: string;
  kind: ThreadNotificationKind;
  threadId: string;
  brandId: string;
  userIds: string[];
  message: string;
  data?: Record<string, unknown>;
}

export interface AssignFromQueueInput {
  brandId: string;
  queue: string;
  threadId: string;
  /**
   * One per assignment request of the thread (the thread and the transition it follows): a
   * retried request gets the same answer and moves the round robin once.
   */
  requestKey: string;
}

export interface QueueAssignment {
  /** The agent picked, or null when nobody serving the queue has room (or it is not configured). */
  assigneeId: string | null;
  leadId: string | null;
}

export interface SendThreadReplyInput {
  accountId: string;
  platform: string;
  externalThreadId: string;
  inReplyToExternalId?: string;
  text: string;
  /** One per reply the workflow decided to send: the platform never sends it twice. */
  idempotencyKey: string;
  /** When the workflow decided to send it; with the key it names the reply on Bluesky. */
  keyFixedAt?: string;
}

/** The version of each part of the brand's settings the workflow already holds. */
export type KnownSettingsVersions = { [Part in keyof ThreadSettings]?: number };

export interface PrepareInboundInput {
  brandId: string;
  text: string;
  known: KnownSettingsVersions;
}

export interface PreparedInbound {
  sentiment: SentimentReading | null;
  /**
   * The brand's current settings (the defaults for what it never configured), only the parts
   * whose version differs from the known one: a message records no settings it would not change.
   */
  settings: Partial<ThreadSettings>;
}

export interface ThreadActivities {
  /** The message's sentiment (null for a language without a word list). Runs recorded before prepareInbound use it. */
  scoreSentiment(input: { text: string }): Promise<SentimentReading | null>;
  /** What triaging one inbound message needs from outside: its sentiment and the brand's settings, in one call. */
  prepareInbound(input: PrepareInboundInput): Promise<PreparedInbound>;
  recordThreadTransition(input: RecordThreadTransitionInput): Promise<RecordThreadTransitionResult>;
  assignFromQueue(input: AssignFromQueueInput): Promise<QueueAssignment>;
  /** The conversation of the queue waiting longest for an agent by its due time, if any. */
  findWaitingInQueue(input: {
    brandId: string;
    queue: string;
    exceptThreadId: string;
    /** The freeing transition: a retry answers with the conversation it found the first time. */
    offerKey?: string;
  }): Promise<{ threadId: string; workflowId: string } | null>;
  /** The queue's team lead as configured now. */
  findQueueLead(input: { brandId: string; queue: string }): Promise<{ leadId: string | null }>;
  /** Delivers a notification its transition could not; one already delivered is not sent again. */
  deliverThreadNotification(input: ThreadNotification): Promise<void>;
  sendThreadReply(input: SendThreadReplyInput): Promise<{ externalId: string; sentAt: string }>;
  /** Which of these platform message ids the account has stored (received or sent). */
  findRecordedMessageIds(input: { accountId: string; externalIds: string[] }): Promise<string[]>;
}
