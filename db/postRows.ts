/**
 * How a posts row reads: the summary columns people list, the row as Postgres returns it, and the
 * limits every read made for people shares.
 */
import type { PostStage, RiskTier, SensitivityFlag } from '../domain/types';
import type { PostState } from '../domain/postState';
import { iso } from './rows';

/** A post as listed: the projection's columns without the full workflow state. */
export interface PostSummary {
  id: string;
  brandId: string;
  campaignId: string | null;
  authorId: string;
  title: string;
  riskTier: RiskTier;
  flags: SensitivityFlag[];
  urgent: boolean;
  stage: PostStage;
  revision: number;
  publishAt: string;
  timeZone: string;
  workflowId: string;
  lastSequence: number;
  createdAt: string;
  updatedAt: string;
}

/** A post with the workflow state last projected for it. */
export interface PostRecord extends PostSummary {
  state: PostState;
  /** Hash of the create request the post came from (null for posts created before it was kept). */
  requestHash: string | null;
}

/**
 * Reads made for people (lists, queue, calendar) give up after this long and cancel their query in
 * Postgres, so that a slow or pathological read never outlives the request that asked for it.
 */
export const READ_TIMEOUT_MS = 10_000;
export const cancelAfter = { cancel: true } as const;

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
export const SUMMARY_COLUMNS = [
  'posts.id',
  'posts.brand_id',
  'posts.campaign_id',
  'posts.author_id',
  'posts.title',
  'posts.risk_tier',
  'posts.flags',
  'posts.urgent',
  'posts.stage',
  'posts.revision',
  'posts.publish_at',
  'posts.time_zone',
  'posts.workflow_id',
  'posts.last_sequence',
  'posts.created_at',
  'posts.updated_at',
];

export interface PostRow {
  id: string;
  brand_id: string;
  campaign_id: string | null;
  author_id: string;
  title: string;
  risk_tier: RiskTier;
  flags: SensitivityFlag[];
  urgent: boolean;
  stage: PostStage;
  revision: number;
  publish_at: Date;
  time_zone: string;
  workflow_id: string;
  last_sequence: number;
  created_at: Date;
  updated_at: Date;
  state?: PostState;
  request_hash?: string | null;
}

export function toSummary(row: PostRow): PostSummary {
  return {
    id: row.id,
    brandId: row.brand_id,
    campaignId: row.campaign_id,
    authorId: row.author_id,
    title: row.title,
    riskTier: row.risk_tier,
    flags: row.flags,
    urgent: row.urgent,
    stage: row.stage,
    revision: row.revision,
    publishAt: iso(row.publish_at),
    timeZone: row.time_zone,
    workflowId: row.workflow_id,
    lastSequence: row.last_sequence,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toRecord(row: PostRow): PostRecord {
  return { ...toSummary(row), state: withHolds(row.state as PostState), requestHash: row.request_hash ?? null };
}

/** States projected before posts had holds carry only `paused`, which then meant the brand's pause. */
function withHolds(state: PostState): PostState {
  if (Array.isArray(state.holds)) return state;
  const holds = state.paused ? [{ source: 'brand' as const, by: 'system', since: state.updatedAt }] : [];
  return { ...state, holds };
}

export function clampLimit(limit: number | undefined, max = MAX_PAGE_SIZE): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  return Math.min(Math.max(Math.trunc(limit), 1), max);
}
