/**
 * The one way anything about a post is recorded: a transition, written by the `recordTransition`
 * local activity with the audit entry, the projection and its notifications, while the post's
 * search attributes follow its stage. A transition waiting to be recorded is a `PendingTransition`.
 */
import { ActivityFailure, ApplicationFailure, log, patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair, TypedSearchAttributes } from '@temporalio/common';
import type { NotifyInput, RecordTransitionInput, RecordTransitionResult } from '../../activities/contract';
import { NON_RETRYABLE_RECORD_ERRORS } from '../../domain/failureTypes';
import { storableValue } from '../../domain/storable';
import type { PostStage, ReviewDecisionKind } from '../../domain/types';
import type { PostState } from '../messages';
import { recordTransition, redeliverNotification } from './activityProxies';
import { PostUpdateError } from './errors';
import type { Queued } from './inbox';
import { deliverNotification } from './legacy/beforeOneActivityPerStep';
import { ONE_ACTIVITY_PER_STEP, UNRECORDABLE_TRANSITION_FAILS_POST } from './patches';
import { brandKey, campaignKey, postStageKey, riskTierKey } from './searchAttributes';

/** Who acts when the process itself moves the post on (timers, forced decisions). */
export const SYSTEM_ACTOR = 'system';

export const nowIso = (): string => new Date(Date.now()).toISOString();

export type NotificationDraft = Omit<NotifyInput, 'postId' | 'brandId' | 'notificationId'>;

/** A transition waiting to be recorded, with the tickets of the requests it answers. */
export interface PendingTransition {
  action: string;
  actorId: string;
  fromStage: PostStage | null;
  detail?: Record<string, unknown>;
  notifications?: NotificationDraft[];
  tickets?: number[];
}

/** A transition whose record can never be written, and why: the post fails with this reason. */
export interface Unrecordable {
  sequence: number;
  action: string;
  reason: string;
}

export class TransitionRecorder {
  /** Set when a transition could not be recorded, ever; the run then ends as failed. */
  unrecordable?: Unrecordable;

  private sequence = 0;
  /** What the last recorded transition wrote, so the next one writes only what changed. */
  private recorded = { sequence: 0, revision: 0, variants: '', decisions: 0 };
  /** Notifications being delivered again in the background; the run waits for them before it ends. */
  private redeliveriesInFlight = 0;
  private readonly searchAttributes: Record<string, string | undefined>;

  constructor(
    private readonly state: PostState,
    private readonly onRecorded: (tickets: readonly number[]) => void,
    current: TypedSearchAttributes,
  ) {
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

  get redeliveriesSettled(): boolean {
    return this.redeliveriesInFlight === 0;
  }

  /**
   * Records one transition. `passing` marks a stage the post leaves again within the same step,
   * which admins never need to filter on; `closing` lets the post's last transitions through after
   * a record has been refused.
   */
  async record(pending: PendingTransition, { passing = false, closing = false } = {}): Promise<void> {
    if (this.unrecordable && !closing) throw this.failure();
    this.sequence += 1;
    const sequence = this.sequence;
    const at = nowIso();
    this.state.updatedAt = at;
    if (!passing) this.publishSearchAttributes();
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
      const { undelivered } = await this.write({ ...record, notifications });
      for (const notification of notifications) {
        if (undelivered.includes(notification.notificationId)) this.redeliver(notification);
      }
    } else {
      await Promise.all([this.write(record), ...notifications.map(deliverNotification)]);
    }
    // Transitions started from handlers may finish out of order; the latest one is the baseline.
    if (sequence > this.recorded.sequence)
      this.recorded = { sequence, revision: state.revision, variants, decisions: state.decisions.length };
    this.onRecorded(pending.tickets ?? []);
  }

  /** The failure that answers whoever asks the post for more once a record has been refused. */
  failure(): ApplicationFailure {
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
  private async write(input: RecordTransitionInput): Promise<RecordTransitionResult> {
    try {
      return await recordTransition(this.unrecordable ? storableValue(input) : input);
    } catch (error) {
      const refused = refusedRecord(error);
      // Runs started before the patch retry the write until someone fixes the data.
      if (!refused || !patched(UNRECORDABLE_TRANSITION_FAILS_POST)) throw error;
      if (this.unrecordable) {
        log.warn('post transition not recorded', { sequence: input.sequence, action: input.action, reason: refused });
        return { undelivered: [] };
      }
      this.unrecordable = { sequence: input.sequence, action: input.action, reason: refused };
      throw this.failure();
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
}

/** The reason a transition's write can never succeed, or undefined for any other failure. */
function refusedRecord(error: unknown): string | undefined {
  // A local activity's failure may arrive wrapped in an ActivityFailure or as it was thrown.
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (!(cause instanceof ApplicationFailure) || !NON_RETRYABLE_RECORD_ERRORS.includes(cause.type ?? ''))
    return undefined;
  return cause.message;
}

const DECISION_ACTIONS: Record<ReviewDecisionKind, string> = {
  approve: 'approved',
  reject: 'rejected',
  request_changes: 'changes_requested',
};

/** The transition that records a revision or decision taken from the inbox. */
export function reviewTransition(request: Queued<'revision' | 'decision'>): PendingTransition {
  if (request.kind === 'revision') {
    return {
      action: 'revision_submitted',
      actorId: request.by,
      fromStage: 'drafting',
      detail: { revision: request.revision, ...(request.note ? { note: request.note } : {}) },
      tickets: [request.ticket],
    };
  }
  return {
    action: DECISION_ACTIONS[request.decision],
    actorId: request.by,
    fromStage: request.stage as PostStage,
    detail: {
      stage: request.stage,
      revision: request.revision,
      ...(request.comment ? { comment: request.comment } : {}),
    },
    tickets: [request.ticket],
  };
}
