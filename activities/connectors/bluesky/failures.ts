/**
 * How Bluesky's answers become activity failures: a rate limit is retried after the platform's
 * reset time, content it refuses fails the variant for good, refused credentials fail every
 * variant of the account until an admin sets new ones. Anything else is retried.
 */
import { XRPCError } from '@atproto/api';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../contract';

const MIN_RETRY_DELAY_MS = 1000;
/** Used when a 429 carries no reset header. */
const DEFAULT_RETRY_DELAY_MS = 60_000;

export function isAuthenticationRefused(error: unknown): boolean {
  return (
    error instanceof XRPCError &&
    (Number(error.status) === 401 ||
      error.error === 'AuthenticationRequired' ||
      error.error === 'ExpiredToken' ||
      error.error === 'InvalidToken' ||
      error.error === 'AccountTakedown')
  );
}

export function needsReauthentication(account: { id: string; handle: string }, reason: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.AccountNeedsReauthentication,
    message: `Bluesky account ${account.handle} needs re-authentication: ${reason}`,
    nonRetryable: true,
    details: [{ accountId: account.id }],
  });
}

/** The reset time of a rate limit, as a delay from `now`. */
function retryDelayMs(error: XRPCError, now: Date): number {
  const reset = Number(error.headers?.['ratelimit-reset']);
  if (!Number.isFinite(reset)) return DEFAULT_RETRY_DELAY_MS;
  return Math.max(MIN_RETRY_DELAY_MS, reset * 1000 - now.getTime());
}

/** The failure an answer from the platform stands for; errors that are not answers are returned as they are. */
export function failureFromBluesky(
  error: unknown,
  { account, now }: { account: { id: string; handle: string }; now: Date },
): unknown {
  if (!(error instanceof XRPCError)) return error;
  if (Number(error.status) === 429) {
    const delay = retryDelayMs(error, now);
    return ApplicationFailure.create({
      type: ErrorType.RateLimited,
      message: `Bluesky rate limit reached for ${account.handle}; retry after ${Math.ceil(delay / 1000)}s`,
      nonRetryable: false,
      nextRetryDelay: delay,
      details: [{ accountId: account.id, retryAfterSeconds: Math.ceil(delay / 1000) }],
    });
  }
  if (Number(error.status) === 400 && (error.error === 'InvalidRequest' || error.error === 'InvalidRecord')) {
    return ApplicationFailure.create({
      type: ErrorType.ContentRefused,
      message: `Bluesky refused the content for ${account.handle}: ${error.message}`,
      nonRetryable: true,
      details: [{ accountId: account.id }],
    });
  }
  return ApplicationFailure.create({
    type: 'BlueskyUnavailable',
    message: `Bluesky answered ${error.status} ${error.error ?? ''}: ${error.message}`.trim(),
    nonRetryable: false,
  });
}
