/**
 * The track phase: metric snapshots of every published variant at the policy's offsets after it
 * went live, then a performance summary. Failed variants may still be retried meanwhile; once
 * live they are tracked from their own publish time.
 */
import { log, patched } from '@temporalio/workflow';
import type { MetricSnapshot } from '../messages';
import type { Queued } from './inbox';
import { SNAPSHOT_ATTEMPTS, summarizePerformance, takeSnapshots } from './activityProxies';
import { snapshotEachVariant, type SnapshotDue } from './legacy/beforeOneActivityPerStep';
import { performanceSummary } from './notificationText';
import { ONE_ACTIVITY_PER_STEP } from './patches';
import { publishedTransition, publishPendingVariants, retryTransition } from './publish';
import type { PostRun } from './state';
import { SYSTEM_ACTOR, type PendingTransition } from './transitions';

const HOUR_MS = 60 * 60 * 1000;
export const DEFAULT_TRACKING_OFFSETS_MS: readonly number[] = [HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS];

/** Returns the transition that completes the post, with its summary, for the run to close with. */
export async function trackPerformance(run: PostRun): Promise<PendingTransition> {
  const offsets = trackingOffsets(run.input.trackingOffsetsMs);
  const settled = new Set<string>();
  for (;;) {
    const retry = run.inbox.take('retry');
    if (retry) await republishFailedVariants(run, retry);
    const schedule = snapshotSchedule(run, offsets).filter((entry) => !settled.has(snapshotKey(entry)));
    if (schedule.length === 0) break;
    const nextAt = Math.min(...schedule.map((entry) => entry.at));
    const { timedOut } = await run.waitFor(() => run.inbox.has('retry'), nextAt - Date.now());
    if (!timedOut) continue;
    const due = schedule.filter((entry) => entry.at <= nextAt);
    await recordSnapshots(run, due);
    for (const entry of due) settled.add(snapshotKey(entry));
  }
  return completedTransition(run);
}

function trackingOffsets(configured: number[] | undefined): number[] {
  const offsets = (configured ?? DEFAULT_TRACKING_OFFSETS_MS).filter(
    (offset) => Number.isFinite(offset) && offset >= 0,
  );
  return [...new Set(offsets)].sort((a, b) => a - b);
}

function snapshotSchedule(run: PostRun, offsets: number[]): SnapshotDue[] {
  return run.state.variants
    .filter(
      (variant) => variant.status === 'published' && variant.externalId && run.liveAt[variant.accountId] !== undefined,
    )
    .flatMap((variant) =>
      offsets.map((offsetMs) => ({ variant, offsetMs, at: run.liveAt[variant.accountId] + offsetMs })),
    );
}

function snapshotKey(due: SnapshotDue): string {
  return `${due.variant.accountId}:${due.offsetMs}`;
}

async function recordSnapshots(run: PostRun, due: SnapshotDue[]): Promise<void> {
  if (patched(ONE_ACTIVITY_PER_STEP)) {
    run.state.snapshots.push(...(await takeDueSnapshots(run, due)));
  } else {
    const taken = await snapshotEachVariant(run.state.postId, due);
    run.state.snapshots.push(...taken.filter((snapshot): snapshot is MetricSnapshot => snapshot !== undefined));
  }
  if (run.state.stage === 'published') {
    run.enter({ stage: 'tracking' });
    await run.transition({
      action: 'tracking_started',
      actorId: SYSTEM_ACTOR,
      fromStage: 'published',
      detail: { offsetsMs: [...new Set(due.map((entry) => entry.offsetMs))] },
    });
  }
}

/** The snapshots due at one moment, in one activity; what cannot be taken is skipped, not fatal. */
async function takeDueSnapshots(run: PostRun, due: SnapshotDue[]): Promise<MetricSnapshot[]> {
  try {
    const { taken, skipped } = await takeSnapshots({
      postId: run.state.postId,
      due: due.map((entry) => ({
        accountId: entry.variant.accountId,
        platform: entry.variant.platform,
        externalId: entry.variant.externalId!,
        offsetMs: entry.offsetMs,
        // The workflow's clock: metrics are read as of the moment the snapshot is due.
        at: new Date(entry.at).toISOString(),
      })),
      attempts: SNAPSHOT_ATTEMPTS,
    });
    for (const skip of skipped) log.warn('metric snapshot skipped', skip);
    return taken;
  } catch (error) {
    log.warn('metric snapshots skipped', {
      accountIds: due.map((entry) => entry.variant.accountId),
      offsetsMs: [...new Set(due.map((entry) => entry.offsetMs))],
      error: error instanceof Error ? error.message : String(error),
    });
    return [];
  }
}

async function republishFailedVariants(run: PostRun, request: Queued<'retry'>): Promise<void> {
  const fromStage = run.state.stage;
  await run.transition(retryTransition(request, fromStage));
  await publishPendingVariants(run);
  await run.transition(publishedTransition(run, fromStage === 'tracking' ? 'tracking' : 'published'));
}

async function completedTransition(run: PostRun): Promise<PendingTransition> {
  const fromStage = run.state.stage;
  try {
    const summary = await summarizePerformance({ postId: run.state.postId });
    return {
      action: 'completed',
      actorId: SYSTEM_ACTOR,
      fromStage,
      detail: { summary },
      notifications: [performanceSummary(run.state, summary)],
    };
  } catch (error) {
    log.warn('performance summary unavailable', { error: error instanceof Error ? error.message : String(error) });
    return { action: 'completed', actorId: SYSTEM_ACTOR, fromStage };
  }
}
