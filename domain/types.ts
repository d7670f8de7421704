/**
 * The vocabulary of a post's life. Plain JSON only: these shapes cross workflow,
 * activity, update and HTTP boundaries unchanged.
 */

export const PLATFORMS = [
  'x',
  'linkedin',
  'instagram',
  'instagram_reels',
  'tiktok',
  'youtube_shorts',
  'reddit',
  'facebook',
  'threads',
  'bluesky',
] as const;
export type Platform = (typeof PLATFORMS)[number];

export const RISK_TIERS = ['low', 'standard', 'high', 'regulated'] as const;
export type RiskTier = (typeof RISK_TIERS)[number];

export const SENSITIVITY_FLAGS = [
  'pricing',
  'health_claim',
  'financial_claim',
  'sponsored',
  'crisis_sensitive',
] as const;
export type SensitivityFlag = (typeof SENSITIVITY_FLAGS)[number];

export const ROLES = [
  'admin',
  'manager',
  'author',
  'designer',
  'copy_editor',
  'legal',
  'final_approver',
  'agent',
  'lead',
  'viewer',
] as const;
export type Role = (typeof ROLES)[number];

/** Stages a post passes through, in order, plus its terminal exits. */
export const POST_STAGES = [
  'ideation',
  'drafting',
  'design',
  'copy_edit',
  'legal_review',
  'final_approval',
  'scheduled',
  'publishing',
  'published',
  'tracking',
  'completed',
  'rejected',
  'cancelled',
  'failed',
  'lost',
] as const;
export type PostStage = (typeof POST_STAGES)[number];

/** Stages that wait for a human decision; drafting waits for a revision instead. */
export const REVIEW_STAGES = ['ideation', 'design', 'copy_edit', 'legal_review', 'final_approval'] as const;
export type ReviewStageName = (typeof REVIEW_STAGES)[number];

/**
 * `lost`: the post's workflow is gone from Temporal (terminated, timed out, failed, or never kept
 * by an offline server that restarted) while its projection was still open. Nothing will move the
 * post on, so it is closed with the reason; its content can be created again as a new post.
 */
export const TERMINAL_STAGES: readonly PostStage[] = ['completed', 'rejected', 'cancelled', 'failed', 'lost'];

/**
 * Every stage before publishing starts, in order: a brand's pause still holds the post back, and
 * it may still be rescheduled or cancelled.
 */
export const BEFORE_PUBLISHING_STAGES: readonly PostStage[] = POST_STAGES.slice(0, POST_STAGES.indexOf('publishing'));

/** Stages that belong on a publishing calendar: from scheduled to completed, exits excluded. */
export const CALENDAR_STAGES: readonly PostStage[] = POST_STAGES.slice(
  POST_STAGES.indexOf('scheduled'),
  POST_STAGES.indexOf('completed') + 1,
);

export type ReviewDecisionKind = 'approve' | 'reject' | 'request_changes';

/** What the policy does when a stage's turnaround time runs out. */
export type ForcedDecision = 'auto_approve' | 'reject' | 'hold';

/** Who is acting; the API authenticates and passes this along, the workflow enforces it. */
export interface Actor {
  userId: string;
  roles: Role[];
}

export interface Media {
  url: string;
  kind: 'image' | 'video';
  /** What the image shows, for people who cannot see it; some platforms require it. */
  alt?: string;
}

/** The content for one account on one platform. */
export interface VariantContent {
  accountId: string;
  platform: Platform;
  text: string;
  media: Media[];
  /** The languages the text is written in (BCP 47 tags); platforms that take them (Bluesky) tag the post. */
  languages?: string[];
  /** A post this one quotes (an at:// URI on Bluesky). */
  quoteOf?: string;
}

export interface RevisionContent {
  variants: VariantContent[];
  note?: string;
}

/** Everything needed to start a post's workflow. */
export interface PostLifecycleInput {
  postId: string;
  brandId: string;
  campaignId?: string;
  authorId: string;
  title: string;
  brief?: string;
  riskTier: RiskTier;
  flags: SensitivityFlag[];
  urgent: boolean;
  /** ISO-8601 instant in UTC. */
  publishAt: string;
  /** IANA zone the publish time was entered in (display only; comparisons are UTC). */
  timeZone: string;
  /** When present, drafting is already done with this as revision 1. */
  draft?: RevisionContent;
  /** Accounts the post is meant for when its content follows in drafting; shown as pending variants. */
  targets?: Array<{ accountId: string; platform: Platform }>;
  /** Offsets after publishing at which metrics are snapshotted, in milliseconds. */
  trackingOffsetsMs?: number[];
  /** Holds the post starts under (its campaign is paused, its brand is in a crisis). */
  holds?: Array<{ source: 'campaign' | 'crisis'; by: string; reason?: string }>;
}

/** One step of a post's review plan, as the review policy derives it. */
export interface StageSpec {
  stage: 'drafting' | ReviewStageName;
  /** Who may decide (or, for drafting, who submits). */
  role: Role;
  /** Who may also decide once the stage has been escalated. */
  backupRole: Role;
  /** Approvals needed from distinct users. */
  quorum: number;
  /** Reviewers are reminded this long after the stage opens. */
  remindAfterMs: number;
  /** The turnaround time: when it runs out the stage escalates to the backup role. */
  escalateAfterMs: number;
  /** After this long the policy's forced decision is taken. */
  forceAfterMs: number;
  onTimeout: ForcedDecision;
  /** Stages sharing a group number run at the same time (fast-track). */
  parallelGroup: number;
}

export interface ReviewPlan {
  stages: StageSpec[];
  /** Every approver of the post must be a different person across stages. */
  distinctApproversAcrossStages: boolean;
  fastTrack: boolean;
}
