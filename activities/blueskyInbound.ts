/**
 * One read of a Bluesky account's notifications: the replies, mentions and quotes since the
 * stored cursor go through the same delivery as signed webhooks (recorded messages dropped, the
 * rest signal-with-start their conversations), then the cursor moves past them. Delivering
 * before moving the cursor means a crash in between repeats a delivery, which the message ids
 * make harmless, and never loses one.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { createAccountStore } from '../db/accounts';
import { createBlueskyInboundCursorStore } from '../db/blueskyInboundCursors';
import { createThreadStore } from '../db/threads';
import { threadIdOf } from '../domain/threadState';
import type { BlueskyInboundActivities } from './blueskyInboundContract';
import { BLUESKY_CONNECTOR, type BlueskyConnector } from './connectors/bluesky/connector';
import { eventOfNotification } from './connectors/bluesky/notifications';
import { ErrorType } from './contract';
import { silentLogger, systemClock, type ActivityLogger } from './deps';
import { deliverInbound, startOrSignalWith, type InboundEvent } from './connectors/inboundDelivery';

/** The API takes ids of at most this length; a conversation the API could not name is not opened. */
const MAX_ID_LENGTH = 200;

export interface BlueskyInboundDeps {
  db: Knex;
  /** Absent when no key opens platform credentials: then no account can be read. */
  bluesky?: BlueskyConnector;
  logger?: ActivityLogger;
  clock?: () => Date;
}

export function createBlueskyInboundActivities(deps: BlueskyInboundDeps): BlueskyInboundActivities {
  const accounts = createAccountStore(deps.db);
  const cursors = createBlueskyInboundCursorStore(deps.db);
  const threads = createThreadStore(deps.db);
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? systemClock;

  return {
    async pollBlueskyInbound({ accountId }) {
      const account = await accounts.findById(accountId);
      if (!account) return { status: 'stopped', reason: `account ${accountId} does not exist` };
      if (account.connector !== BLUESKY_CONNECTOR || !deps.bluesky) {
        return { status: 'stopped', reason: `account ${accountId} does not publish to Bluesky` };
      }
      const cursor = await cursors.read(accountId);
      let read;
      try {
        read = await deps.bluesky.newNotifications(accountId, cursor);
      } catch (error) {
        if (error instanceof ApplicationFailure && error.type === ErrorType.AccountNeedsReauthentication) {
          return { status: 'stopped', reason: error.message };
        }
        throw error;
      }
      const events: InboundEvent[] = [];
      let skipped = 0;
      for (const notification of read.notifications) {
        const event = eventOfNotification(notification);
        if (!event) continue;
        const threadId = threadIdOf({ accountId, externalThreadId: event.threadId });
        if (threadId.length > MAX_ID_LENGTH || event.messageId.length > MAX_ID_LENGTH) {
          skipped += 1;
          logger.warn('Bluesky notification left out: its ids are longer than conversations take', {
            accountId,
            uri: notification.uri,
          });
          continue;
        }
        events.push(event);
      }
      const { client, info } = Context.current();
      const delivered = await deliverInbound({
        account,
        events,
        threads,
        startOrSignal: startOrSignalWith(client.workflow, info.taskQueue),
      });
      if (read.cursor) await cursors.write({ accountId, cursor: read.cursor, now: clock() });
      return { status: 'read', delivered: delivered.accepted, duplicates: delivered.duplicates, skipped };
    },
  };
}
