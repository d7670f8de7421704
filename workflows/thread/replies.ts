/**
 * A public reply: sent through the platform exactly once, or, while the brand is in a crisis,
 * kept in the conversation until a lead approves it (the response clock keeps running meanwhile).
 */
import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import { REPLY_KEY_TIME_PATCH } from './patches';
import type { PendingReply, ThreadMessage } from '../../domain/threadState';
import type { Actor } from '../../domain/types';
import { sendThreadReply } from './activityProxies';
import { refuse, ThreadUpdateError } from './errors';
import type { ThreadReplyResult } from './messages';
import type { ThreadRun } from './run';

const nowIso = (): string => new Date(Date.now()).toISOString();

export async function sendReply(
  run: ThreadRun,
  { by, text, templateId, approvedBy }: { by: string; text: string; templateId?: string; approvedBy?: string },
): Promise<ThreadReplyResult> {
  const { state } = run;
  // Reserved before the call, so a retried activity reuses the key and a new reply gets its own.
  state.repliesSent += 1;
  const idempotencyKey = `${run.workflowId}:reply:${state.repliesSent}`;
  const lastInbound = [...state.messages].reverse().find((message) => message.direction === 'inbound');
  let sent: { externalId: string; sentAt: string };
  try {
    sent = await sendThreadReply({
      accountId: state.accountId,
      platform: state.platform,
      externalThreadId: state.externalThreadId,
      ...(lastInbound ? { inReplyToExternalId: lastInbound.externalId } : {}),
      text,
      idempotencyKey,
      ...(patched(REPLY_KEY_TIME_PATCH) ? { keyFixedAt: nowIso() } : {}),
    });
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : error;
    const reason = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
    throw refuse(ThreadUpdateError.ReplyNotSent, `the platform did not take the reply: ${reason}`);
  }
  state.sentReplyIds.push(sent.externalId);
  const reply: ThreadMessage = {
    externalId: sent.externalId,
    direction: 'outbound',
    kind: lastInbound?.kind ?? 'comment',
    author: { id: state.accountId, handle: state.accountId },
    text,
    sentAt: sent.sentAt,
    ...(lastInbound ? { inReplyTo: lastInbound.externalId } : {}),
    sentBy: by,
  };
  state.messages.push(reply);
  run.applySla({ type: 'human_reply', at: nowIso(), messageId: sent.externalId });
  await run.record({
    action: 'replied',
    actorId: by,
    detail: {
      messageId: sent.externalId,
      idempotencyKey,
      ...(templateId !== undefined ? { templateId } : {}),
      ...(approvedBy !== undefined ? { approvedBy } : {}),
    },
    newMessages: [reply],
  });
  return { status: state.status, sequence: state.sequence, messageId: sent.externalId, sentAt: sent.sentAt };
}

export async function holdForApproval(
  run: ThreadRun,
  { by, text, templateId, crisisId }: { by: Actor; text: string; templateId?: string; crisisId: string },
): Promise<ThreadReplyResult> {
  const { state } = run;
  state.repliesHeld = (state.repliesHeld ?? 0) + 1;
  const pending: PendingReply = {
    replyId: `held-${state.repliesHeld}`,
    text,
    ...(templateId !== undefined ? { templateId } : {}),
    by: by.userId,
    writtenAt: nowIso(),
    crisisId,
  };
  state.pendingReplies = [...(state.pendingReplies ?? []), pending];
  await run.record({
    action: 'reply_held_for_approval',
    actorId: by.userId,
    detail: { replyId: pending.replyId, crisisId, ...(templateId !== undefined ? { templateId } : {}) },
  });
  return { status: state.status, sequence: state.sequence, pendingApproval: { replyId: pending.replyId, crisisId } };
}

export function requirePendingReply(run: ThreadRun, replyId: unknown): PendingReply {
  if (typeof replyId !== 'string') throw refuse(ThreadUpdateError.InvalidInput, 'replyId must be a reply id');
  const pending = (run.state.pendingReplies ?? []).find((reply) => reply.replyId === replyId);
  if (!pending) {
    throw refuse(ThreadUpdateError.InvalidTransition, `no reply ${replyId} waits for approval in this conversation`);
  }
  return pending;
}
