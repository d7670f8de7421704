import type { BrandPublishingActivities } from './brandContract';
import type { PostActivities } from './contract';
import type { ReportActivities } from './reportContract';
import type { ThreadActivities } from './threadContract';
import type { CrisisActivities } from './crisisContract';
import type { CampaignActivities } from './campaignContract';
import type { BlueskyInboundActivities } from './blueskyInboundContract';

export { createPostActivities } from './postActivities';
export { createBrandPublishingActivities } from './brandPublishing';
export { createThreadActivities, threadEntity } from './threadActivities';
export { createReportActivities } from './reports';
export type * from './reportContract';
export { createCrisisActivities, crisisEntity } from './crisisActivities';
export { createBlueskyInboundActivities } from './blueskyInbound';
export type * from './blueskyInboundContract';
export { startBlueskyInbound } from './connectors/bluesky/startPolling';
export type * from './crisisContract';
export type * from './threadContract';
export * from './brandContract';
export type { ActivityLogger, PostActivityDeps } from './deps';
export * from './contract';
export { createConnectorRegistry } from './connectors/types';
export type {
  ConnectorRegistry,
  PlatformConnector,
  Publication,
  PublishedRef,
  ReplyToSend,
  SentReply,
  VariantToPublish,
} from './connectors/types';
export { createSandboxConnector, SANDBOX_CONNECTOR } from './connectors/sandbox';
export { sandboxMetrics } from './connectors/sandboxMetrics';
export {
  createWebhookNotifier,
  NOTIFICATION_ID_HEADER,
  SIGNATURE_HEADER,
  signWebhookBody,
  verifyWebhookSignature,
} from './notifier';
export type { Notifier, OutboundNotification, WebhookNotifierConfig } from './notifier';

/**
 * Every activity a worker hosts: the post lifecycle's, the brand publishing workflow's, the
 * conversations', the scheduled reports', the crisis monitor's, the campaigns' and the Bluesky
 * inbound poller's.
 */
export type WorkerActivities = PostActivities &
  BrandPublishingActivities &
  ThreadActivities &
  ReportActivities &
  CrisisActivities &
  CampaignActivities &
  BlueskyInboundActivities;
