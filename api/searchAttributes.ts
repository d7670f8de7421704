/** Search attributes the post workflow starts with, so admins can filter in Temporal UI from the first moment. */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { PostState } from '../workflows/messages';

export const PostStageKey = defineSearchAttributeKey('PostStage', SearchAttributeType.KEYWORD);
export const BrandKey = defineSearchAttributeKey('Brand', SearchAttributeType.KEYWORD);
export const CampaignKey = defineSearchAttributeKey('Campaign', SearchAttributeType.KEYWORD);
export const RiskTierKey = defineSearchAttributeKey('RiskTier', SearchAttributeType.KEYWORD);

export function initialSearchAttributes({ state }: { state: PostState }): SearchAttributePair[] {
  return [
    { key: PostStageKey, value: state.stage },
    { key: BrandKey, value: state.brandId },
    ...(state.campaignId !== undefined ? [{ key: CampaignKey, value: state.campaignId }] : []),
    { key: RiskTierKey, value: state.riskTier },
  ];
}
