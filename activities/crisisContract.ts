/**
 * What the crisis monitor and the conversation workflow ask of the outside world for crisis
 * protection. Workflows `import type` this contract; every call is idempotent through a business
 * key (the monitor's sequence, a notification id, a message id).
 */
import type { CrisisRecord } from '../db/crisis';
import type { CrisisPolicy } from '../domain/crisis';

export type { CrisisRecord };

export type CrisisNotificationKind = 'crisis_alert' | 'crisis_declared' | 'crisis_ended';

/** A notification to the brand's crisis contacts, addressed by user id. */
export interface CrisisNotification {
  notificationId: string;
  kind: CrisisNotificationKind;
  brandId: string;
  crisisId: string;
  userIds: string[];
  message: string;
  data?: Record<string, unknown>;
}

export interface RecordCrisisTransitionInput {
  brandId: string;
  /** Position in the monitor's history; (`crisis:<brandId>`, sequence) makes the write idempotent. */
  sequence: number;
  action: string;
  actorId: string;
  at: string;
  detail?: Record<string, unknown>;
  /** The crisis as it stands after the transition. */
  crisis: Omit<CrisisRecord, 'updatedAt' | 'sequence'>;
  notifications?: CrisisNotification[];
}

/** A negative or crisis-sensitive message, told to the brand's monitor. */
export interface CrisisMessageReport {
  brandId: string;
  messageId: string;
  threadId: string;
  /** When the message arrived, as the conversation measured it. */
  at: string;
}

export interface CrisisActivities {
  /** The brand's current crisis policy, the defaults when it configured none. */
  readCrisisPolicy(input: { brandId: string }): Promise<CrisisPolicy>;
  /** The projection, the audit entry and the notifications of one transition, then one delivery attempt each. */
  recordCrisisTransition(input: RecordCrisisTransitionInput): Promise<{ undelivered: string[] }>;
  /** Delivers a notification its transition could not; one already delivered is not sent again. */
  deliverCrisisNotification(input: CrisisNotification): Promise<void>;
  /** Signal-with-start of the brand's monitor (`crisis:<brandId>`) with one message. */
  reportCrisisMessage(input: CrisisMessageReport): Promise<void>;
  /** The brand's declared crisis, if one is on: replies then wait for a lead. */
  crisisForReplies(input: { brandId: string }): Promise<{ crisisId: string } | null>;
}
