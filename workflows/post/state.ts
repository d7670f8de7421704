/**
 * One post's run: its state (returned by the query as is), what the process keeps beside it, the
 * inbox its handlers submit requests to, and the recorder every transition goes through.
 */
import { ApplicationFailure, allHandlersFinished, condition, workflowInfo } from '@temporalio/workflow';
import type { DeadlineProgress } from '../../domain/deadlineProgress';
import { initialPostState } from '../../domain/initialPostState';
import type { ReviewRecord } from '../../domain/reviewProgress';
import { storableValue } from '../../domain/storable';
import { TERMINAL_STAGES, type PostLifecycleInput, type PostStage, type RevisionContent } from '../../domain/types';
import type { PostState, StageDeadline } from '../messages';
import { PostUpdateError } from './errors';
import { addHold, liftHold, missedPublishTime } from './holds';
import {
  PostInbox,
  REVIEW_REQUESTS,
  type ArrivingRequest,
  type HoldRequest,
  type PostRequest,
  type QueuedRequest,
} from './inbox';
import {
  SYSTEM_ACTOR,
  TransitionRecorder,
  nowIso,
  reviewTransition,
  type PendingTransition,
  type Unrecordable,
} from './transitions';

export class PostRun {
  readonly state: PostState;
  readonly inbox: PostInbox;
  /** Set while a submitted revision is being checked, so a second one waits its turn. */
  revisionBeingChecked = false;
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

  private readonly recorder: TransitionRecorder;

  constructor(readonly input: PostLifecycleInput) {
    if (Number.isNaN(Date.parse(input.publishAt))) {
      throw ApplicationFailure.create({
        type: PostUpdateError.InvalidInput,
        message: `publishAt "${input.publishAt}" is not an ISO-8601 instant`,
        nonRetryable: true,
      });
    }
    this.state = startingState(input);
    this.inbox = new PostInbox(() => (this.unrecordable ? this.recorder.failure() : undefined));
    this.recorder = new TransitionRecorder(
      this.state,
      (tickets) => this.inbox.markAnswered(tickets),
      workflowInfo().typedSearchAttributes,
    );
  }

  /** Whether the post's first transition has been recorded; until then changes ride along with it. */
  get created(): boolean {
    return this.recorder.created;
  }

  /**
   * True from the start until the first stage opens (a draft given at creation is still being
   * checked). A decision or revision that arrives then waits for the stage instead of being
   * refused: the API has already told its caller which stage the post starts in.
   */
  get settingUp(): boolean {
    return this.state.openStages.length === 0 && !this.finished;
  }

  /** Set when a transition could not be recorded, ever; the run then ends as failed. */
  get unrecordable(): Unrecordable | undefined {
    return this.recorder.unrecordable;
  }

