/**
 * The state of a post as its workflow holds it: what the query returns, what the projection
 * stores and what the API serves.
 */
import type {
  ForcedDecision,
  Platform,
  PostStage,
  ReviewDecisionKind,
  ReviewPlan,
  RevisionContent,
  RiskTier,
  SensitivityFlag,
} from './types';

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
  /** When the first attempt to publish this revision to the account started; names its record on Bluesky. */
  keyFixedAt?: string;
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

/**
 * Who holds a post's publishing: the brand's pause, its campaign's pause, a crisis, or a publish time
 * that passed while it was held and now waits for someone to decide (reschedule or publish now).
 */
export const HOLD_SOURCES = ['brand', 'campaign', 'crisis', 'passed_publish_time'] as const;
export type HoldSource = (typeof HOLD_SOURCES)[number];
/** The sources other features hold and release by signal; the other two have their own paths. */
export type SignalledHoldSource = 'campaign' | 'crisis';

export interface PostHold {
  source: HoldSource;
  by: string;
  reason?: string;
  since: string;
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
  /** True while any hold stands: the post does not publish, not even at its publish time. */
  paused: boolean;
  holds: PostHold[];
  variants: VariantState[];
  snapshots: MetricSnapshot[];
  exitReason?: string;
  updatedAt: string;
}
