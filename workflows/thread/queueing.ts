/**
 * Automatic assignment: a conversation waiting unassigned goes to an agent of its queue, chosen by
 * the queue's strategy within capacity. When nobody has room it waits in the queue until a
 * transition elsewhere frees a place and offers it.
 */
import { getExternalWorkflowHandle, log, patched } from '@temporalio/workflow';
import { assignFromQueue, findWaitingInQueue } from './activityProxies';
import { queueRoomFreed, type QueueRoomFreedSignal } from './messages';
import { QUEUE_ROOM_OFFERS, QUEUES_AND_ESCALATION_LADDER } from './patches';
import type { ThreadRun } from './run';

export async function assignFromQueueIfWaiting(run: ThreadRun, offer?: QueueRoomFreedSignal): Promise<void> {
  const { state } = run;
  if (state.assigneeId !== null || state.status === 'resolved') return;
  if (!patched(QUEUES_AND_ESCALATION_LADDER)) return;
  // The transition this request follows (and the offer that prompted it): a retry asks again
  // under the same key, while a new offer asks afresh.
  const requestKey = `${state.threadId}@${state.sequence}`;
  const { assigneeId } = await assignFromQueue({
    brandId: state.brandId,
    queue: state.queue,
    threadId: state.threadId,
    requestKey: offer ? `${requestKey}:room:${offer.freedBy}@${offer.sequence}` : requestKey,
  });
  if (assigneeId === null) return;
  state.assigneeId = assigneeId;
  await run.record({
    action: 'assigned',
    actorId: 'system',
    detail: { from: null, to: assigneeId, queue: state.queue, by: 'queue' },
  });
}

/** A place an agent of the queue may have again: taken if this conversation still waits there. */
export async function takeFreedRoom(run: ThreadRun, offer: QueueRoomFreedSignal): Promise<void> {
  if (run.state.status !== 'open' || run.state.queue !== offer.queue) return;
  await assignFromQueueIfWaiting(run, offer);
}

/**
 * The agent who held this conversation has one fewer: the conversation of the queue that waits
 * for an agent, due soonest, is told so and asks its queue again.
 */
export async function offerFreedRoom(run: ThreadRun, queue: string): Promise<void> {
  if (!patched(QUEUE_ROOM_OFFERS)) return;
  const { state } = run;
  const waiting = await findWaitingInQueue({
    brandId: state.brandId,
    queue,
    exceptThreadId: state.threadId,
    offerKey: `${state.threadId}@${state.sequence}:${queue}`,
  });
  if (waiting === null) return;
  try {
    await getExternalWorkflowHandle(waiting.workflowId).signal(queueRoomFreed, {
      queue,
      freedBy: state.threadId,
      sequence: state.sequence,
    });
  } catch (error) {
    // The waiting conversation's workflow is gone; the next freed place goes to the one after it.
    log.warn('freed queue place not offered', {
      workflowId: waiting.workflowId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
