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
  recordThreadTransition(input: RecordThreadTransitionInput): Promise<void>;
  sendThreadReply(input: SendThreadReplyInput): Promise<{ externalId: string; sentAt: string }>;
}
