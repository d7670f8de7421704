/**
 * The memory benchmark's workflow: a history about the size of a standard post's (recorded in
 * test/histories/standard-post.json: 94 events, about 20 KiB) written in one workflow task, as
 * patch markers whose long ids carry the bytes, so that thousands of them run in minutes.
 */
import { patched } from '@temporalio/workflow';

export async function postShaped(params: { markers: number; bytes: number }): Promise<number> {
  for (let i = 0; i < params.markers; i++) patched(`post-shaped-${i}-`.padEnd(params.bytes, '.'));
  return params.markers;
}
