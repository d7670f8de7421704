import { ApplicationFailure } from '@temporalio/common';
import { createBrandStore } from '../db/brands';
import { checkContent } from '../domain/quality';
import { ErrorType, type CheckQualityInput, type CheckQualityResult, type PostActivities } from './contract';
import type { PostActivityDeps } from './deps';

/**
 * Runs the content checks with the brand's rules (banned phrases, UTM source) and the campaign's
 * UTM name, which live in Postgres and may change while a post is in review.
 */
export function createCheckQuality(deps: PostActivityDeps): PostActivities['checkQuality'] {
  const brands = createBrandStore(deps.db);

  return async function checkQuality(input: CheckQualityInput): Promise<CheckQualityResult> {
    const brand = await brands.findById(input.brandId);
    if (!brand) {
      throw ApplicationFailure.create({
        type: ErrorType.BrandNotFound,
        message: `brand ${input.brandId} does not exist`,
        nonRetryable: true,
      });
    }
    const campaign = input.campaignId ? await brands.findCampaign(input.campaignId) : undefined;
    return checkContent({
      content: input.content,
      sponsored: input.sponsored,
      brand: { bannedPhrases: brand.bannedPhrases, utmSource: brand.utmSource },
      // An empty tag is left off the link, so posts outside a campaign carry no utm_campaign.
      utm: { campaign: campaign?.utmCampaign ?? '', content: input.postId },
    });
  };
}
