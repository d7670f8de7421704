import { ApplicationFailure } from '@temporalio/common';
import { createAccountStore } from '../db/accounts';
import { storableText } from '../domain/text';
import type { PostActivities, PublishVariantInput, PublishVariantResult } from './contract';
import { requireAccount, silentLogger, systemClock, type PostActivityDeps } from './deps';
import { permanentOnBadData } from './writeFailures';

/**
 * Publishes one variant through the connector its account uses. The idempotency key travels to
 * the platform, so a retry after a lost answer returns the first publication instead of a second post.
 */
export function createPublishVariant(deps: PostActivityDeps): PostActivities['publishVariant'] {
  const accounts = createAccountStore(deps.db);
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;

  return async function publishVariant(input: PublishVariantInput): Promise<PublishVariantResult> {
    const account = await requireAccount(accounts, input.accountId);
    const connector = deps.connectors.get(account.connector);
    const publication = await storableFailures(() =>
      permanentOnBadData(`publication of ${input.idempotencyKey}`, () =>
        connector.publish(
          {
            postId: input.postId,
            revision: input.revision,
            accountId: input.accountId,
            platform: input.platform,
            text: input.text,
            media: input.media,
            ...(input.languages !== undefined ? { languages: input.languages } : {}),
            ...(input.quoteOf !== undefined ? { quoteOf: input.quoteOf } : {}),
            ...(input.keyFixedAt !== undefined ? { keyFixedAt: input.keyFixedAt } : {}),
          },
          input.idempotencyKey,
        ),
      ),
    );
    logger.info('variant published', {
      postId: input.postId,
      accountId: input.accountId,
      externalId: publication.externalId,
    });
    // The platform's answer is recorded as it came: nobody could correct it, so it is made storable.
    const publishedAt = Date.parse(publication.publishedAt);
    return {
      externalId: storableText(String(publication.externalId)),
      url: storableText(String(publication.url)),
      publishedAt: Number.isNaN(publishedAt) ? clock().toISOString() : new Date(publishedAt).toISOString(),
    };
  };
}

/**
 * A connector's failure reaches the post's state and projection as its reason; whatever the
 * platform put in the message, the reason stays storable. Retryability is kept as it was.
 */
async function storableFailures<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApplicationFailure) {
      if (storableText(error.message) === error.message) throw error;
      throw ApplicationFailure.create({
        type: error.type ?? undefined,
        message: storableText(error.message),
        nonRetryable: error.nonRetryable ?? undefined,
        details: error.details ? [...error.details] : undefined,
        nextRetryDelay: error.nextRetryDelay ?? undefined,
        cause: error.cause,
      });
    }
    if (error instanceof Error && storableText(error.message) !== error.message) {
      const storable = new Error(storableText(error.message));
      storable.name = error.name;
      throw storable;
    }
    throw error;
  }
}
