import { createAccountStore } from '../db/accounts';
import type { PostActivities, PublishVariantInput, PublishVariantResult } from './contract';
import { requireAccount, silentLogger, type PostActivityDeps } from './deps';

/**
 * Publishes one variant through the connector its account uses. The idempotency key travels to
 * the platform, so a retry after a lost answer returns the first publication instead of a second post.
 */
export function createPublishVariant(deps: PostActivityDeps): PostActivities['publishVariant'] {
  const accounts = createAccountStore(deps.db);
  const logger = deps.logger ?? silentLogger;

  return async function publishVariant(input: PublishVariantInput): Promise<PublishVariantResult> {
    const account = await requireAccount(accounts, input.accountId);
    const connector = deps.connectors.get(account.connector);
    const publication = await connector.publish(
      {
        postId: input.postId,
        revision: input.revision,
        accountId: input.accountId,
        platform: input.platform,
        text: input.text,
        media: input.media,
      },
      input.idempotencyKey,
    );
    logger.info('variant published', {
      postId: input.postId,
      accountId: input.accountId,
      externalId: publication.externalId,
    });
    return { externalId: publication.externalId, url: publication.url, publishedAt: publication.publishedAt };
  };
}
