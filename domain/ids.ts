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
