/**
 * An inbound message: recorded once, recognised when it is the platform echoing our own reply,
 * triaged, and fed to the clocks as the customer's.
 */
import { storableText } from '../../domain/text';
import type { ThreadMessage } from '../../domain/threadState';
import { DEFAULT_TRIAGE_RULES, triageMessage } from '../../domain/triage';
import { PRIORITIES, type Priority } from '../../domain/sla';
import { scoreSentiment } from './activityProxies';
import type { InboundMessageSignal } from './messages';
import { assignFromQueueIfWaiting } from './queueing';
import type { ThreadRun } from './run';

const urgency = (priority: Priority): number => PRIORITIES.length - PRIORITIES.indexOf(priority);

/**
 * Platforms stamp messages with their own clocks: an instant from the future, or older than what
 * the conversation has seen, is measured as arriving now or right after the last event, so the
 * clocks see events in order and never start ahead of the worker's time.
 */
function measuredAt(run: ThreadRun, sentAt: string): string {
  const now = Date.now();
  const sent = Date.parse(sentAt);
  const last = run.state.sla.lastEventAt === null ? -Infinity : Date.parse(run.state.sla.lastEventAt);
  const at = Math.max(Math.min(Number.isNaN(sent) ? now : sent, now), last);
  return new Date(at).toISOString();
}

export async function receiveInbound(run: ThreadRun, signal: InboundMessageSignal): Promise<void> {
  const { state } = run;
  if (state.seenMessageIds.includes(signal.messageId)) return;
  state.seenMessageIds.push(signal.messageId);
  if (state.sentReplyIds.includes(signal.messageId)) return;

  const message: ThreadMessage = {
    externalId: signal.messageId,
    direction: 'inbound',
    kind: signal.kind,
    author: signal.author,
    text: storableText(signal.text),
    sentAt: signal.sentAt,
    ...(signal.inReplyTo !== undefined ? { inReplyTo: signal.inReplyTo } : {}),
    ...(signal.postExternalId !== undefined ? { postExternalId: signal.postExternalId } : {}),
  };
  const sentiment = await scoreSentiment({ text: message.text });
  const triage = triageMessage({
    rules: DEFAULT_TRIAGE_RULES,
    message: {
      text: message.text,
      kind: message.kind,
      authorId: message.author.id,
      authorHandle: message.author.handle,
    },
    sentiment,
  });
  const first = state.messages.every((earlier) => earlier.direction !== 'inbound');
  const wasResolved = state.status === 'resolved';
  const queueBefore = state.queue;
  state.messages.push(message);
  const at = measuredAt(run, message.sentAt);
  if (urgency(triage.priority) > urgency(state.priority)) {
    state.priority = triage.priority;
    run.applySla({ type: 'priority_changed', at, priority: triage.priority });
  }
  // The first message sorts the conversation; later ones may only call it a crisis.
  if (first || triage.category === 'crisis_sensitive') {
    state.category = triage.category;
    state.queue = triage.queue;
  }
  run.applySla({ type: 'customer_message', at, messageId: message.externalId });
  await run.record({
    action: 'message_received',
    actorId: message.author.id,
    detail: { messageId: message.externalId, triage },
    newMessages: [message],
  });
  if (first || wasResolved || state.queue !== queueBefore) await assignFromQueueIfWaiting(run);
}
