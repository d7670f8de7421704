/**
 * The brand publishing workflow's messages: one definition shared by the API, the workflow and the
 * tests. A pause or resume is an update, answered once every post has been told (or after a short
 * wait for a brand with many posts); the query shows every request's progress.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const BRAND_PUBLISHING_WORKFLOW_TYPE = 'brandPublishing';
export const brandWorkflowId = (brandId: string): string => `brand:${brandId}`;

export interface BrandPublishingInput {
  brandId: string;
  /** What a run hands over to the next when it continues as new. */
  carried?: Pick<BrandPublishingState, 'paused' | 'pausedReason' | 'operations'>;
}

export interface SetPublishingRequest {
  paused: boolean;
  /** The user asking. */
  by: string;
  reason?: string;
}

/**
 * queued: waits for the requests before it. recording: the brand's flag is being written.
 * signalling: every post not yet published is being told. checking_late_posts: waits for posts
 * whose creation began before the flag changed, then tells them too. done, or failed (the brand no
 * longer exists).
 */
export const BRAND_OPERATION_STATUSES = [
  'queued',
  'recording',
  'signalling',
  'checking_late_posts',
  'done',
  'failed',
] as const;
export type BrandOperationStatus = (typeof BRAND_OPERATION_STATUSES)[number];

export interface BrandOperation {
  operationId: string;
  paused: boolean;
  by: string;
  reason?: string;
  status: BrandOperationStatus;
  requestedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Posts not yet published found so far. */
  postsFound: number;
  /** Posts whose workflow has been told. */
  postsSignalled: number;
  /** Posts found whose workflow could not be told (it had finished, or never started). */
  postsNotReached: string[];
  error?: string;
}

export interface BrandPublishingState {
  brandId: string;
  /** The brand's flag as this workflow last recorded it; null until its first request. */
  paused: boolean | null;
  pausedReason: string | null;
  /** Requests in the order they arrived and are carried out: the latest finished, the running, the waiting. */
  operations: BrandOperation[];
}

export const setPublishing = defineUpdate<BrandOperation, [SetPublishingRequest]>('setPublishing');
export const getBrandPublishing = defineQuery<BrandPublishingState>('getBrandPublishing');
