/**
 * One post's run: its state (returned by the query as is), the requests handlers have accepted
 * and the process has yet to record, and the one way anything is recorded — a transition that
 * writes the audit entry and projection, sends its notifications and keeps search attributes current.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { NotifyInput, RecordTransitionInput, RecordTransitionResult } from '../../activities/contract';
// The contract's error list is plain data; importing the value keeps one list for both sides.
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { NON_RETRYABLE_RECORD_ERRORS } from '../../activities/contract';
import { storableValue } from '../../domain/storable';
import { initialPostState } from '../../domain/initialPostState';
import type { PostLifecycleInput, PostStage, RevisionContent } from '../../domain/types';
import type { PostState, StageDeadline } from '../messages';
import { notify, recordTransition, redeliverNotification } from './activityProxies';
import { PostUpdateError } from './errors';
import { ONE_ACTIVITY_PER_STEP, UNRECORDABLE_TRANSITION_FAILS_POST } from './patches';
import type { ReviewRecord } from '../../domain/reviewProgress';
import { brandKey, campaignKey, postStageKey, riskTierKey } from './searchAttributes';

/** Who acts when the process itself moves the post on (timers, forced decisions). */
export const SYSTEM_ACTOR = 'system';

export type NotificationDraft = Omit<NotifyInput, 'postId' | 'brandId' | 'notificationId'>;

/** A transition waiting to be recorded, with the update calls it answers. */
export interface PendingAction {
  action: string;
  actorId: string;
  fromStage: PostStage | null;
  detail?: Record<string, unknown>;
  notifications?: NotificationDraft[];
  tickets?: number[];
}

export interface CancellationRequest {
  by: string;
  reason: string;
  ticket: number;
}
export interface PublishNowRequest {
  by: string;
  ticket: number;
}
export interface RetryRequest {
  by: string;
  accountIds: string[];
  ticket: number;
}

/** A transition whose record can never be written, and why: the post fails with this reason. */
export interface Unrecordable {
  sequence: number;
  action: string;
  reason: string;
}

/** How far a stage's clock has run: each deadline is acted on once. */
export type DeadlineProgress = 'waiting' | 'reminded' | 'escalated' | 'forced';

export const nowIso = (): string => new Date(Date.now()).toISOString();

export class PostRun {
  readonly state: PostState;
  /** Requests accepted by update handlers that the process records when it next looks. */
  readonly inbox: PendingAction[] = [];
  cancellation?: CancellationRequest;
  publishNowRequest?: PublishNowRequest;
  retryRequest?: RetryRequest;
  /** Set while a submitted revision is being checked, so a second one waits its turn. */
  revisionBeingChecked = false;
  /** Changes whenever the publish time, the brand pause or a publish-now request changes. */
  scheduleVersion = 0;
  /** Everyone who wrote a revision counts as an author for separation of duties. */
  readonly revisionAuthorIds: string[] = [];
  readonly deadlineProgress: Record<string, DeadlineProgress> = {};
  /** The checked, UTM-tagged content that publishing sends to the platforms. */
  publishContent?: RevisionContent;
  /**
   * When each variant's publishing round began by the workflow's clock, which tracking offsets
   * count from: a platform's own timestamp may disagree with it.
   */
  readonly liveAt: Record<string, number> = {};
  /** Once set, updates are refused: the post is being closed. */
  finished = false;
  /** Set when a transition could not be recorded, ever; the run then ends as failed. */
  unrecordable?: Unrecordable;

  /** Set once the final transition is recorded: nothing waits for an answer any more. */
  private closed = false;
  private sequence = 0;
  private lastTicket = 0;
  private readonly acknowledged = new Set<number>();
  /** What the last recorded transition wrote, so the next one writes only what changed. */
  private recorded = { sequence: 0, revision: 0, variants: '', decisions: 0 };
  /** Notifications being delivered again in the background; the run waits for them before it ends. */
  private redeliveriesInFlight = 0;
  private readonly searchAttributes: Record<string, string | undefined>;

  constructor(readonly input: PostLifecycleInput) {
    const publishAt = Date.parse(input.publishAt);
    if (Number.isNaN(publishAt)) {
      throw ApplicationFailure.create({
        type: PostUpdateError.InvalidInput,
        message: `publishAt "${input.publishAt}" is not an ISO-8601 instant`,
        nonRetryable: true,
      });
    }
    this.state = startingState(input);
    const current = workflowInfo().typedSearchAttributes;
    this.searchAttributes = {
      [postStageKey.name]: current.get(postStageKey),
      [brandKey.name]: current.get(brandKey),
      [campaignKey.name]: current.get(campaignKey),
      [riskTierKey.name]: current.get(riskTierKey),
    };
  }

  /** Whether the post's first transition has been recorded; until then changes ride along with it. */
  get created(): boolean {
    return this.sequence > 0;
  }

