/**
 * The sandbox platform: behaves like a social network without leaving the machine. It keeps
 * what it publishes in Postgres, never publishes the same idempotency key twice, derives metrics
 * from time since publishing, and fails on request per account (sandbox_account_behaviour).
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { createAccountStore, type Account } from '../../db/accounts';
import { createSandboxStore, type SandboxFailure } from '../../db/sandbox';
import type { QualityIssue } from '../../domain/postState';
import { ErrorType } from '../contract';
import { sandboxMetrics } from './sandboxMetrics';
import type { PlatformConnector, VariantToPublish } from './types';

export const SANDBOX_CONNECTOR = 'sandbox';
const SANDBOX_ORIGIN = 'https://sandbox.socialops.invalid';
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** The platform's id for what it published under a key: the same key always yields the same id. */
function externalIdFor(kind: 'post' | 'reply', idempotencyKey: string): string {
  return `sbx-${kind}-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 20)}`;
}

function accountNotFound(accountId: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.AccountNotFound,
    message: `account ${accountId} does not exist`,
    nonRetryable: true,
  });
}

function revoked(account: Account): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.AccountRevoked,
    message: `the access token of ${account.platform} account ${account.handle} has been revoked`,
    nonRetryable: true,
    details: [{ accountId: account.id }],
  });
}

function failureFor(account: Account, failure: SandboxFailure): ApplicationFailure {
  switch (failure.mode) {
    case 'rate_limit': {
      const retryAfterSeconds = failure.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
      return ApplicationFailure.create({
        type: ErrorType.RateLimited,
        message: `${account.platform} rate limit reached for ${account.handle}; retry after ${retryAfterSeconds}s`,
        nonRetryable: false,
        nextRetryDelay: retryAfterSeconds * 1000,
        details: [{ accountId: account.id, retryAfterSeconds }],
      });
    }
    case 'revoked':
      return revoked(account);
    case 'refused':
      return ApplicationFailure.create({
        type: ErrorType.ContentRefused,
        message: `${account.platform} refused the content for ${account.handle}`,
        nonRetryable: true,
        details: [{ accountId: account.id }],
      });
  }
}

export function createSandboxConnector(deps: { db: Knex; clock?: () => Date }): PlatformConnector {
  const accounts = createAccountStore(deps.db);
  const sandbox = createSandboxStore(deps.db);
  const now = deps.clock ?? (() => new Date());

  /** The account, if it may act now; otherwise the failure the platform would answer with. */
  async function accountReadyToAct(accountId: string): Promise<Account> {
    const account = await accounts.findById(accountId);
    if (!account) throw accountNotFound(accountId);
    if (account.status === 'revoked') throw revoked(account);
    const failure = await sandbox.consumeAccountFailure({ accountId });
    if (failure) throw failureFor(account, failure);
    return account;
  }

  return {
    name: SANDBOX_CONNECTOR,

    async publish(variant, idempotencyKey) {
      // A retry after a publication that succeeded (but whose answer was lost) gets that publication.
      const earlier = await sandbox.findByIdempotencyKey(idempotencyKey);
      if (earlier) return earlier;

      const account = await accountReadyToAct(variant.accountId);
      const externalId = externalIdFor('post', idempotencyKey);
      const { publication } = await sandbox.publishOnce({
        idempotencyKey,
        accountId: account.id,
        platform: variant.platform,
        postId: variant.postId,
        text: variant.text,
        media: variant.media,
        externalId,
        url: `${SANDBOX_ORIGIN}/${variant.platform}/${encodeURIComponent(account.handle)}/${externalId}`,
        publishedAt: now().toISOString(),
      });
      return {
        accountId: publication.accountId,
        platform: publication.platform,
        externalId: publication.externalId,
        url: publication.url,
        publishedAt: publication.publishedAt,
      };
    },

    async findPublication(idempotencyKey) {
      const published = await sandbox.findByIdempotencyKey(idempotencyKey);
      if (!published) return undefined;
      return {
        accountId: published.accountId,
        platform: published.platform,
        externalId: published.externalId,
        url: published.url,
        publishedAt: published.publishedAt,
      };
    },

    async fetchMetrics(publication, at) {
      const published = await sandbox.findByExternalId(publication.externalId);
      if (!published) {
        throw ApplicationFailure.create({
          type: ErrorType.PublicationNotFound,
          message: `the sandbox has no publication ${publication.externalId}`,
          nonRetryable: true,
        });
      }
      return sandboxMetrics({
        externalId: published.externalId,
        elapsedMs: Date.parse(at) - Date.parse(published.publishedAt),
      });
    },

    async sendReply(reply) {
      const earlier = await sandbox.findReplyByIdempotencyKey(reply.idempotencyKey);
      if (earlier) return { externalId: earlier.externalId, sentAt: earlier.sentAt };

      const account = await accountReadyToAct(reply.accountId);
      const { reply: sent } = await sandbox.replyOnce({
        idempotencyKey: reply.idempotencyKey,
        accountId: account.id,
        platform: reply.platform,
        threadExternalId: reply.threadExternalId,
        inReplyToExternalId: reply.inReplyToExternalId ?? null,
        text: reply.text,
        externalId: externalIdFor('reply', reply.idempotencyKey),
        sentAt: now().toISOString(),
      });
      return { externalId: sent.externalId, sentAt: sent.sentAt };
    },

    async validate(variant: VariantToPublish): Promise<QualityIssue[]> {
      const account = await accounts.findById(variant.accountId);
      const about = { accountId: variant.accountId, platform: variant.platform };
      if (!account)
        return [{ ...about, code: 'account_not_found', message: `account ${variant.accountId} does not exist` }];
      const issues: QualityIssue[] = [];
      if (account.status === 'revoked') {
        issues.push({
          ...about,
          code: 'account_revoked',
          message: `the access token of ${account.handle} has been revoked`,
        });
      }
      if (account.platform !== variant.platform) {
        issues.push({
          ...about,
          code: 'platform_mismatch',
          message: `account ${account.handle} is on ${account.platform}, not ${variant.platform}`,
        });
      }
      return issues;
    },
  };
}
