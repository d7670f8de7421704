/** Workflow used by the devserver benchmark: three activities in sequence. */
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './devserverActivities';

const { step } = proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });

export async function threeSteps(id: string): Promise<string> {
  const a = await step(id);
  const b = await step(a);
  return step(b);
}