  /**
   * True from the start until the first stage opens (a draft given at creation is still being
   * checked). A decision or revision that arrives then waits for the stage instead of being
   * refused: the API has already told its caller which stage the post starts in.
   */
  get settingUp(): boolean {
    return this.state.openStages.length === 0 && !this.finished;
  }

  reviewRecord(): ReviewRecord {
    const { plan, revision, decisions, qualityIssues } = this.state;
    return { plan, revision, decisions, qualityIssues };
  }

  /** Moves the post into a stage (or a group of stages reviewed side by side). */
  enter({
    stage,
    openStages,
    deadlines,
  }: {
    stage: PostStage;
    openStages?: string[];
    deadlines?: StageDeadline[];
  }): void {
    this.state.stage = stage;
    this.state.openStages = openStages ?? (isTerminal(stage) ? [] : [stage]);
    this.state.deadlines = deadlines ?? [];
  }

  /**
   * Records one transition of the post. `passing` marks a stage the post leaves again within the
   * same step, which admins never need to filter on.
   */
  async transition(pending: PendingAction, options: { passing?: boolean } = {}): Promise<void> {
    // Once a record has been refused, the post goes no further: only its closing is recorded.
    if (this.unrecordable && !this.finished) throw this.unrecordableFailure();
    this.sequence += 1;
    const sequence = this.sequence;
    const at = nowIso();
    this.state.updatedAt = at;
    if (!options.passing) this.publishSearchAttributes();
    const state = JSON.parse(JSON.stringify(this.state)) as PostState;
    const notifications = this.addressed(pending.notifications ?? [], sequence);
    const variants = JSON.stringify(state.variants);
    const record: RecordTransitionInput = {
      sequence,
      action: pending.action,
      actorId: pending.actorId,
      fromStage: pending.fromStage,
      at,
      ...(pending.detail ? { detail: pending.detail } : {}),
      state,
      changed: {
        revision: state.revision !== this.recorded.revision,
        // A new revision restarts the variants with the same shape, but their rows name the revision.
        variants: variants !== this.recorded.variants || state.revision !== this.recorded.revision,
        decisionsFrom: this.recorded.decisions,
      },
    };
    if (patched(ONE_ACTIVITY_PER_STEP)) {
      const { undelivered } = await this.record({ ...record, notifications });
      for (const notification of notifications) {
        if (undelivered.includes(notification.notificationId)) this.redeliver(notification);
      }
    } else {
      await Promise.all([this.record(record), ...notifications.map((notification) => this.deliver(notification))]);
    }
    // Transitions started from handlers may finish out of order; the latest one is the baseline.
    if (sequence > this.recorded.sequence)
      this.recorded = { sequence, revision: state.revision, variants, decisions: state.decisions.length };
    for (const ticket of pending.tickets ?? []) this.acknowledged.add(ticket);
  }

  /** Queues an accepted request for the process to record; the handler awaits its acknowledgement. */
  enqueue(pending: Omit<PendingAction, 'tickets'>): number {
    const ticket = this.takeTicket();
    this.inbox.push({ ...pending, tickets: [ticket] });
    return ticket;
  }

  takeTicket(): number {
    this.lastTicket += 1;
    return this.lastTicket;
  }

  /**
   * Resolves once the transition answering the ticket has been recorded. A request the post could
   * not record before it failed is answered with the reason.
   */
  async acknowledgement(ticket: number, orWhen: () => boolean = () => false): Promise<void> {
    await condition(() => this.acknowledged.has(ticket) || this.closed || orWhen());
    if (this.unrecordable && !this.acknowledged.has(ticket)) throw this.unrecordableFailure();
  }

  drainInbox(): PendingAction[] {
    return this.inbox.splice(0, this.inbox.length);
  }

  /**
   * Waits until `ready`, a cancellation, or the timeout; resolves to whether the time ran out.
   * Callers decide that a deadline has passed from this answer, never by comparing clocks: the
   * fired timer is in history, so a replay reaches the same decision. A deadline already behind
   * is still waited for, with the shortest timer, for the same reason.
   */
  async waitFor(ready: () => boolean, timeoutMs?: number): Promise<{ timedOut: boolean }> {
    // A handler's transition that could not be recorded ends the wait: the run unwinds to fail the post.
    const wake = (): boolean => ready() || this.cancellation !== undefined || this.unrecordable !== undefined;
    let timedOut = false;
    if (!wake()) {
      if (timeoutMs === undefined) await condition(wake);
      else timedOut = !(await condition(wake, Math.max(1, Math.ceil(timeoutMs))));
    }
    if (this.unrecordable) throw this.unrecordableFailure();
    return { timedOut };
  }

  /** Ends the run in a terminal stage, answering every request still waiting. */
  async finish(stage: PostStage, pending: PendingAction, exitReason?: string): Promise<PostState> {
    this.finished = true;
    for (const request of this.drainInbox()) await this.transition(request);
    this.enter({ stage });
    if (exitReason) this.state.exitReason = exitReason;
    await this.transition(pending);
    this.closed = true;
    // A handler finishing now may still start a redelivery: both are waited for together.
    await condition(() => allHandlersFinished() && this.redeliveriesInFlight === 0);
    return this.state;
  }

