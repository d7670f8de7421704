import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createAccountStore } from '../db/accounts';
import { createMetricStore, METRIC_NAMES, type MetricCounts } from '../db/metrics';
import type { MetricSnapshot } from '../domain/postState';
import type {
  PerformanceSummary,
  PostActivities,
  SnapshotMetricsInput,
  TakeSnapshotsInput,
  TakeSnapshotsResult,
} from './contract';
import { requireAccount, systemClock, type PostActivityDeps } from './deps';
import { permanentOnBadData } from './writeFailures';

/** The largest count a metric column holds (Postgres `integer`). */
const MAX_STORED_COUNT = 2_147_483_647;

/**
 * A platform's counters as they can be stored: nobody can correct a platform's answer, so a
 * count that is not a whole number in the column's range is brought into it rather than failing.
 */
function storableCounts(counts: MetricCounts): MetricCounts {
  const result = zeroCounts();
  for (const metric of METRIC_NAMES) {
    const value = Number(counts[metric]);
    result[metric] = Number.isFinite(value) ? Math.min(Math.max(Math.trunc(value), 0), MAX_STORED_COUNT) : 0;
  }
  return result;
}

const zeroCounts = (): MetricCounts => ({
  impressions: 0,
  reach: 0,
  likes: 0,
  comments: 0,
  shares: 0,
  saves: 0,
  clicks: 0,
});

function addInto(target: MetricCounts, snapshot: MetricCounts): void {
  for (const metric of METRIC_NAMES) target[metric] += snapshot[metric];
}

/** Reads a published variant's counters from its platform and stores them at the snapshot's offset. */
export function createSnapshotMetrics(deps: PostActivityDeps): PostActivities['snapshotMetrics'] {
  const accounts = createAccountStore(deps.db);
  const metrics = createMetricStore(deps.db);
  const clock = deps.clock ?? systemClock;

  return async function snapshotMetrics(input: SnapshotMetricsInput): Promise<MetricSnapshot> {
    const account = await requireAccount(accounts, input.accountId);
    const at = input.at ?? clock().toISOString();
    const counts = await deps.connectors
      .get(account.connector)
      .fetchMetrics({ accountId: input.accountId, platform: input.platform, externalId: input.externalId }, at);
    const snapshot: MetricSnapshot = {
      offsetMs: input.offsetMs,
      takenAt: at,
      accountId: input.accountId,
      platform: input.platform,
      ...storableCounts(counts),
    };
    await permanentOnBadData(`metric snapshot of ${input.accountId} at ${input.offsetMs} ms`, () =>
      metrics.upsertSnapshot({ postId: input.postId, snapshot }),
    );
    return snapshot;
  };
}

/**
 * Takes every snapshot due at one moment. A snapshot that can never be taken (its account or
 * publication is gone) is reported as skipped so the others still count. Any other failure fails
 * the call, and its retry takes only the snapshots not yet stored; on the last attempt the
 * snapshots that still fail are skipped too.
 */
export function createTakeSnapshots(deps: PostActivityDeps): PostActivities['takeSnapshots'] {
  const takeSnapshot = createSnapshotMetrics(deps);
  const metrics = createMetricStore(deps.db);
  return async function takeSnapshots(input: TakeSnapshotsInput): Promise<TakeSnapshotsResult> {
    const stored = await metrics.listByPost({ postId: input.postId });
    const outcomes = await Promise.allSettled(
      input.due.map(
        async (due) =>
          stored.find((snapshot) => snapshot.accountId === due.accountId && snapshot.offsetMs === due.offsetMs) ??
          takeSnapshot({ ...due, postId: input.postId }),
      ),
    );
    const lastAttempt = Context.current().info.attempt >= (input.attempts ?? 1);
    const result: TakeSnapshotsResult = { taken: [], skipped: [] };
    let retryable: Error | undefined;
    outcomes.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') {
        result.taken.push(outcome.value);
        return;
      }
      const error: unknown = outcome.reason;
      const never = error instanceof ApplicationFailure && error.nonRetryable;
      if (!never && !lastAttempt) {
        retryable ??= error instanceof Error ? error : new Error(String(error));
        return;
      }
      const reason = error instanceof Error ? error.message : String(error);
      result.skipped.push({ accountId: input.due[index].accountId, offsetMs: input.due[index].offsetMs, reason });
    });
    if (retryable !== undefined) throw retryable;
    return result;
  };
}

/** Totals of each variant's latest snapshot, overall and per platform. */
export function createSummarizePerformance(deps: PostActivityDeps): PostActivities['summarizePerformance'] {
  const metrics = createMetricStore(deps.db);

  return async function summarizePerformance(input: { postId: string }): Promise<PerformanceSummary> {
    const latest = await metrics.latestPerVariant({ postId: input.postId });
    const totals = zeroCounts();
    const byPlatform: Record<string, MetricCounts> = {};
    for (const snapshot of latest) {
      addInto(totals, snapshot);
      byPlatform[snapshot.platform] ??= zeroCounts();
      addInto(byPlatform[snapshot.platform], snapshot);
    }
    return { postId: input.postId, totals, byPlatform };
  };
}
