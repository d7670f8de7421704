/**
 * How the campaign workflow reaches Postgres and its posts. Creating posts and reaching them are
 * activities with a heartbeat (a batch runs for seconds); each retries until it succeeds, since an
 * accepted campaign or action must be carried out, except for a campaign that no longer exists.
 */
import { proxyActivities, type RetryPolicy } from '@temporalio/workflow';
import type { CampaignActivities } from '../../activities/campaignContract';
import { CAMPAIGN_NOT_FOUND } from '../../domain/failureTypes';

const retry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  nonRetryableErrorTypes: [CAMPAIGN_NOT_FOUND],
};

export const { createCampaignPosts, reachCampaignPosts } = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry,
});

export const { listCampaignPosts, recordCampaignAction, finishCampaign } = proxyActivities<CampaignActivities>({
  startToCloseTimeout: '1m',
  retry,
});
