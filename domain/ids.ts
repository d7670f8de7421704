/**
 * Business workflow ids. The projection, the API and the workflows that signal a post all derive
 * the id from the post's own id, so a post has exactly one workflow and anyone can find it.
 */
export const postWorkflowId = (postId: string): string => `post:${postId}`;

/** A brand's crisis monitor: one per brand, found by the brand's id. */
export const crisisWorkflowId = (brandId: string): string => `crisis:${brandId}`;
/** A campaign's workflow: one per campaign, found from the campaign's id alone. */
export const campaignWorkflowId = (campaignId: string): string => `campaign:${campaignId}`;

/** A campaign's entity in the audit log. */
export const campaignEntity = (campaignId: string): string => `campaign:${campaignId}`;
/** A conversation's workflow, found from `<accountId>:<platform thread id>` (see threadIdOf). */
export const threadWorkflowId = (threadId: string): string => `thread:${threadId}`;
export const THREAD_WORKFLOW_TYPE = 'threadLifecycle';
/** The signal that hands a conversation an inbound message; webhooks and pollers both send it. */
export const INBOUND_MESSAGE_SIGNAL = 'inboundMessage';

/** A Bluesky account's inbound poller: one per account. */
export const blueskyInboundWorkflowId = (accountId: string): string => `bluesky-inbound:${accountId}`;
export const BLUESKY_INBOUND_WORKFLOW_TYPE = 'blueskyInbound';
export const POLL_BLUESKY_NOW_SIGNAL = 'pollBlueskyNow';
