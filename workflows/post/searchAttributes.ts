/**
 * The search attributes admins filter posts by in Temporal UI. The server must know them before
 * a post workflow starts: docker compose registers them with admin-tools, tests and the embedded
 * server with `POST_SEARCH_ATTRIBUTES`.
 */
import { defineSearchAttributeKey } from '@temporalio/common';

export const postStageKey = defineSearchAttributeKey('PostStage', 'KEYWORD');
export const brandKey = defineSearchAttributeKey('Brand', 'KEYWORD');
export const campaignKey = defineSearchAttributeKey('Campaign', 'KEYWORD');
export const riskTierKey = defineSearchAttributeKey('RiskTier', 'KEYWORD');

/** Name and type of every post search attribute, in the form registration APIs take. */
export const POST_SEARCH_ATTRIBUTES = {
  PostStage: 'Keyword',
  Brand: 'Keyword',
  Campaign: 'Keyword',
  RiskTier: 'Keyword',
} as const;
