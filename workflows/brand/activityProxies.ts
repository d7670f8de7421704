/**
 * How the brand publishing workflow reaches Postgres: local activities, since both only touch our
 * own database, are quick and safe to repeat. Retried until Postgres answers: a request, once
 * accepted, must be carried out.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import type { BrandPublishingActivities } from '../../activities/brandContract';
import { BRAND_NOT_FOUND } from '../../domain/failureTypes';

export const { recordBrandPublishing, listPostsToTell } = proxyLocalActivities<BrandPublishingActivities>({
  startToCloseTimeout: '15s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    nonRetryableErrorTypes: [BRAND_NOT_FOUND],
  },
});
