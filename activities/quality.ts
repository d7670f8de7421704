import { ApplicationFailure } from '@temporalio/common';
import { createBrandStore } from '../db/brands';
import { checkContent } from '../domain/quality';
import { storableText } from '../domain/text';
import { ErrorType, type CheckQualityInput, type CheckQualityResult, type PostActivities } from './contract';
import type { PostActivityDeps } from './deps';
import { permanentOnBadData } from './writeFailures';

/**
 * Runs the content checks with the brand's rules (banned phrases, UTM source) and the campaign's
 * UTM name, which live in Postgres and may change while a post is in review.
 */
export function createCheckQuality(deps: PostActivityDeps): PostActivities['checkQuality'] {
  const brands = createBrandStore(deps.db);

  return async function checkQuality(input: CheckQualityInput): Promise<CheckQualityResult> {
    // Postgres refusing the ids themselves (a NUL, say) answers the same on every attempt.
    const { brand, campaign } = await permanentOnBadData('quality check', async () => ({
      brand: await brands.findById(input.brandId),
      campaign: input.campaignId ? await brands.findCampaign(input.campaignId) : undefined,
    }));
    if (!brand) {
      throw ApplicationFailure.create({
        type: ErrorType.BrandNotFound,
        message: `brand ${input.brandId} does not exist`,
        nonRetryable: true,
      });
    }
    try {
      return checkContent({
        content: input.content,
        sponsored: input.sponsored,
        brand: { bannedPhrases: brand.bannedPhrases, utmSource: brand.utmSource },
        // An empty tag is left off the link, so posts outside a campaign carry no utm_campaign.
        utm: { campaign: campaign?.utmCampaign ?? '', content: input.postId },
      });
    } catch (error) {
      throw ApplicationFailure.create({
        type: ErrorType.UncheckableContent,
        // The workflow may record the reason; it must be storable like everything else it records.
        message: storableText(
          `the content checks failed on revision ${input.revision}: ${error instanceof Error ? error.message : String(error)}`,
        ),
        nonRetryable: true,
        cause: error instanceof Error ? error : undefined,
      });
    }
  };
}
