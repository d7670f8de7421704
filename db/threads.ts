import type { Knex } from 'knex';
import type { FinishedSlaClock, RunningSlaClock } from '../domain/sla';
import type { ThreadMessage, ThreadState } from '../domain/threadState';
import { READ_TIMEOUT_MS, cancelAfter } from './postRows';
import { insertNew, iso, isoOrNull, json, upsertUnlessNewer, type Executor } from './rows';

/** One warning, breach, escalation step or outcome a clock reached; written once per (thread, clock, event). */
export interface SlaEventRecord {
  clockId: string;
  kind: string;
  /** `warning`, `breach`, `escalation:<action>`, or the clock's outcome (`met`, `breached`, `closed_unanswered`). */
  event: string;
  at: string;
  detail: Record<string, unknown>;
}

export interface ThreadSummary {
  id: string;
  accountId: string;
  brandId: string;
  platform: string;
  externalThreadId: string;
  workflowId: string;
  status: string;
  /** Which SLA cycle the conversation is in: a new one starts when it comes back after the reopen window. */
  cycle: number;
  priority: string;
  category: string;
  queue: string;
  assigneeId: string | null;
  nextDueAt: string | null;
  lastMessageAt: string | null;
  /** Replies written during a crisis that wait for a lead's approval. */
  pendingApprovals: number;
  sequence: number;
  updatedAt: string;
}

export interface ThreadRow {
  id: string;
  account_id: string;
  brand_id: string;
  platform: string;
  external_thread_id: string;
  workflow_id: string;
  status: string;
  cycle: number;
  priority: string;
  category: string;
  queue: string;
  assignee_id: string | null;
  next_due_at: Date | null;
  last_message_at: Date | null;
  pending_approvals: number;
  last_sequence: number;
  state: ThreadState;
  updated_at: Date;
}

interface SlaEventRow {
  clock_id: string;
  kind: string;
  event: string;
  at: Date;
  detail: Record<string, unknown>;
}

export function toSummary(row: ThreadRow): ThreadSummary {
  return {
    id: row.id,
    accountId: row.account_id,
    brandId: row.brand_id,
    platform: row.platform,
    externalThreadId: row.external_thread_id,
    workflowId: row.workflow_id,
    status: row.status,
    cycle: row.cycle,
    priority: row.priority,
    category: row.category,
    queue: row.queue,
    assigneeId: row.assignee_id,
    nextDueAt: isoOrNull(row.next_due_at),
    lastMessageAt: isoOrNull(row.last_message_at),
    pendingApprovals: row.pending_approvals ?? 0,
    sequence: row.last_sequence,
    updatedAt: iso(row.updated_at),
  };
}

export interface ThreadListFilter {
  brandIds?: string[];
  status?: string;
  priority?: string;
  queue?: string;
  /** A user's threads, or null for those nobody holds. */
  assigneeId?: string | null;
  /** Threads where some SLA target was missed (true) or none was (false). */
  breached?: boolean;
  /** Threads whose next SLA deadline falls before this instant. */
  dueBefore?: string;
  /** Threads holding replies that wait for a lead's approval (true) or none (false). */
  pendingApproval?: boolean;
  limit: number;
  offset: number;
  /** Keyset paging: only threads after this one in the list's order. */
  after?: { dueAt: string | null; id: string };
}

/** A thread has missed a target once a clock reached its breach or ended breached. */
const BREACHED = `EXISTS (SELECT 1 FROM sla_events WHERE sla_events.thread_id = threads.id
                          AND sla_events.event IN ('breach', 'breached'))`;

/** The summary columns a transition may change; a projection overwrites them along with the state. */
const TRANSITION_COLUMNS = [
  'status',
  'cycle',
  'priority',
  'category',
  'queue',
  'assignee_id',
  'next_due_at',
  'last_message_at',
  'pending_approvals',
  'last_sequence',
  'updated_at',
];

/** Who the clock counts for in reports: the conversation's brand, queue and assignee when it was recorded. */
export interface ClockAttribution {
  brandId: string;
  queue: string | null;
  assigneeId: string | null;
}

function clockRow(
  threadId: string,
  sequence: number,
  clock: RunningSlaClock | FinishedSlaClock,
  attribution: ClockAttribution | undefined,
) {
  const finished = 'outcome' in clock;
  return {
    ...(attribution
      ? { brand_id: attribution.brandId, queue: attribution.queue, assignee_id: attribution.assigneeId }
      : {}),
    ended_by: finished ? clock.endedBy : null,
    elapsed_calendar_minutes: finished ? clock.elapsedCalendarMinutes : null,
    elapsed_business_minutes: finished ? clock.elapsedBusinessMinutes : null,
    thread_id: threadId,
    clock_id: clock.id,
    kind: clock.kind,
    cycle: clock.cycle,
    priority: clock.priority,
    status: finished ? clock.outcome : clock.pausedAt !== null ? 'paused' : 'running',
    started_at: clock.startedAt,
    due_at: clock.dueAt,
    ended_at: finished ? clock.endedAt : null,
    last_sequence: sequence,
    detail: json(clock),
  };
}

