/**
 * How a conversation ends: resolved by an agent, closed without a reply (spam, by an agent or by
 * a triage rule), or closed by the workflow after the inactivity limit. Each records who, why and
 * what became of the clocks.
 */
import { resolveEvent, resolveProblem as domainResolveProblem } from '../../domain/threadResolution';
import type { ThreadClosure, ThreadState } from '../../domain/threadState';
import { ThreadUpdateError } from './errors';
import type { ThreadResolveRequest } from './messages';
import type { ThreadRun } from './run';

const nowIso = (): string => new Date(Date.now()).toISOString();

const ACTION_BY_OUTCOME: Record<ThreadClosure['outcome'], string> = {
  resolved: 'resolved',
  closed_inactive: 'closed',
  closed_without_reply: 'closed_without_reply',
};

export function resolveProblem({
  state,
  request,
  at,
}: {
  state: ThreadState;
  request: ThreadResolveRequest;
  at: string;
}): { type: ThreadUpdateError; message: string } | undefined {
  const problem = domainResolveProblem({ state, request, at });
  if (!problem) return undefined;
  const type = problem.kind === 'invalid_input' ? ThreadUpdateError.InvalidInput : ThreadUpdateError.InvalidTransition;
  return { type, message: problem.message };
}

export async function endConversation(
  run: ThreadRun,
  {
    outcome,
    by,
    reason,
    at = nowIso(),
  }: { outcome: ThreadClosure['outcome']; by: string; reason: string; at?: string },
): Promise<void> {
  run.applySla(
    outcome === 'closed_inactive'
      ? { type: 'close', at, reason: 'inactivity' }
      : resolveEvent({ closeWithoutReply: outcome === 'closed_without_reply', at }),
  );
  run.state.closure = { outcome, by, reason, at };
  await run.record({
    action: ACTION_BY_OUTCOME[outcome],
    actorId: by,
    detail: { reason, cycle: run.state.sla.cycle },
    // The workflow closing a quiet conversation is not activity of its own.
    passive: outcome === 'closed_inactive',
  });
}

/** An agent resolves, or closes spam without a reply. */
export function resolveOrClose(
  run: ThreadRun,
  { by, reason, withoutReply }: { by: string; reason: string; withoutReply: boolean },
): Promise<void> {
  return endConversation(run, { outcome: withoutReply ? 'closed_without_reply' : 'resolved', by, reason });
}
