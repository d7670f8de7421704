/**
 * Automatic assignment: a conversation waiting unassigned goes to an agent of its queue, chosen by
 * the queue's strategy within capacity. When nobody has room it waits in the queue.
 */
import { patched } from '@temporalio/workflow';
import { assignFromQueue } from './activityProxies';
import { QUEUES_AND_ESCALATION_LADDER } from './patches';
import type { ThreadRun } from './run';

export async function assignFromQueueIfWaiting(run: ThreadRun): Promise<void> {
  const { state } = run;
  if (state.assigneeId !== null || state.status === 'resolved') return;
  if (!patched(QUEUES_AND_ESCALATION_LADDER)) return;
  const { assigneeId } = await assignFromQueue({
    brandId: state.brandId,
    queue: state.queue,
    threadId: state.threadId,
    // The transition this request follows: a retry asks again under the same key.
    requestKey: `${state.threadId}@${state.sequence}`,
  });
  if (assigneeId === null) return;
  state.assigneeId = assigneeId;
  await run.record({
    action: 'assigned',
    actorId: 'system',
    detail: { from: null, to: assigneeId, queue: state.queue, by: 'queue' },
  });
}
