/**
 * What socialops needs from a social platform. Each platform (or the sandbox) implements this
 * once; the activities pick the connector an account names.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { MetricCounts } from '../../db/metrics';
import type { Platform } from '../../domain/types';
import type { QualityIssue } from '../../domain/postState';
import { ErrorType, type PublishVariantInput } from '../contract';

/** What a connector publishes: the activity's input without the idempotency key, which travels apart. */
export type VariantToPublish = Omit<PublishVariantInput, 'idempotencyKey'>;

export interface Publication {
  accountId: string;
  platform: Platform;
  externalId: string;
  url: string;
  publishedAt: string;
}

export interface PublicationKeyContext {
  accountId: string;
  keyFixedAt?: string;
}

export type PublishedRef = Pick<Publication, 'accountId' | 'platform' | 'externalId'>;

export interface ReplyToSend {
  accountId: string;
  platform: Platform;
  threadExternalId: string;
  inReplyToExternalId?: string;
  text: string;
  /** A platform never sends two replies with the same key. */
  idempotencyKey: string;
  /** When the workflow decided to send the reply (see PublishVariantInput.keyFixedAt). */
  keyFixedAt?: string;
}

export interface SentReply {
  externalId: string;
  sentAt: string;
}

export interface PlatformConnector {
  readonly name: string;
  /**
   * Publishes the variant. A second call with the same idempotency key returns the first
   * publication instead of posting again. Failures are ApplicationFailures typed by ErrorType.
   */
  publish(variant: VariantToPublish, idempotencyKey: string): Promise<Publication>;
  /**
   * What the platform published under the idempotency key, if anything, without publishing.
   * The platform's ledger is the truth for "published" when the workflow that asked is gone.
   * `about` names the account and the time the workflow fixed for the key (keyFixedAt), which
   * platforms whose record keys carry a time (Bluesky) need to find the record.
   */
  findPublication(idempotencyKey: string, about?: PublicationKeyContext): Promise<Publication | undefined>;
  /** The publication's counters as of `at` (ISO instant). */
  fetchMetrics(publication: PublishedRef, at: string): Promise<MetricCounts>;
  sendReply(reply: ReplyToSend): Promise<SentReply>;
  /** Problems the platform would refuse the variant for, found without publishing. */
  validate(variant: VariantToPublish): Promise<QualityIssue[]>;
}

export interface ConnectorRegistry {
  /** The connector of that name; throws a non-retryable ConnectorNotConfigured otherwise. */
  get(name: string): PlatformConnector;
  names(): string[];
}

export function createConnectorRegistry(connectors: PlatformConnector[]): ConnectorRegistry {
  const byName = new Map(connectors.map((connector) => [connector.name, connector]));
  return {
    get(name) {
      const connector = byName.get(name);
      if (!connector) {
        throw ApplicationFailure.create({
          type: ErrorType.ConnectorNotConfigured,
          message: `no connector named "${name}" is configured`,
          nonRetryable: true,
        });
      }
      return connector;
    },
    names: () => [...byName.keys()],
  };
}
