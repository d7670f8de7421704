/**
 * What the conversation workflow asks of the outside world. Workflows `import type` this
 * contract; every call is idempotent through a business key.
 */
import type { SlaEventRecord } from '../db/threads';
import type { FinishedSlaClock, RunningSlaClock } from '../domain/sla';
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
}

export interface SendThreadReplyInput {
  accountId: string;
  platform: string;
  externalThreadId: string;
  inReplyToExternalId?: string;
  text: string;
  /** One per reply the workflow decided to send: the platform never sends it twice. */
  idempotencyKey: string;
}

export interface ThreadActivities {
  /** The message's sentiment (null for a language without a word list). */
  scoreSentiment(input: { text: string }): Promise<SentimentReading | null>;
  recordThreadTransition(input: RecordThreadTransitionInput): Promise<void>;
  sendThreadReply(input: SendThreadReplyInput): Promise<{ externalId: string; sentAt: string }>;
  /** Which of these platform message ids the account has stored (received or sent). */
  findRecordedMessageIds(input: { accountId: string; externalIds: string[] }): Promise<string[]>;
}
