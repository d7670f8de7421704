/**
 * What the post workflow asks of the outside world. Workflows `import type` this contract;
 * `activities/index.ts` builds the implementation from its clients (Postgres, connectors,
 * notifier). Every call is idempotent through a business key.
 */
import type { MetricSnapshot, PostState, QualityIssue } from '../domain/postState';
import type { Media, Platform, RevisionContent } from '../domain/types';
import type { LatePublishingPolicy } from '../domain/latePublishing';

export { ErrorType, NON_RETRYABLE_PUBLISH_ERRORS, NON_RETRYABLE_RECORD_ERRORS } from '../domain/failureTypes';

export interface RecordTransitionInput {
  /** Position of this transition in the post's history; (entity, sequence) makes the write idempotent. */
  sequence: number;
  action: string;
  actorId: string;
  fromStage: string | null;
  at: string;
  detail?: Record<string, unknown>;
  /** The post's state after the transition; written to the posts projection. */
  state: PostState;
  /**
   * What changed since the post's previous transition, so that only those rows are written.
   * Without it every row the state describes is written again (each write is idempotent).
   */
  changed?: TransitionChanges;
  /**
   * Notifications the transition sends: recorded with it, then delivered once. Those the webhook
   * did not take are named in the result for the workflow to retry.
   */
  notifications?: NotifyInput[];
}
export interface TransitionChanges {
  /** The transition brings a new revision of the content. */
  revision: boolean;
  /** The variants' publishing status changed. */
  variants: boolean;
  /** Index of the first review decision not yet recorded. */
  decisionsFrom: number;
}
export interface RecordTransitionResult {
  /** Ids of the transition's notifications the webhook has not accepted yet. */
  undelivered: string[];
}

export interface CheckQualityInput {
  postId: string;
  brandId: string;
  campaignId?: string;
  revision: number;
  sponsored: boolean;
  content: RevisionContent;
}
export interface CheckQualityResult {
  issues: QualityIssue[];
  /** The content with every link tagged with UTM parameters. */
  content: RevisionContent;
}

export interface PublishVariantInput {
  postId: string;
  revision: number;
  accountId: string;
  platform: Platform;
  text: string;
  media: Media[];
  /** See VariantContent. */
  languages?: string[];
  quoteOf?: string;
  /** post:revision:account — a platform never publishes the same key twice. */
  idempotencyKey: string;
  /**
   * When the workflow first tried to publish this revision to the account: with the key, it
   * names the record on platforms whose record keys carry a time (Bluesky). Absent in runs
   * recorded before it existed.
   */
  keyFixedAt?: string;
}
export interface PublishVariantResult {
  externalId: string;
  url: string;
  publishedAt: string;
}

export interface SnapshotMetricsInput {
  postId: string;
  accountId: string;
  platform: Platform;
  externalId: string;
  offsetMs: number;
  /**
   * When the snapshot is due (the workflow's clock). Without it the activity's own clock is used;
   * under a time-skipping test server only the workflow's clock has moved on.
   */
  at?: string;
}

/** The snapshots due at one moment, taken together. */
export interface TakeSnapshotsInput {
  postId: string;
  due: Array<Omit<SnapshotMetricsInput, 'postId'>>;
  /**
   * The attempts the caller's retry policy allows. Snapshots that still fail on the last one are
   * reported as skipped, so they never cost the others.
   */
  attempts?: number;
}
export interface TakeSnapshotsResult {
  taken: MetricSnapshot[];
  /** Snapshots that cannot be taken (the account or the publication is gone, or the last attempt failed). */
  skipped: Array<{ accountId: string; offsetMs: number; reason: string }>;
}

export type NotificationKind =
  | 'review_due'
  | 'review_reminder'
  | 'review_escalated'
  | 'review_forced'
  | 'quality_blocked'
  | 'publish_failed'
  | 'published'
  | 'performance_summary';

export interface NotifyInput {
  kind: NotificationKind;
  postId: string;
  brandId: string;
  /** Unique per notification so a retried delivery is recognisable by the receiver. */
  notificationId: string;
  roles?: string[];
  userIds?: string[];
  message: string;
  data?: Record<string, unknown>;
}

export interface PerformanceSummary {
  postId: string;
  totals: Omit<MetricSnapshot, 'offsetMs' | 'takenAt' | 'accountId' | 'platform'>;
  byPlatform: Record<string, Omit<MetricSnapshot, 'offsetMs' | 'takenAt' | 'accountId' | 'platform'>>;
}

export interface PostActivities {
  recordTransition(input: RecordTransitionInput): Promise<RecordTransitionResult>;
  checkQuality(input: CheckQualityInput): Promise<CheckQualityResult>;
  /** The brand's choice for a publish timer that fired late. */
  readLatePublishing(input: { brandId: string }): Promise<LatePublishingPolicy>;
  publishVariant(input: PublishVariantInput): Promise<PublishVariantResult>;
  /** One variant's snapshot; workflows recorded before `takeSnapshots` existed replay with it. */
  snapshotMetrics(input: SnapshotMetricsInput): Promise<MetricSnapshot>;
  takeSnapshots(input: TakeSnapshotsInput): Promise<TakeSnapshotsResult>;
  summarizePerformance(input: { postId: string }): Promise<PerformanceSummary>;
  notify(input: NotifyInput): Promise<void>;
}
