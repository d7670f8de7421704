/**
 * The memory benchmark's workflow: a history the size of a standard post's (recorded in
 * test/histories/standard-post.json: 94 events, about 20 KiB) written in one workflow task, as
 * local activity markers, so that 10,000 of them run in minutes.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import type * as activities from './devserverMemoryActivities';

const { record } = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '30s' });

export async function postShaped(params: { markers: number; bytes: number }): Promise<number> {
  for (let i = 0; i < params.markers; i++) await record({ index: i, bytes: params.bytes });
  return params.markers;
}
