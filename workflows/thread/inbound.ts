/**
 * An inbound message: recorded once, recognised when it is the platform echoing our own reply,
 * triaged, and fed to the clocks as the customer's.
 */
import { patched } from '@temporalio/workflow';
import type { PreparedInbound } from '../../activities/threadContract';
import { storableText } from '../../domain/text';
import type { ThreadSettings } from '../../domain/threadSettings';
import type { ThreadMessage } from '../../domain/threadState';
import { triageMessage } from '../../domain/triage';
import { countsTowardsCrisis } from '../../domain/crisis';
import { createSlaState, PRIORITIES, type Priority } from '../../domain/sla';
import { findRecordedMessageIds, prepareInbound, reportCrisisMessage, scoreSentiment } from './activityProxies';
import type { InboundMessageSignal } from './messages';
import { BRAND_THREAD_SETTINGS, CRISIS_PROTECTION } from './patches';
import { assignFromQueueIfWaiting } from './queueing';
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

/** Sentiment and whatever of the brand's settings changed since this run last read them. */
async function prepare(run: ThreadRun, text: string): Promise<PreparedInbound> {
  if (!patched(BRAND_THREAD_SETTINGS)) return { sentiment: await scoreSentiment({ text }), settings: {} };
  const { sla } = run.state;
  return prepareInbound({
    brandId: run.state.brandId,
    text,
    known: { calendar: sla.calendar.version, slaPolicy: sla.policy.version, triageRules: run.triageRules.version },
  });
}

/**
 * The conversation's first message starts its clocks on the brand's calendar and policy. Later, a
 * newer calendar or another policy applies to clocks started from then on; running clocks finish
 * on the versions they started with, so a change never rewrites a measurement.
 */
function adoptSettings(run: ThreadRun, settings: Partial<ThreadSettings>, at: string): void {
  if (settings.triageRules) run.triageRules = settings.triageRules;
  const { sla } = run.state;
  if (sla.lastEventAt === null) {
    run.state.sla = createSlaState({
      policy: settings.slaPolicy ?? sla.policy,
      calendar: settings.calendar ?? sla.calendar,
      priority: sla.priority,
    });
    return;
  }
  if (settings.calendar && settings.calendar.version > sla.calendar.version) {
    run.applySla({ type: 'calendar_changed', at, calendar: settings.calendar });
  }
  if (settings.slaPolicy && settings.slaPolicy.version !== sla.policy.version) {
    run.applySla({ type: 'policy_changed', at, policy: settings.slaPolicy });
  }
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
  const { sentiment, settings } = await prepare(run, message.text);
  const at = measuredAt(run, message.sentAt);
  adoptSettings(run, settings, at);
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
  const wasResolved = state.status === 'resolved' || state.status === 'closed';
  const queueBefore = state.queue;
  state.messages.push(message);
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
  if (countsTowardsCrisis({ triage, rules: run.triageRules }) && patched(CRISIS_PROTECTION)) {
    await reportCrisisMessage({ brandId: state.brandId, messageId: message.externalId, threadId: state.threadId, at });
  }
  // Only what the first message sorted as spam (or spam that keeps coming) closes on its own.
  if (triage.closeWithoutReply && state.category === 'spam') {
    const rule = triage.decidedBy.closeWithoutReply;
    await endConversation(run, {
      outcome: 'closed_without_reply',
      by: 'system',
      reason: rule?.source === 'rule' ? `spam, by triage rule ${rule.ruleId}` : 'spam, by triage',
    });
  } else if (first || wasResolved || state.queue !== queueBefore) {
    await assignFromQueueIfWaiting(run);
  }
}
