/**
 * The search attributes admins filter conversations by in Temporal UI. The server must know them
 * before a thread workflow starts: docker compose registers them with admin-tools, tests and the
 * embedded server with `THREAD_SEARCH_ATTRIBUTES`. `Brand` is shared with the posts.
 */
import {
  defineSearchAttributeKey,
  type SearchAttributeUpdatePair,
  type TypedSearchAttributes,
} from '@temporalio/common';
import type { ThreadState } from '../../domain/threadState';
import { brandKey } from '../post/searchAttributes';

export const threadStatusKey = defineSearchAttributeKey('ThreadStatus', 'KEYWORD');
export const threadPriorityKey = defineSearchAttributeKey('ThreadPriority', 'KEYWORD');
export const queueKey = defineSearchAttributeKey('Queue', 'KEYWORD');
export const assigneeIdKey = defineSearchAttributeKey('AssigneeId', 'KEYWORD');
export const slaBreachedKey = defineSearchAttributeKey('SlaBreached', 'BOOL');

/** Name and type of every thread search attribute, in the form registration APIs take. */
export const THREAD_SEARCH_ATTRIBUTES = {
  ThreadStatus: 'Keyword',
  ThreadPriority: 'Keyword',
  Brand: 'Keyword',
  Queue: 'Keyword',
  AssigneeId: 'Keyword',
  SlaBreached: 'Bool',
} as const;

type Known = Record<string, string | boolean | undefined>;

/** Whether any clock of the conversation, running or finished, has missed its target. */
export function slaBreached(state: ThreadState): boolean {
  return (
    state.sla.breachedEarlier === true ||
    state.sla.running.some((clock) => clock.breachedAt !== null) ||
    state.sla.finished.some((clock) => clock.outcome === 'breached')
  );
}

/** Remembers what the server has and upserts only what changed; an unassigned thread has no AssigneeId. */
export class ThreadSearchAttributes {
  private readonly known: Known;

  constructor(current: TypedSearchAttributes) {
    this.known = {
      [threadStatusKey.name]: current.get(threadStatusKey),
      [threadPriorityKey.name]: current.get(threadPriorityKey),
      [brandKey.name]: current.get(brandKey),
      [queueKey.name]: current.get(queueKey),
      [assigneeIdKey.name]: current.get(assigneeIdKey),
      [slaBreachedKey.name]: current.get(slaBreachedKey),
    };
  }

  /** The pairs to upsert for this state (empty when the server already has them all). */
  changes(state: ThreadState): SearchAttributeUpdatePair[] {
    const wanted: SearchAttributeUpdatePair[] = [
      { key: threadStatusKey, value: state.status },
      { key: threadPriorityKey, value: state.priority },
      { key: brandKey, value: state.brandId },
      { key: queueKey, value: state.queue },
      { key: assigneeIdKey, value: state.assigneeId },
      { key: slaBreachedKey, value: slaBreached(state) },
    ];
    const changed = wanted.filter((pair) => (this.known[pair.key.name] ?? null) !== pair.value);
    for (const pair of changed) this.known[pair.key.name] = (pair.value ?? undefined) as string | boolean | undefined;
    return changed;
  }
}