  get cancelling(): boolean {
    return this.inbox.has('cancel');
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

  /** Records one transition; once a record has been refused, only the post's closing gets through. */
  transition(pending: PendingTransition, options: { passing?: boolean } = {}): Promise<void> {
    return this.recorder.record(pending, { ...options, closing: this.finished });
  }

  /**
   * Where every handler hands over its validated request; resolves once the request's transition
   * is recorded (or `orWhen` holds for a queued one). See inbox.ts for which requests wait.
   */
  submit(request: PostRequest, orWhen?: () => boolean): Promise<void> {
    if (isArriving(request)) {
      const pending = this.arrive(request);
      return pending ? this.transition(pending) : Promise.resolve();
    }
    this.accept(request);
    const ticket = this.inbox.enqueue(request);
    if (request.kind === 'publish_now') this.inbox.scheduleChanges += 1;
    return this.inbox.answer(ticket, orWhen);
  }

  /**
   * Waits until `ready`, a cancellation, or the timeout; resolves to whether the time ran out.
   * Callers decide that a deadline has passed from this answer, never by comparing clocks: the
   * fired timer is in history, so a replay reaches the same decision. A deadline already behind
   * is still waited for, with the shortest timer, for the same reason.
   */
  async waitFor(ready: () => boolean, timeoutMs?: number): Promise<{ timedOut: boolean }> {
    // A handler's transition that could not be recorded ends the wait: the run unwinds to fail the post.
    const wake = (): boolean => ready() || this.cancelling || this.unrecordable !== undefined;
    let timedOut = false;
    if (!wake()) {
      if (timeoutMs === undefined) await condition(wake);
      else timedOut = !(await condition(wake, Math.max(1, Math.ceil(timeoutMs))));
    }
    if (this.unrecordable) throw this.recorder.failure();
    return { timedOut };
  }

  /** Ends the run in a terminal stage, answering every review request still waiting. */
  async finish(stage: PostStage, closing: PendingTransition, exitReason?: string): Promise<PostState> {
    this.finished = true;
    for (const request of this.inbox.takeAll(REVIEW_REQUESTS)) await this.transition(reviewTransition(request));
    this.enter({ stage });
    if (exitReason) this.state.exitReason = exitReason;
    await this.transition(closing);
    this.inbox.close();
    // A handler finishing now may still start a redelivery: both are waited for together.
    await condition(() => allHandlersFinished() && this.recorder.redeliveriesSettled);
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

  /** What a queued request changes at once: the query and the next validator already see it. */
  private accept(request: QueuedRequest): void {
    if (request.kind === 'decision') {
      this.state.decisions.push({
        stage: request.stage,
        revision: request.revision,
        decision: request.decision,
        by: request.by,
        at: nowIso(),
        ...(request.comment ? { comment: request.comment } : {}),
      });
      if (request.decision === 'reject') {
        this.state.exitReason = `rejected at ${request.stage} by ${request.by}${request.comment ? `: ${request.comment}` : ''}`;
      }
    }
    if (request.kind === 'retry') {
      for (const variant of this.state.variants) if (variant.status === 'failed') variant.status = 'pending';
    }
  }

  /**
   * A campaign's or a crisis's hold placed or lifted. The release that leaves a post with no hold
   * after its publish time passed publishes it, or holds it for a decision when the releaser asks.
   */
  private holdOrRelease(request: HoldRequest): PendingTransition | undefined {
    const { state } = this;
    const by = request.by ?? SYSTEM_ACTOR;
    const changed = request.held
      ? addHold(state, { source: request.source, by, since: nowIso(), ...reasonOf(request) })
      : liftHold(state, request.source);
    if (!changed) return undefined;
    const heldForReview =
      !request.held && request.passedPublishTime === 'hold_for_review' && missedPublishTime(state, Date.now());
    if (heldForReview) {
      addHold(state, {
        source: 'passed_publish_time',
        by,
        reason: `the publish time ${state.publishAt} passed while held by ${request.source}`,
        since: nowIso(),
      });
    }
    this.inbox.scheduleChanges += 1;
    // A hold delivered with the start is part of the post's first transition.
    if (!this.created) return undefined;
    return {
      action: request.held ? 'publishing_held' : 'publishing_released',
      actorId: by,
      fromStage: state.stage,
      detail: { source: request.source, ...reasonOf(request), ...(heldForReview ? { heldForReview: true } : {}) },
    };
  }

  /** What a request recorded on arrival changes, and the transition that records it, if any. */
  private arrive(request: ArrivingRequest): PendingTransition | undefined {
    const { state } = this;
    switch (request.kind) {
      case 'revision_blocked':
        return {
          action: 'revision_blocked',
          actorId: request.by,
          fromStage: 'drafting',
          detail: { revision: request.revision, issues: request.issues },
        };
      case 'reschedule': {
        const previous = state.publishAt;
        state.publishAt = new Date(Date.parse(request.publishAt)).toISOString();
        if (request.timeZone) state.timeZone = request.timeZone;
        // A new publish time is the decision a passed one was waiting for.
        const decided = liftHold(state, 'passed_publish_time');
        this.inbox.scheduleChanges += 1;
        return {
          action: 'rescheduled',
          actorId: request.by,
          fromStage: state.stage,
          detail: {
            from: previous,
            to: state.publishAt,
            timeZone: state.timeZone,
            ...(decided ? { releasedHold: 'passed_publish_time' } : {}),
          },
        };
      }
      case 'hold':
        return this.holdOrRelease(request);
      case 'brand_pause':
        if (request.paused)
          addHold(state, { source: 'brand', by: request.by ?? SYSTEM_ACTOR, since: nowIso(), ...reasonOf(request) });
        else liftHold(state, 'brand');
        this.inbox.scheduleChanges += 1;
        // A pause delivered with the start is part of the post's first transition.
        if (!this.created) return undefined;
        return {
          action: request.paused ? 'brand_paused' : 'brand_resumed',
          actorId: request.by ?? SYSTEM_ACTOR,
          fromStage: state.stage,
          ...(request.reason ? { detail: { reason: request.reason } } : {}),
        };
    }
  }
}

function isArriving(request: PostRequest): request is ArrivingRequest {
  return (
    request.kind === 'revision_blocked' ||
    request.kind === 'reschedule' ||
    request.kind === 'brand_pause' ||
    request.kind === 'hold'
  );
}

function reasonOf(request: { reason?: string }): { reason?: string } {
  return request.reason ? { reason: request.reason } : {};
}

function isTerminal(stage: PostStage): boolean {
  return TERMINAL_STAGES.includes(stage);
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
