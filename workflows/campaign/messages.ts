/**
 * The campaign workflow's messages: one definition shared by the API, the workflow and the tests.
 * An action (pause, resume, cancel, shift) is an update, carried out after any before it and
 * answered with the posts it reached; posts added to the plan are announced with a signal.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CampaignActionKind, CampaignStatus } from '../../domain/campaigns';
import type { Actor } from '../../domain/types';

export const CAMPAIGN_WORKFLOW_TYPE = 'campaign';

export interface CampaignInput {
  campaignId: string;
  brandId: string;
  /** When the campaign ends and its report is stored. */
  endsAt: string;
  /** Posts in the plan it was created with. */
  planTotal?: number;
  /** History events after which a run continues as new, besides Temporal's own suggestion (tests lower it). */
  eventsPerRun?: number;
  /** What a run hands over to the next when it continues as new. */
  carried?: Pick<CampaignState, 'status' | 'paused' | 'creation' | 'actions' | 'auditSequence'>;
}

export interface CampaignActionRequest {
  kind: CampaignActionKind;
  by: Actor;
  reason?: string;
  /** For a shift: an ISO-8601 duration, e.g. P1D or -PT2H. */
  offset?: string;
  /** For a resume: a post whose publish time passed while paused publishes at once, or waits for review. */
  passedPublishTime?: 'publish' | 'hold_for_review';
}

export interface PostNotReached {
  postId: string;
  reason: string;
}

/**
 * queued: waits for the actions before it. running: being carried out to the posts. done. failed:
 * never carried out (the campaign was cancelled before its turn).
 */
export type CampaignActionStatus = 'queued' | 'running' | 'done' | 'failed';

export interface CampaignActionRecord {
  actionId: string;
  kind: CampaignActionKind;
  by: string;
  reason?: string;
  offset?: string;
  passedPublishTime?: 'publish' | 'hold_for_review';
  status: CampaignActionStatus;
  requestedAt: string;
  finishedAt?: string;
  /** Posts the action reached (signalled, cancelled, rescheduled). */
  postsReached: number;
  /** Posts it could not reach, with the reason (the first ones, up to a bound). */
  postsNotReached: PostNotReached[];
  postsNotReachedCount: number;
  error?: string;
}

export interface CampaignCreationProgress {
  /** Planned posts (the plan and every join so far). */
  total: number;
  /** Plan positions before this one have been attempted. */
  nextPosition: number;
  created: number;
  failed: number;
}

export interface CampaignState {
  campaignId: string;
  brandId: string;
  endsAt: string;
  /** `ending` while the report is being stored. */
  status: CampaignStatus | 'ending';
  paused: boolean;
  creation: CampaignCreationProgress;
  /** The latest finished actions, the running one and those waiting, in order of arrival. */
  actions: CampaignActionRecord[];
  /** Entries this campaign has written to the audit log. */
  auditSequence: number;
}

export const campaignAction = defineUpdate<CampaignActionRecord, [CampaignActionRequest]>('campaignAction');
export const planExtended = defineSignal<[{ total: number }]>('planExtended');
export const getCampaignState = defineQuery<CampaignState>('getCampaignState');
