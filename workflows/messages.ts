/**
 * The post lifecycle's messages: one definition shared by the API, the workflow and the tests.
 * Updates answer the caller (and their validators reject bad requests before anything reaches
 * history); signals are fire-and-forget; the query returns the workflow's state as is.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SignalledHoldSource } from '../domain/postState';
import type { Actor, PostStage, ReviewDecisionKind, RevisionContent } from '../domain/types';

export const POST_WORKFLOW_TYPE = 'postLifecycle';

export interface SubmitRevisionRequest {
  by: Actor;
  content: RevisionContent;
}
export interface ReviewRequest {
  by: Actor;
  stage: string;
  /** The revision the reviewer looked at; a decision on an older revision is refused. */
  revision: number;
  decision: ReviewDecisionKind;
  comment?: string;
}
export interface RescheduleRequest {
  by: Actor;
  publishAt: string;
  timeZone?: string;
}
export interface CancelRequest {
  by: Actor;
  reason: string;
}
export interface ActorRequest {
  by: Actor;
}
export interface PublishNowRequest extends ActorRequest {
  /**
   * Publish although a campaign pause or a crisis holds the post: the caller has confirmed it.
   * A brand pause is never set aside.
   */
  overrideHolds?: boolean;
}
export interface BrandPauseSignal {
  paused: boolean;
  by: string;
  reason?: string;
}
/**
 * A campaign's pause or a crisis holding (`held: true`) or releasing the post. On the release that
 * leaves no hold, a publish time that passed meanwhile publishes at once (`publish`, the default)
 * or waits for a reschedule or publish-now (`hold_for_review`).
 */
export interface HoldPublishingSignal {
  source: SignalledHoldSource;
  held: boolean;
  by: string;
  reason?: string;
  passedPublishTime?: 'publish' | 'hold_for_review';
}

export type {
  ReviewDecisionRecord,
  VariantPublishStatus,
  VariantState,
  StageDeadline,
  MetricSnapshot,
  QualityIssue,
  PostState,
  PostHold,
  HoldSource,
} from '../domain/postState';
import type { PostState } from '../domain/postState';

export const submitRevision = defineUpdate<{ revision: number }, [SubmitRevisionRequest]>('submitRevision');
export const review = defineUpdate<{ stage: PostStage; revision: number }, [ReviewRequest]>('review');
export const reschedule = defineUpdate<{ publishAt: string }, [RescheduleRequest]>('reschedule');
export const cancel = defineUpdate<{ stage: PostStage }, [CancelRequest]>('cancel');
export const publishNow = defineUpdate<{ stage: PostStage }, [PublishNowRequest]>('publishNow');
export const retryFailedVariants = defineUpdate<{ retried: number }, [ActorRequest]>('retryFailedVariants');
export const brandPause = defineSignal<[BrandPauseSignal]>('brandPause');
export const holdPublishing = defineSignal<[HoldPublishingSignal]>('holdPublishing');
export const getPostState = defineQuery<PostState>('getPostState');
