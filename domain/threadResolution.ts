/**
 * Whether an agent may resolve a conversation now, or close it without a reply. The API checks
 * the request's shape first; the workflow asks this again against the conversation as it stands.
 */
import { TEXT } from './limits';
import { eventProblem, type ConversationEvent } from './sla';
import { textProblem } from './text';
import type { ThreadState } from './threadState';

export interface ResolveRequest {
  reason: unknown;
  closeWithoutReply?: unknown;
}

export interface ResolveProblem {
  /** `invalid_input`: the request itself is wrong; `invalid_transition`: not in this state. */
  kind: 'invalid_input' | 'invalid_transition';
  message: string;
}

/** The clock event a resolve request stands for. */
export function resolveEvent({ closeWithoutReply, at }: { closeWithoutReply: boolean; at: string }): ConversationEvent {
  return closeWithoutReply ? { type: 'close', at, reason: 'without_reply' } : { type: 'resolve', at };
}

export function resolveProblem({
  state,
  request,
  at,
}: {
  state: Pick<ThreadState, 'category' | 'sla'>;
  request: ResolveRequest;
  at: string;
}): ResolveProblem | undefined {
  if (typeof request.reason !== 'string') return { kind: 'invalid_input', message: 'reason must be text' };
  const text = textProblem(request.reason, TEXT.resolveReason);
  if (text) return { kind: 'invalid_input', message: `reason ${text.message}` };
  if (request.closeWithoutReply !== undefined && typeof request.closeWithoutReply !== 'boolean') {
    return { kind: 'invalid_input', message: 'closeWithoutReply must be true or false' };
  }
  const closeWithoutReply = request.closeWithoutReply === true;
  // Closing without a reply skips the promise made to a customer: only spam has no customer waiting.
  if (closeWithoutReply && state.category !== 'spam') {
    return {
      kind: 'invalid_transition',
      message: `only a conversation triaged as spam can be closed without a reply; this one is ${state.category}`,
    };
  }
  const problem = eventProblem({ state: state.sla, event: resolveEvent({ closeWithoutReply, at }) });
  return problem ? { kind: 'invalid_transition', message: problem } : undefined;
}
