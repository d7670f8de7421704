import { createAuditLog } from '../db/audit';
import { createAccountStore } from '../db/accounts';
import { createThreadSettingsStore } from '../db/threadSettings';
import { createThreadQueueStore, settleQueueChoices } from '../db/threadQueues';
import { createThreadStore } from '../db/threads';
import { currentThreadSettings } from './threadSettings';
import { sentimentScore } from '../domain/triage/sentimentScore';
import type { Platform } from '../domain/types';
import { requireAccount, silentLogger, type PostActivityDeps } from './deps';
import type {
  RecordThreadTransitionInput,
  RecordThreadTransitionResult,
  ThreadActivities,
  ThreadNotification,
} from './threadContract';
import { createNotificationOutbox } from './notificationOutbox';
import { permanentOnBadData, requireStorable } from './writeFailures';

export const threadEntity = (threadId: string): string => `thread:${threadId}`;

/** The conversation workflow's activities, bound to the worker's Postgres and connectors. */
export function createThreadActivities(
  deps: Pick<PostActivityDeps, 'db' | 'connectors' | 'logger'> & Partial<Pick<PostActivityDeps, 'notifier' | 'clock'>>,
): ThreadActivities {
  const audit = createAuditLog(deps.db);
  const threads = createThreadStore(deps.db);
  const queues = createThreadQueueStore(deps.db);
  const notifications = createNotificationOutbox<ThreadNotification>(deps, (notification) => ({
    threadId: notification.threadId,
  }));
  const accounts = createAccountStore(deps.db);
  const settingsStore = createThreadSettingsStore(deps.db);
  const logger = deps.logger ?? silentLogger;

  return {
    scoreSentiment: ({ text }) => Promise.resolve(sentimentScore({ text })),

    async prepareInbound({ brandId, text, known }) {
      const settings = await permanentOnBadData(`the conversation settings of brand ${brandId}`, () =>
        currentThreadSettings({ settings: settingsStore, logger, brandId }),
      );
      const changed = Object.fromEntries(
        Object.entries(settings).filter(
          ([part, value]) => value !== undefined && value.version !== known[part as keyof typeof known],
        ),
      );
      return { sentiment: sentimentScore({ text }), settings: changed };
    },

    /**
     * The audit entry, the projection, new messages, clocks and SLA events of one transition in
     * one transaction; a retry or a late write changes nothing a later transition wrote.
     */
    async recordThreadTransition(input: RecordThreadTransitionInput): Promise<RecordThreadTransitionResult> {
      const { state } = input;
      const what = `transition ${input.sequence} (${input.action}) of thread ${state.threadId}`;
      requireStorable(input, what);
      await permanentOnBadData(what, () =>
        deps.db.transaction(async (trx) => {
          const appended = await audit.append(
            {
              entity: threadEntity(state.threadId),
              sequence: input.sequence,
              action: input.action,
              actorId: input.actorId,
              fromStage: null,
              toStage: state.status,
              at: input.at,
              detail: input.detail ?? {},
            },
            trx,
          );
          const projected = await threads.applyProjection(
            { state, workflowId: input.workflowId, sequence: input.sequence },
            trx,
          );
          // The projection now shows any agent just chosen for the conversation.
          await settleQueueChoices(trx, state.threadId);
          await threads.recordMessages(
            { threadId: state.threadId, accountId: state.accountId, messages: input.newMessages },
            trx,
          );
          await threads.recordClocks(
            {
              threadId: state.threadId,
              sequence: input.sequence,
              clocks: input.clocks,
              attribution: { brandId: state.brandId, queue: state.queue, assigneeId: state.assigneeId },
            },
            trx,
          );
          await threads.recordSlaEvents({ threadId: state.threadId, events: input.slaEvents }, trx);
          await notifications.record(input.notifications ?? [], trx);
          if (!appended || !projected) {
            logger.info('thread transition already recorded or superseded', {
              threadId: state.threadId,
              sequence: input.sequence,
            });
          }
        }),
      );
      return { undelivered: await notifications.deliverOnce(input.notifications ?? []) };
    },

    assignFromQueue: (input) => queues.chooseFor(input),

    findWaitingInQueue: (input) => threads.nextWaitingInQueue(input),

    findQueueLead: async ({ brandId, queue }) => ({ leadId: await queues.leadOf({ brandId, name: queue }) }),

    deliverThreadNotification: (input) => notifications.redeliver(input),
    findRecordedMessageIds: (input) => threads.knownMessageIds(input),

    async sendThreadReply(input) {
      const account = await requireAccount(accounts, input.accountId);
      return deps.connectors.get(account.connector).sendReply({
        accountId: input.accountId,
        platform: input.platform as Platform,
        threadExternalId: input.externalThreadId,
        ...(input.inReplyToExternalId !== undefined ? { inReplyToExternalId: input.inReplyToExternalId } : {}),
        text: input.text,
        idempotencyKey: input.idempotencyKey,
        ...(input.keyFixedAt !== undefined ? { keyFixedAt: input.keyFixedAt } : {}),
      });
    },
  };
}
