/**
 * The post's request inbox. Every update and signal handler validates its request, then submits it
 * here and awaits the answer: the transition that records it.
 *
 * Requests a phase decides on (revisions ready for review, decisions, cancel, publish now, retry)
 * wait in the inbox, each with a ticket, until the main loop takes them; the handler is answered
 * once the transition carrying its ticket is recorded. Requests no phase decides on (a reschedule,
 * a brand pause or another hold, a revision blocked by its checks) are recorded as they arrive, whatever the phase:
 * taking them in the main loop would wake the phase and restart its timers.
 */
import { condition, type ApplicationFailure } from '@temporalio/workflow';
import type { SignalledHoldSource } from '../../domain/postState';
import type { ReviewDecisionKind } from '../../domain/types';
import type { PassedPublishTime } from './holds';
import type { QualityIssue } from '../messages';

/** A revision that passed its checks, ready for review. */
export interface RevisionRequest {
  kind: 'revision';
  by: string;
  revision: number;
  note?: string;
}
export interface DecisionRequest {
  kind: 'decision';
  by: string;
  stage: string;
  revision: number;
  decision: ReviewDecisionKind;
  comment?: string;
}
export interface CancelRequest {
  kind: 'cancel';
  by: string;
  reason: string;
}
export interface PublishNowRequest {
  kind: 'publish_now';
  by: string;
  /** Set aside the holds a publish-now may override (see holds.ts). */
  overrideHolds?: boolean;
}
export interface RetryRequest {
  kind: 'retry';
  by: string;
  accountIds: string[];
}
/** Requests the main loop takes. */
export type QueuedRequest = RevisionRequest | DecisionRequest | CancelRequest | PublishNowRequest | RetryRequest;

export interface BlockedRevisionRequest {
  kind: 'revision_blocked';
  by: string;
  revision: number;
  issues: QualityIssue[];
}
export interface RescheduleRequest {
  kind: 'reschedule';
  by: string;
  publishAt: string;
  timeZone?: string;
}
export interface BrandPauseRequest {
  kind: 'brand_pause';
  paused: boolean;
  by?: string;
  reason?: string;
}
export interface HoldRequest {
  kind: 'hold';
  source: SignalledHoldSource;
  held: boolean;
  by?: string;
  reason?: string;
  passedPublishTime?: PassedPublishTime;
}
/** Requests recorded as they arrive. */
export type ArrivingRequest = BlockedRevisionRequest | RescheduleRequest | BrandPauseRequest | HoldRequest;

export type PostRequest = QueuedRequest | ArrivingRequest;

/** The requests the review phase takes, in the order they arrived. */
export const REVIEW_REQUESTS = ['revision', 'decision'] as const;

export type Queued<K extends QueuedRequest['kind']> = { ticket: number } & Extract<QueuedRequest, { kind: K }>;

export class PostInbox {
  private readonly queue: Array<Queued<QueuedRequest['kind']>> = [];
  private lastTicket = 0;
  private readonly answered = new Set<number>();
  /** Set once the final transition is recorded: nothing waits for an answer any more. */
  private closed = false;
  /** Changes with every request that moves the publish time, the brand pause or publish-now. */
  scheduleChanges = 0;

  /** `refusal` is the failure every unanswered request gets once the post can record nothing more. */
  constructor(private readonly refusal: () => ApplicationFailure | undefined) {}

  /** Queues a request for the main loop; returns its ticket. */
  enqueue(request: QueuedRequest): number {
    this.lastTicket += 1;
    this.queue.push({ ...request, ticket: this.lastTicket });
    return this.lastTicket;
  }

  has(kind: QueuedRequest['kind']): boolean {
    return this.queue.some((entry) => entry.kind === kind);
  }

  /** The oldest request of a kind, left where it is. */
  peek<K extends QueuedRequest['kind']>(kind: K): Queued<K> | undefined {
    return this.queue.find((entry) => entry.kind === kind) as Queued<K> | undefined;
  }

  /** Takes the oldest request of a kind. */
  take<K extends QueuedRequest['kind']>(kind: K): Queued<K> | undefined {
    const index = this.queue.findIndex((entry) => entry.kind === kind);
    return index < 0 ? undefined : (this.queue.splice(index, 1)[0] as Queued<K>);
  }

  /** Takes every request of the kinds, in the order they arrived. */
  takeAll<K extends QueuedRequest['kind']>(kinds: readonly K[]): Array<Queued<K>> {
    const taken = this.queue.filter((entry): entry is Queued<K> => (kinds as readonly string[]).includes(entry.kind));
    for (const entry of taken) this.queue.splice(this.queue.indexOf(entry), 1);
    return taken;
  }

  /**
   * Resolves once the transition answering the ticket has been recorded, or `orWhen` holds. A
   * request the post could not record before it failed is answered with the reason.
   */
  async answer(ticket: number, orWhen: () => boolean = () => false): Promise<void> {
    await condition(() => this.answered.has(ticket) || this.closed || orWhen());
    const refusal = this.answered.has(ticket) ? undefined : this.refusal();
    if (refusal) throw refusal;
  }

  markAnswered(tickets: readonly number[]): void {
    for (const ticket of tickets) this.answered.add(ticket);
  }

  close(): void {
    this.closed = true;
  }
}
