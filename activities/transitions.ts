import { ApplicationFailure } from '@temporalio/common';
import { createAuditLog, postEntity } from '../db/audit';
import { createPostStore } from '../db/posts';
import { recordStageLeft } from '../db/reportProjections';
import {
  ErrorType,
  type NotifyInput,
  type PostActivities,
  type RecordTransitionInput,
  type RecordTransitionResult,
} from './contract';
import { silentLogger, type PostActivityDeps } from './deps';
import { createNotificationDelivery } from './notifications';
import { permanentOnBadData, requireStorable } from './writeFailures';

/**
 * The one delivery attempt a transition makes itself is kept short: the update that caused the
 * transition waits for it. Notifications it cannot deliver are retried by the workflow.
 */
export const TRANSITION_DELIVERY_TIMEOUT_MS = 2_000;

/**
 * Writes one transition of a post: its audit entry, the posts projection, the revision's content,
 * the variants' publishing status, the review decisions and the notifications it sends, all in
 * one transaction; then delivers those notifications once. Every write is keyed by a business
 * key, so a retried activity changes nothing the first attempt already wrote, and a transition
 * recorded late never overwrites the projection of a later one.
 */
export function createRecordTransition(deps: PostActivityDeps): PostActivities['recordTransition'] {
  const audit = createAuditLog(deps.db);
  const posts = createPostStore(deps.db);
  const delivery = createNotificationDelivery(deps);
  const logger = deps.logger ?? silentLogger;

  async function deliverOnce(notifications: NotifyInput[]): Promise<string[]> {
    if (notifications.length === 0 || !delivery.deliversToWebhook) return [];
    const records = new Map(
      (await delivery.findByIds(notifications.map((n) => n.notificationId))).map((r) => [r.id, r]),
    );
    const undelivered: string[] = [];
    // Every delivery settles before anything is decided, so a retry never overlaps one still sending.
    const outcomes = await Promise.allSettled(
      notifications.map(async (notification) => {
        const record = records.get(notification.notificationId);
        if (!record) throw new Error(`notification ${notification.notificationId} was not recorded`);
        try {
          await delivery.deliver(notification, record, { timeoutMs: TRANSITION_DELIVERY_TIMEOUT_MS });
        } catch (error) {
          if (!(error instanceof ApplicationFailure && error.type === ErrorType.NotificationDeliveryFailed))
            throw error;
          logger.warn('notification not delivered; the workflow retries it', {
            notificationId: notification.notificationId,
            error: error.message,
          });
          undelivered.push(notification.notificationId);
        }
      }),
    );
    // What is left is Postgres failing to note a delivery: the whole activity is retried.
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    return undelivered;
  }

  return async function recordTransition(input: RecordTransitionInput): Promise<RecordTransitionResult> {
    const { state, changed } = input;
    const notifications = input.notifications ?? [];
    const what = `transition ${input.sequence} (${input.action}) of post ${state.postId}`;
    requireStorable(input, what);
    await permanentOnBadData(what, () =>
      deps.db.transaction(async (trx) => {
        const appended = await audit.append(
          {
            entity: postEntity(state.postId),
            sequence: input.sequence,
            action: input.action,
            actorId: input.actorId,
            fromStage: input.fromStage,
            toStage: state.stage,
            at: input.at,
            detail: input.detail ?? {},
          },
          trx,
        );
        const projected = await posts.applyProjection({ state, sequence: input.sequence }, trx);
        if (input.fromStage !== null && input.fromStage !== state.stage) {
          await recordStageLeft(trx, {
            postId: state.postId,
            sequence: input.sequence,
            brandId: state.brandId,
            campaignId: state.campaignId ?? null,
            stage: input.fromStage,
            toStage: state.stage,
            action: input.action,
            leftAt: input.at,
          });
        }
        if (state.content && state.revision > 0 && (changed?.revision ?? true)) {
          await posts.recordRevision(
            {
              postId: state.postId,
              revision: state.revision,
              content: state.content,
              submittedBy: input.actorId,
              submittedAt: input.at,
            },
            trx,
          );
        }
        if (projected && (changed?.variants ?? true)) {
          await posts.writeVariants({ postId: state.postId, revision: state.revision, variants: state.variants }, trx);
        }
        await posts.recordReviews(
          { postId: state.postId, decisions: state.decisions.slice(changed?.decisionsFrom ?? 0) },
          trx,
        );
        await delivery.record(notifications, trx);
        if (!appended || !projected) {
          logger.info('post transition already recorded or superseded', {
            postId: state.postId,
            sequence: input.sequence,
            appended,
            projected,
          });
        }
      }),
    );
    return { undelivered: await deliverOnce(notifications) };
  };
}