  /**
   * Ends the run as failed after a transition could not be recorded. The state is made storable
   * first, so that the failure and its reason still reach the audit log and the projection, and the
   * query shows what they show.
   */
  async failUnrecordable(): Promise<PostState> {
    const { sequence, action, reason } = this.unrecordable!;
    Object.assign(this.state, storableValue(this.state));
    return this.finish(
      'failed',
      {
        action: 'recording_failed',
        actorId: SYSTEM_ACTOR,
        fromStage: this.state.stage,
        detail: { refusedSequence: sequence, refusedAction: action, reason },
      },
      `could not record ${reason}`,
    );
  }

  private unrecordableFailure(): ApplicationFailure {
    return ApplicationFailure.create({
      type: PostUpdateError.InvalidTransition,
      message: `post failed: ${this.state.exitReason ?? `could not record ${this.unrecordable?.reason ?? 'a transition'}`}`,
      nonRetryable: true,
    });
  }

  /**
   * Writes one transition. A write refused for good (a value Postgres or the text policy refuses)
   * marks the run unrecordable and throws, so the post fails instead of retrying forever; once it
   * is, the remaining transitions are sent storable, and one still refused is only logged.
   */
  private async record(input: RecordTransitionInput): Promise<RecordTransitionResult> {
    try {
      return await recordTransition(this.unrecordable ? storableValue(input) : input);
    } catch (error) {
      const refused = refusedRecord(error);
      if (!refused || !patched(UNRECORDABLE_TRANSITION_FAILS_POST)) throw error;
      if (this.unrecordable) {
        log.warn('post transition not recorded', { sequence: input.sequence, action: input.action, reason: refused });
        return { undelivered: [] };
      }
      this.unrecordable = { sequence: input.sequence, action: input.action, reason: refused };
      throw this.unrecordableFailure();
    }
  }

  private publishSearchAttributes(): void {
    const wanted: SearchAttributeUpdatePair[] = [
      { key: postStageKey, value: this.state.stage },
      { key: brandKey, value: this.state.brandId },
      { key: riskTierKey, value: this.state.riskTier },
    ];
    if (this.state.campaignId) wanted.push({ key: campaignKey, value: this.state.campaignId });
    const changed = wanted.filter((pair) => this.searchAttributes[pair.key.name] !== pair.value);
    if (changed.length === 0) return;
    upsertSearchAttributes(changed);
    for (const pair of changed) this.searchAttributes[pair.key.name] = pair.value as string;
  }

  /** Gives each notification of a transition its id: a second one of the same kind gets its own. */
  private addressed(drafts: NotificationDraft[], sequence: number): NotifyInput[] {
    return drafts.map((draft, index): NotifyInput => {
      const repeat = drafts.slice(0, index).filter((earlier) => earlier.kind === draft.kind).length;
      return {
        ...draft,
        postId: this.state.postId,
        brandId: this.state.brandId,
        notificationId: `${this.state.postId}:${draft.kind}:${sequence}${repeat === 0 ? '' : `:${repeat}`}`,
      };
    });
  }

  private redeliver(notification: NotifyInput): void {
    this.redeliveriesInFlight += 1;
    void redeliverNotification(notification)
      .catch((error: unknown) => {
        // After the last attempt the notification stays recorded, undelivered, in Postgres.
        log.warn('notification not delivered', {
          notificationId: notification.notificationId,
          error: error instanceof Error ? error.message : String(error),
        });
      })
      .finally(() => {
        this.redeliveriesInFlight -= 1;
      });
  }

  /** Delivery as runs recorded before ONE_ACTIVITY_PER_STEP make it: one local activity each. */
  private async deliver(notification: NotifyInput): Promise<void> {
    try {
      await notify(notification);
    } catch (error) {
      // Delivery is best effort: the notification stays recorded, undelivered, in Postgres.
      log.warn('notification not delivered', {
        notificationId: notification.notificationId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The reason a transition's write can never succeed, or undefined for any other failure. */
function refusedRecord(error: unknown): string | undefined {
  // A local activity's failure may arrive wrapped in an ActivityFailure or as it was thrown.
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (!(cause instanceof ApplicationFailure) || !NON_RETRYABLE_RECORD_ERRORS.includes(cause.type ?? ''))
    return undefined;
  return cause.message;
}

function isTerminal(stage: PostStage): boolean {
  return stage === 'completed' || stage === 'rejected' || stage === 'cancelled' || stage === 'failed';
}

/** The post as it starts; input the review policy cannot plan fails the run at once. */
function startingState(input: PostLifecycleInput): PostState {
  try {
    return initialPostState({ input, now: nowIso() });
  } catch (error) {
    throw ApplicationFailure.create({
      type: PostUpdateError.InvalidInput,
      message: error instanceof Error ? error.message : String(error),
      nonRetryable: true,
    });
  }
}
