/**
 * The scheduled report's side effects: the period's reports computed from the report projections,
 * stored once per (brand, frequency, period) with the notification that announces them, and that
 * notification sent to the signed webhook.
 */
import { ApplicationFailure } from '@temporalio/common';
import { createBrandStore } from '../db/brands';
import { createNotificationStore } from '../db/notifications';
import { createReportReader, type ReportScope } from '../db/reportReader';
import { createReportStore } from '../db/reports';
import { ErrorType } from '../domain/failureTypes';
import { DEFAULT_TOLERANCE_MINUTES, previousPeriod } from '../domain/reports';
import { systemClock, type PostActivityDeps } from './deps';
import { createWebhookNotifier } from './notifier';
import type { ReportActivities, ReportKind } from './reportContract';

export const REPORT_READY = 'report_ready';

export type ReportActivityDeps = Pick<PostActivityDeps, 'db' | 'logger' | 'clock'> &
  Partial<Pick<PostActivityDeps, 'notifier'>>;

export function createReportActivities(deps: ReportActivityDeps): ReportActivities {
  const brands = createBrandStore(deps.db);
  const reader = createReportReader(deps.db);
  const store = createReportStore(deps.db);
  const notifications = createNotificationStore(deps.db);
  const notifier = deps.notifier ?? createWebhookNotifier({});
  const clock = deps.clock ?? systemClock;

  const compute: Record<ReportKind, (scope: ReportScope) => Promise<unknown>> = {
    responses: (scope) => reader.responses(scope, 'brand'),
    content: (scope) => reader.content(scope, 'brand'),
    publishing: (scope) => reader.publishing(scope, 'account', DEFAULT_TOLERANCE_MINUTES),
    performance: (scope) => reader.performance(scope, 'account'),
  };

  return {
    async storeScheduledReport(input) {
      const brand = await brands.findById(input.brandId);
      if (!brand) {
        throw ApplicationFailure.create({
          type: ErrorType.BrandNotFound,
          message: `brand ${input.brandId} does not exist`,
          nonRetryable: true,
        });
      }
      const period = previousPeriod({ runAt: input.runAt, timeZone: brand.timeZone, frequency: input.frequency });
      const scope: ReportScope = { brandId: brand.id, timeZone: brand.timeZone, ...period };
      const kinds = [...new Set(input.reports)].filter((kind) => kind in compute);
      const reports = Object.fromEntries(
        await Promise.all(kinds.map(async (kind) => [kind, await compute[kind](scope)] as const)),
      );
      const reportId = `${brand.id}.${input.frequency}.${period.from}`;
      const notificationId = `report:${reportId}`;
      const createdAt = clock().toISOString();
      await deps.db.transaction(async (trx) => {
        await store.storeReport(
          {
            id: reportId,
            brandId: brand.id,
            frequency: input.frequency,
            ...period,
            timeZone: brand.timeZone,
            reports,
            createdAt,
          },
          trx,
        );
        await notifications.recordMany(
          [
            {
              id: notificationId,
              kind: REPORT_READY,
              brandId: brand.id,
              payload: { reportId, frequency: input.frequency, ...period, reports: kinds },
              createdAt,
            },
          ],
          trx,
        );
      });
      return { reportId, ...period, notificationId };
    },

    async deliverReportNotification({ notificationId }) {
      const record = await notifications.findById(notificationId);
      if (!record) {
        throw ApplicationFailure.create({
          type: 'ReportNotificationMissing',
          message: `notification ${notificationId} was never recorded`,
          nonRetryable: true,
        });
      }
      if (record.deliveredAt) return { delivered: true };
      if (!notifier.deliversToWebhook) return { delivered: false };
      await notifications.recordAttempt({ id: record.id });
      const payload = record.payload as { reportId: string; frequency: string; from: string; to: string };
      await notifier.deliver({
        id: record.id,
        kind: record.kind,
        ...(record.brandId ? { brandId: record.brandId } : {}),
        roles: ['manager'],
        message: `The ${payload.frequency} report for ${payload.from} to ${payload.to} is ready`,
        data: { ...payload, path: `/v1/reports/stored/${payload.reportId}` },
        createdAt: record.createdAt,
      });
      await notifications.markDelivered({ id: record.id, at: clock().toISOString() });
      return { delivered: true };
    },
  };
}