/** How long an offered place keeps a conversation behind others still waiting for one. */
const OFFER_PENDING_FOR = '30 seconds';

/**
 * The waiting conversation a freed place goes to: the soonest due (the inbox's order; those with
 * no running clock last, the longest unchanged first), passing over one offered a place moments
 * ago while another waits (it is taking that place) but never leaving the only one unoffered.
 */
async function waitingInQueue(
  trx: Executor,
  input: { brandId: string; queue: string; exceptThreadId: string },
): Promise<{ threadId: string; workflowId: string } | null> {
  const row: { id: string; workflow_id: string } | undefined = await trx('threads')
    .where({ brand_id: input.brandId, queue: input.queue, status: 'open' })
    .whereNull('assignee_id')
    .whereNot('id', input.exceptThreadId)
    .orderByRaw(
      `EXISTS (SELECT 1 FROM thread_queue_offers o
                WHERE o.thread_id = threads.id AND o.brand_id = threads.brand_id
                  AND o.offered_at > now() - interval '${OFFER_PENDING_FOR}') asc,
       next_due_at asc nulls last, updated_at asc, id asc`,
    )
    .first('id', 'workflow_id');
  return row ? { threadId: row.id, workflowId: row.workflow_id } : null;
}

export function createThreadStore(db: Knex) {
  return {
    /**
     * Writes the thread's projection unless a later transition is already there; true when it
     * was written now.
     */
    async applyProjection(
      input: { state: ThreadState; workflowId: string; sequence: number },
      trx: Executor = db,
    ): Promise<boolean> {
      const { state } = input;
      const lastMessage = state.messages.at(-1);
      const row = {
        id: state.threadId,
        account_id: state.accountId,
        brand_id: state.brandId,
        platform: state.platform,
        external_thread_id: state.externalThreadId,
        workflow_id: input.workflowId,
        status: state.status,
        cycle: state.sla.cycle,
        priority: state.priority,
        category: state.category,
        queue: state.queue,
        assignee_id: state.assigneeId,
        next_due_at: state.nextDueAt,
        last_message_at: lastMessage?.sentAt ?? null,
        pending_approvals: state.pendingReplies?.length ?? 0,
        last_sequence: input.sequence,
        state: json(state),
        updated_at: state.updatedAt,
      };
      const written = await upsertUnlessNewer(trx, 'threads', row, {
        conflict: ['id'],
        merge: [...TRANSITION_COLUMNS, 'state'],
        sequence: input.sequence,
      }).returning('id');
      return written.length > 0;
    },

    /** Stores the messages; one the account already has (same external id) is left as it is. */
    async recordMessages(
      input: { threadId: string; accountId: string; messages: ThreadMessage[] },
      trx: Executor = db,
    ): Promise<void> {
      await insertNew(
        trx,
        'thread_messages',
        input.messages.map((message) => ({
          thread_id: input.threadId,
          account_id: input.accountId,
          external_message_id: message.externalId,
          direction: message.direction,
          kind: message.kind,
          author_id: message.author.id,
          author_handle: message.author.handle,
          text: message.text,
          sent_at: message.sentAt,
          in_reply_to: message.inReplyTo ?? null,
        })),
        ['account_id', 'external_message_id'],
      );
    },

    /** Upserts the clocks as of the transition; an older transition never overwrites a newer one. */
    async recordClocks(
      input: {
        threadId: string;
        sequence: number;
        clocks: (RunningSlaClock | FinishedSlaClock)[];
        attribution?: ClockAttribution;
      },
      trx: Executor = db,
    ): Promise<void> {
      if (input.clocks.length === 0) return;
      const reportColumns = ['ended_by', 'elapsed_calendar_minutes', 'elapsed_business_minutes'];
      if (input.attribution) reportColumns.push('brand_id', 'queue', 'assignee_id');
      await upsertUnlessNewer(
        trx,
        'sla_clocks',
        input.clocks.map((clock) => clockRow(input.threadId, input.sequence, clock, input.attribution)),
        {
          conflict: ['thread_id', 'clock_id'],
          merge: ['priority', 'status', 'due_at', 'ended_at', 'last_sequence', 'detail', ...reportColumns],
          sequence: input.sequence,
        },
      );
    },

    async recordSlaEvents(input: { threadId: string; events: SlaEventRecord[] }, trx: Executor = db): Promise<void> {
      await insertNew(
        trx,
        'sla_events',
        input.events.map((event) => ({
          thread_id: input.threadId,
          clock_id: event.clockId,
          kind: event.kind,
          event: event.event,
          at: event.at,
          detail: json(event.detail),
        })),
        ['thread_id', 'clock_id', 'event'],
      );
    },

    async findById(id: string, trx: Executor = db): Promise<(ThreadSummary & { state: ThreadState }) | undefined> {
      const row = await trx<ThreadRow>('threads').where({ id }).first();
      return row ? { ...toSummary(row), state: row.state } : undefined;
    },

    /** Open work first: the soonest due time first, threads without a deadline last. */
    async list(filter: ThreadListFilter, trx: Executor = db): Promise<ThreadSummary[]> {
      const query = trx<ThreadRow>('threads')
        .select('id', 'account_id', 'brand_id', 'platform', 'external_thread_id', 'workflow_id', ...TRANSITION_COLUMNS)
        .orderByRaw('next_due_at asc nulls last, id asc')
        .limit(filter.limit)
        .offset(filter.offset)
        .timeout(READ_TIMEOUT_MS, cancelAfter);
      if (filter.brandIds) query.whereIn('brand_id', filter.brandIds);
      if (filter.status) query.where('status', filter.status);
      if (filter.priority) query.where('priority', filter.priority);
      if (filter.queue) query.where('queue', filter.queue);
      if (filter.assigneeId === null) query.whereNull('assignee_id');
      else if (filter.assigneeId) query.where('assignee_id', filter.assigneeId);
      if (filter.breached !== undefined) query.whereRaw(filter.breached ? BREACHED : `NOT ${BREACHED}`);
      if (filter.dueBefore) query.where('next_due_at', '<', filter.dueBefore);
      if (filter.pendingApproval !== undefined) {
        query.where('pending_approvals', filter.pendingApproval ? '>' : '=', 0);
      }
      const after = filter.after;
      if (after?.dueAt === null) query.whereNull('next_due_at').where('id', '>', after.id);
      else if (after) {
        query.where((q) => {
          void q
            .whereRaw('(next_due_at, id) > (?::timestamptz, ?)', [after.dueAt, after.id])
            .orWhereNull('next_due_at');
        });
      }
      return (await query).map((row) => toSummary(row as ThreadRow));
    },

    async listSlaEvents(threadId: string, trx: Executor = db): Promise<SlaEventRecord[]> {
      const rows = (await trx('sla_events')
        .where({ thread_id: threadId })
        .orderBy([{ column: 'at' }, { column: 'id' }])) as SlaEventRow[];
      return rows.map((row) => ({
        clockId: row.clock_id,
        kind: row.kind,
        event: row.event,
        at: iso(row.at),
        detail: row.detail,
      }));
    },

    async listMessages(
      threadId: string,
      trx: Executor = db,
    ): Promise<{ externalId: string; direction: string; text: string }[]> {
      const rows = await trx('thread_messages').where({ thread_id: threadId }).orderBy('id');
      return rows.map((row: { external_message_id: string; direction: string; text: string }) => ({
        externalId: row.external_message_id,
        direction: row.direction,
        text: row.text,
      }));
    },

    /** Which of these message ids the account has stored already. */
    /**
     * The conversation of a queue that waits for an agent and is due soonest (the inbox's order;
     * those with no running clock last, the longest unchanged first), other than `exceptThreadId`.
     */
    async nextWaitingInQueue(input: {
      brandId: string;
      queue: string;
      exceptThreadId: string;
      offerKey?: string;
    }): Promise<{ threadId: string; workflowId: string } | null> {
      const { offerKey } = input;
      if (offerKey === undefined) return waitingInQueue(db, input);
      return db.transaction(async (trx) => {
        // One lookup of the queue at a time, so two places freed at once are offered in turn.
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`queue-offer:${input.brandId}:${input.queue}`]);
        const earlier: { thread_id: string } | undefined = await trx('thread_queue_offers')
          .where({ offer_key: offerKey })
          .first('thread_id');
        if (earlier) {
          const row: { workflow_id: string } | undefined = await trx('threads')
            .where({ id: earlier.thread_id })
            .first('workflow_id');
          return row ? { threadId: earlier.thread_id, workflowId: row.workflow_id } : null;
        }
        await trx('thread_queue_offers')
          .where({ brand_id: input.brandId, queue_name: input.queue })
          .whereRaw(`offered_at < now() - interval '1 day'`)
          .delete();
        const found = await waitingInQueue(trx, input);
        if (found) {
          await trx('thread_queue_offers').insert({
            offer_key: offerKey,
            brand_id: input.brandId,
            queue_name: input.queue,
            thread_id: found.threadId,
          });
        }
        return found;
      });
    },

    async knownMessageIds(input: { accountId: string; externalIds: string[] }, trx: Executor = db): Promise<string[]> {
      if (input.externalIds.length === 0) return [];
      const rows = await trx('thread_messages')
        .where({ account_id: input.accountId })
        .whereIn('external_message_id', input.externalIds)
        .select('external_message_id');
      return rows.map((row: { external_message_id: string }) => row.external_message_id);
    },
  };
}

export type ThreadStore = ReturnType<typeof createThreadStore>;
