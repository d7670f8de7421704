/**
 * What the campaign workflow asks of Postgres and of its posts. Workflows `import type` this
 * contract; every call is safe to repeat: plan items remember the post each became, and the
 * audit log is keyed by the campaign's own sequence.
 */
import type { CampaignActionKind, CampaignStatus } from '../domain/campaigns';
import type { Actor } from '../domain/types';

export { CAMPAIGN_NOT_FOUND } from '../domain/failureTypes';

export interface CampaignHold {
  by: string;
  reason?: string;
}

export interface CreateCampaignPostsInput {
  campaignId: string;
  fromPosition: number;
  limit: number;
  /** Set while the campaign is paused: the posts start held. */
  held?: CampaignHold;
}
export interface CreateCampaignPostsResult {
  /** The position after the last item attempted; the plan's total when none is left. */
  nextPosition: number;
  total: number;
  created: number;
  failed: number;
}

export interface ListCampaignPostsInput {
  campaignId: string;
  /** Keyset paging by post id, which never changes, so no post is skipped while others move on. */
  afterPostId?: string;
  limit: number;
}
export interface ListCampaignPostsResult {
  postIds: string[];
}

export interface CampaignPostAction {
  kind: CampaignActionKind;
  /**
   * The campaign action this is part of: a post's update carries it in its id, so an activity
   * retried after some posts were reached never cancels or shifts one of them twice.
   */
  actionId?: string;
  by: Actor;
  reason?: string;
  offset?: string;
  /** For a resume: what a post whose publish time passed while held does (publish at once by default). */
  passedPublishTime?: 'publish' | 'hold_for_review';
}
export interface ReachCampaignPostsInput {
  campaignId: string;
  postIds: string[];
  action: CampaignPostAction;
}
export interface ReachCampaignPostsResult {
  reached: string[];
  notReached: Array<{ postId: string; reason: string }>;
}

export interface RecordCampaignActionInput {
  campaignId: string;
  /** The campaign's own position in the audit log: the entry is written once. */
  sequence: number;
  action: string;
  actorId: string;
  at: string;
  detail: Record<string, unknown>;
  /** The status (and pause) posts created from now on read. */
  status?: { status: CampaignStatus; paused: boolean; pausedReason?: string; cancelReason?: string };
}

export interface FinishCampaignInput {
  campaignId: string;
  status: 'ended' | 'cancelled';
  endedAt: string;
  /** Why planned posts not yet created never will be. */
  reason: string;
}

export interface CampaignActivities {
  /** Creates the next planned posts through the post creation path, a few at a time, heartbeating. */
  createCampaignPosts(input: CreateCampaignPostsInput): Promise<CreateCampaignPostsResult>;
  /** One page of the campaign's posts an action still reaches (not yet publishing), by id. */
  listCampaignPosts(input: ListCampaignPostsInput): Promise<ListCampaignPostsResult>;
  /** Carries the action to each post (hold, release, cancel, reschedule), a few at a time. */
  reachCampaignPosts(input: ReachCampaignPostsInput): Promise<ReachCampaignPostsResult>;
  /** Writes the action to the audit log and the campaign's status to its row. */
  recordCampaignAction(input: RecordCampaignActionInput): Promise<void>;
  /** Stores the end report and sends it through the signed webhook. */
  finishCampaign(input: FinishCampaignInput): Promise<void>;
}
