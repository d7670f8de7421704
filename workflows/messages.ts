/**
 * The post lifecycle's messages: one definition shared by the API, the workflow and the tests.
 * Updates answer the caller (and their validators reject bad requests before anything reaches
 * history); signals are fire-and-forget; the query returns the workflow's state as is.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  Actor,
  ForcedDecision,
  Platform,
  PostStage,
  ReviewDecisionKind,
  ReviewPlan,
  RevisionContent,
  RiskTier,
  SensitivityFlag,
} from './domain/types';

export const POST_WORKFLOW_TYPE = 'postLifecycle';
export const postWorkflowId = (postId: string): string => `post:${postId}`;

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
export interface BrandPauseSignal {
  paused: boolean;
  by: string;
  reason?: string;
}

export interface ReviewDecisionRecord {
  stage: string;
  revision: number;
  decision: ReviewDecisionKind | 'forced_approve' | 'forced_reject' | 'forced_hold';
  by: string;
  at: string;
  comment?: string;
}

export type VariantPublishStatus = 'pending' | 'publishing' | 'published' | 'failed';

export interface VariantState {
  accountId: string;
  platform: Platform;
  status: VariantPublishStatus;
  externalId?: string;
  url?: string;
  publishedAt?: string;
  failureReason?: string;
  failureType?: string;
  attempts: number;
}

export interface StageDeadline {
  stage: string;
  openedAt: string;
  remindAt: string;
  escalateAt: string;
  forceAt: string;
  escalated: boolean;
  onTimeout: ForcedDecision;
  /** Roles that may decide right now (the backup role joins after escalation). */
  decidingRoles: string[];
}

export interface MetricSnapshot {
  offsetMs: number;
  takenAt: string;
  accountId: string;
  platform: Platform;
  impressions: number;
  reach: number;
  likes: number;
  comments: number;
  shares: number;
  saves: number;
  clicks: number;
}

export interface QualityIssue {
  accountId?: string;
  platform?: Platform;
  code: string;
  message: string;
}

export interface PostState {
  postId: string;
  brandId: string;
  campaignId?: string;
  authorId: string;
  title: string;
  riskTier: RiskTier;
  flags: SensitivityFlag[];
  urgent: boolean;
  stage: PostStage;
  /** Stages open at the same time (fast-track runs some in parallel); `stage` is the first. */
  openStages: string[];
  plan: ReviewPlan;
  revision: number;
  content?: RevisionContent;
  decisions: ReviewDecisionRecord[];
  deadlines: StageDeadline[];
  qualityIssues: QualityIssue[];
  publishAt: string;
  timeZone: string;
  paused: boolean;
  variants: VariantState[];
  snapshots: MetricSnapshot[];
  exitReason?: string;
  updatedAt: string;
}

export const submitRevision = defineUpdate<{ revision: number }, [SubmitRevisionRequest]>('submitRevision');
export const review = defineUpdate<{ stage: PostStage; revision: number }, [ReviewRequest]>('review');
export const reschedule = defineUpdate<{ publishAt: string }, [RescheduleRequest]>('reschedule');
export const cancel = defineUpdate<{ stage: PostStage }, [CancelRequest]>('cancel');
export const publishNow = defineUpdate<{ stage: PostStage }, [ActorRequest]>('publishNow');
export const retryFailedVariants = defineUpdate<{ retried: number }, [ActorRequest]>('retryFailedVariants');
export const brandPause = defineSignal<[BrandPauseSignal]>('brandPause');
export const getPostState = defineQuery<PostState>('getPostState');
