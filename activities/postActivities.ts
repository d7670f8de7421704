import type { PostActivities } from './contract';
import type { PostActivityDeps } from './deps';
import { createSnapshotMetrics, createSummarizePerformance, createTakeSnapshots } from './metrics';
import { createNotify } from './notifications';
import { createRecordTransition } from './transitions';
import { createPublishVariant } from './publishing';
import { createCheckQuality } from './quality';
import { createReadLatePublishing } from './latePublishing';

/** The post lifecycle's activities, bound to the worker's Postgres, connectors and notifier. */
export function createPostActivities(deps: PostActivityDeps): PostActivities {
  return {
    recordTransition: createRecordTransition(deps),
    checkQuality: createCheckQuality(deps),
    readLatePublishing: createReadLatePublishing(deps),
    publishVariant: createPublishVariant(deps),
    snapshotMetrics: createSnapshotMetrics(deps),
    takeSnapshots: createTakeSnapshots(deps),
    summarizePerformance: createSummarizePerformance(deps),
    notify: createNotify(deps),
  };
}
