/**
 * The crisis monitor's activities (its policy, its records and notifications) and the two the
 * conversation workflow uses (telling the monitor about a message, asking whether replies wait).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { createAuditLog } from '../db/audit';
import { createCrisisStore } from '../db/crisis';
import { createNotificationStore, type NewNotification, type NotificationRecord } from '../db/notifications';
import { DEFAULT_CRISIS_POLICY, validateCrisisPolicy } from '../domain/crisis';
import type { CrisisActivities, CrisisNotification } from './crisisContract';
import { ErrorType } from './contract';
import { silentLogger, systemClock, type PostActivityDeps } from './deps';
import { createWebhookNotifier } from './notifier';
import { TRANSITION_DELIVERY_TIMEOUT_MS } from './transitions';
import { permanentOnBadData, requireStorable } from './writeFailures';
import { crisisWorkflowId } from '../domain/ids';
import type { CrisisMessageSignal, CrisisMonitorInput } from '../workflows/crisis/messages';

/** The crisis monitor's workflow type and message signal, by name: activities hold no workflow values. */
const CRISIS_MONITOR = 'crisisMonitor';
const CRISIS_MESSAGE_SIGNAL = 'crisisMessage';

export const crisisEntity = (brandId: string): string => `crisis:${brandId}`;

function notificationRow(notification: CrisisNotification, createdAt: string): NewNotification {
  return {
    id: notification.notificationId,
    kind: notification.kind,
    postId: null,
    brandId: notification.brandId,
    payload: { ...notification },
    createdAt,
  };
}

export function createCrisisActivities(
  deps: Pick<PostActivityDeps, 'db' | 'logger'> & Partial<Pick<PostActivityDeps, 'notifier' | 'clock'>>,
): CrisisActivities {
  const crises = createCrisisStore(deps.db);
  const audit = createAuditLog(deps.db);
  const store = createNotificationStore(deps.db);
  const notifier = deps.notifier ?? createWebhookNotifier({});
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;

  async function deliver(notification: CrisisNotification, record: NotificationRecord, timeoutMs?: number) {
    if (record.deliveredAt || !notifier.deliversToWebhook) return;
    await store.recordAttempt({ id: record.id });
    try {
      await notifier.deliver(
        {
          id: notification.notificationId,
          kind: notification.kind,
          brandId: notification.brandId,
          userIds: notification.userIds,
          message: notification.message,
          data: { crisisId: notification.crisisId, ...notification.data },
          createdAt: record.createdAt,
        },
        timeoutMs !== undefined ? { timeoutMs } : {},
      );
    } catch (error) {
      throw ApplicationFailure.create({
        type: ErrorType.NotificationDeliveryFailed,
        message: `notification ${notification.notificationId} could not be sent: ${error instanceof Error ? error.message : String(error)}`,
        nonRetryable: false,
      });
    }
    await store.markDelivered({ id: record.id, at: clock().toISOString() });
  }

  return {
    async readCrisisPolicy({ brandId }) {
      const stored = await crises.currentPolicy({ brandId });
      // A stored policy that no longer validates must not stop the monitor: it watches on the defaults.
      if (stored && validateCrisisPolicy({ policy: stored.policy }).length === 0) return stored.policy;
      if (stored)
        logger.warn('stored crisis policy is invalid; using the defaults', { brandId, version: stored.version });
      return DEFAULT_CRISIS_POLICY;
    },

    async recordCrisisTransition(input) {
      const what = `crisis transition ${input.sequence} (${input.action}) of brand ${input.brandId}`;
      requireStorable(input, what);
      const notifications = input.notifications ?? [];
      await permanentOnBadData(what, () =>
        deps.db.transaction(async (trx) => {
          await audit.append(
            {
              entity: crisisEntity(input.brandId),
              sequence: input.sequence,
              action: input.action,
              actorId: input.actorId,
              fromStage: null,
              toStage: input.crisis.status,
              at: input.at,
              detail: { crisisId: input.crisis.crisisId, ...input.detail },
            },
            trx,
          );
          await crises.recordCrisis({ ...input.crisis, sequence: input.sequence, at: input.at }, trx);
          const createdAt = clock().toISOString();
          await store.recordMany(
            notifications.map((notification) => notificationRow(notification, createdAt)),
            trx,
          );
        }),
      );
      if (notifications.length === 0 || !notifier.deliversToWebhook) return { undelivered: [] };
      const records = new Map(
        (await store.findByIds(notifications.map((n) => n.notificationId))).map((record) => [record.id, record]),
      );
      const undelivered: string[] = [];
      for (const notification of notifications) {
        const record = records.get(notification.notificationId);
        if (!record) continue;
        try {
          await deliver(notification, record, TRANSITION_DELIVERY_TIMEOUT_MS);
        } catch {
          undelivered.push(notification.notificationId);
        }
      }
      return { undelivered };
    },

    async deliverCrisisNotification(notification) {
      const record = await store.recordOnce(notificationRow(notification, clock().toISOString()));
      await deliver(notification, record);
    },

    async reportCrisisMessage(report) {
      const signal: CrisisMessageSignal = { messageId: report.messageId, threadId: report.threadId, at: report.at };
      await Context.current().client.workflow.signalWithStart(CRISIS_MONITOR, {
        workflowId: crisisWorkflowId(report.brandId),
        taskQueue: Context.current().info.taskQueue,
        args: [{ brandId: report.brandId } satisfies CrisisMonitorInput],
        signal: CRISIS_MESSAGE_SIGNAL,
        signalArgs: [signal],
      });
    },

    async crisisForReplies({ brandId }) {
      const crisis = await crises.activeCrisis({ brandId });
      return crisis ? { crisisId: crisis.crisisId } : null;
    },
  };
}
