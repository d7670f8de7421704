/**
 * An inbound message: recorded once, recognised when it is the platform echoing our own reply,
 * triaged, and fed to the clocks as the customer's.
 */
import { storableText } from '../../domain/text';
import type { ThreadMessage } from '../../domain/threadState';
import { triageMessage } from '../../domain/triage';
import { PRIORITIES, type Priority } from '../../domain/sla';
import { findRecordedMessageIds, scoreSentiment } from './activityProxies';
import type { InboundMessageSignal } from './messages';
import { endConversation } from './resolution';
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

/**
 * Whether the message was received or sent before. The recent ids answer at once; once older ones
 * were dropped from the state, Postgres (one row per platform message) answers for them.
 */
async function knownBefore(run: ThreadRun, messageId: string): Promise<boolean> {
  const { state } = run;
  if (state.seenMessageIds.includes(messageId) || state.sentReplyIds.includes(messageId)) return true;
  if (!state.idsForgotten) return false;
  const recorded = await findRecordedMessageIds({ accountId: state.accountId, externalIds: [messageId] });
  return recorded.includes(messageId);
}

export async function receiveInbound(run: ThreadRun, signal: InboundMessageSignal): Promise<void> {
  const { state } = run;
  if (state.seenMessageIds.includes(signal.messageId)) return;
  const known = await knownBefore(run, signal.messageId);
  state.seenMessageIds.push(signal.messageId);
  if (known) return;

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
    rules: run.triageRules,
    message: {
      text: message.text,
      kind: message.kind,
      authorId: message.author.id,
      authorHandle: message.author.handle,
    },
    sentiment,
  });
  const first = state.status === 'new';
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
    detail: { messageId: message.externalId, triage, cycle: state.sla.cycle },
    newMessages: [message],
  });
  // Only what the first message sorted as spam (or spam that keeps coming) closes on its own.
  if (triage.closeWithoutReply && state.category === 'spam') {
    const rule = triage.decidedBy.closeWithoutReply;
    await endConversation(run, {
      outcome: 'closed_without_reply',
      by: 'system',
      reason: rule?.source === 'rule' ? `spam, by triage rule ${rule.ruleId}` : 'spam, by triage',
    });
  }
}
