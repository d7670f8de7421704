/** Search attributes a post workflow starts with, so admins can filter it in Temporal UI from its first moment. */
import type { SearchAttributePair } from '@temporalio/common';
import type { PostState } from '../workflows/messages';
import { brandKey, campaignKey, postStageKey, riskTierKey } from '../workflows/post/searchAttributes';

export function initialSearchAttributes({ state }: { state: PostState }): SearchAttributePair[] {
  return [
    { key: postStageKey, value: state.stage },
    { key: brandKey, value: state.brandId },
    ...(state.campaignId !== undefined ? [{ key: campaignKey, value: state.campaignId }] : []),
    { key: riskTierKey, value: state.riskTier },
  ];
}
