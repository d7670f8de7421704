/**
 * The crisis monitor's activities (its policy, its records and notifications) and the two the
 * conversation workflow uses (telling the monitor about a message, asking whether replies wait).
 */
import { Context } from '@temporalio/activity';
import { createAuditLog } from '../db/audit';
import { createCrisisStore } from '../db/crisis';
import { DEFAULT_CRISIS_POLICY, validateCrisisPolicy } from '../domain/crisis';
import type { CrisisActivities, CrisisNotification } from './crisisContract';
import { silentLogger, type PostActivityDeps } from './deps';
import { createNotificationOutbox } from './notificationOutbox';
import { permanentOnBadData, requireStorable } from './writeFailures';
import { crisisWorkflowId } from '../domain/ids';
import type { CrisisMessageSignal, CrisisMonitorInput } from '../workflows/crisis/messages';

/** The crisis monitor's workflow type and message signal, by name: activities hold no workflow values. */
const CRISIS_MONITOR = 'crisisMonitor';
const CRISIS_MESSAGE_SIGNAL = 'crisisMessage';

/** The audit trail's entity of a brand's crises: its monitor's workflow id. */
export const crisisEntity = crisisWorkflowId;

export function createCrisisActivities(
  deps: Pick<PostActivityDeps, 'db' | 'logger'> & Partial<Pick<PostActivityDeps, 'notifier' | 'clock'>>,
): CrisisActivities {
  const crises = createCrisisStore(deps.db);
  const audit = createAuditLog(deps.db);
  const outbox = createNotificationOutbox<CrisisNotification>(deps, (notification) => ({
    crisisId: notification.crisisId,
  }));
  const logger = deps.logger ?? silentLogger;

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
          await outbox.record(notifications, trx);
        }),
      );
      return { undelivered: await outbox.deliverOnce(notifications) };
    },

    async deliverCrisisNotification(notification) {
      await outbox.redeliver(notification);
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
