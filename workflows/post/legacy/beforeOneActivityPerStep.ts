/**
 * What runs started before ONE_ACTIVITY_PER_STEP still do on replay: every notification and every
 * metric snapshot in a local activity of its own. Remove with the patch, once no such run is open.
 */
import { log } from '@temporalio/workflow';
import type { NotifyInput } from '../../../activities/contract';
import type { MetricSnapshot, VariantState } from '../../messages';
import { notify, snapshotMetrics } from '../activityProxies';

/** Delivery is best effort: the notification stays recorded, undelivered, in Postgres. */
export async function deliverNotification(notification: NotifyInput): Promise<void> {
  try {
    await notify(notification);
  } catch (error) {
    log.warn('notification not delivered', {
      notificationId: notification.notificationId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

export interface SnapshotDue {
  variant: VariantState;
  offsetMs: number;
  at: number;
}

/** One activity per variant; a snapshot that cannot be taken is undefined, never fatal. */
export function snapshotEachVariant(postId: string, due: SnapshotDue[]): Promise<Array<MetricSnapshot | undefined>> {
  return Promise.all(due.map((entry) => snapshotVariant(postId, entry)));
}

async function snapshotVariant(postId: string, due: SnapshotDue): Promise<MetricSnapshot | undefined> {
  try {
    return await snapshotMetrics({
      postId,
      accountId: due.variant.accountId,
      platform: due.variant.platform,
      externalId: due.variant.externalId!,
      offsetMs: due.offsetMs,
      // The workflow's clock: metrics are read as of the moment the snapshot is due.
      at: new Date(due.at).toISOString(),
    });
  } catch (error) {
    // One missing data point must not stop the others or the summary.
    log.warn('metric snapshot skipped', {
      accountId: due.variant.accountId,
      offsetMs: due.offsetMs,
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}
