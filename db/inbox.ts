import type { Knex } from 'knex';
import { toSummary, type ThreadRow, type ThreadSummary } from './threads';
import type { Executor } from './rows';

/** Why a conversation waits on the person whose inbox it is in. */
export type InboxReason = 'assigned' | 'approval' | 'queue' | 'breached';

export interface InboxItem extends ThreadSummary {
  reason: InboxReason;
}

export interface InboxFilter {
  userId: string;
  /** The brands the user works for; undefined means every brand. */
  brandIds?: string[];
  /** Resume after this position: the due time used for ordering and the thread id. */
  after?: { dueAt: string; id: string };
  limit: number;
  /** Stands in for "no deadline", so that such threads come last and can be paged through. */
  noDeadline: string;
}

/** Statuses in which a conversation still waits on someone. */
const WAITING_STATUSES = ['open', 'pending'];

/**
 * What waits on a user: conversations assigned to them, unassigned ones in queues they serve (as
 * an agent or as the lead), and, for a lead, breached ones in their queues assigned to someone
 * else and those holding replies written during a crisis that wait for their approval. Soonest due first; conversations without a running clock last.
 */
export function createInboxStore(db: Knex) {
  return {
    async list(filter: InboxFilter, trx: Executor = db): Promise<InboxItem[]> {
      const { userId } = filter;
      // Knex reads these builders by side effect; returning them would hand back a thenable.
      const servesQueue = (q: Knex.QueryBuilder): void => {
        void q
          .select(trx.raw('1'))
          .from('thread_queue_members as m')
          .whereRaw('m.brand_id = t.brand_id and m.queue_name = t.queue')
          .where('m.user_id', userId)
          .union((u) => {
            void u
              .select(trx.raw('1'))
              .from('thread_queues as q')
              .whereRaw('q.brand_id = t.brand_id and q.name = t.queue')
              .where('q.lead_id', userId);
          });
      };
      const leadsQueue = (q: Knex.QueryBuilder): void => {
        void q
          .select(trx.raw('1'))
          .from('thread_queues as q')
          .whereRaw('q.brand_id = t.brand_id and q.name = t.queue')
          .where('q.lead_id', userId);
      };
      const breached = (q: Knex.QueryBuilder): void => {
        void q
          .select(trx.raw('1'))
          .from('sla_events as e')
          .whereRaw('e.thread_id = t.id')
          .whereIn('e.event', ['breach', 'breached']);
      };
      const dueKey = trx.raw('coalesce(t.next_due_at, ?::timestamptz)', [filter.noDeadline]);

      const query = trx<ThreadRow>('threads as t')
        .select(
          't.*',
          trx.raw(
            `case when t.assignee_id = ? then 'assigned'
                  when t.pending_approvals > 0 and exists (select 1 from thread_queues q
                    where q.brand_id = t.brand_id and q.name = t.queue and q.lead_id = ?) then 'approval'
                  when t.assignee_id is null then 'queue' else 'breached' end as reason`,
            [userId, userId],
          ),
        )
        .whereIn('t.status', WAITING_STATUSES)
        .where((waiting) => {
          void waiting
            .where('t.assignee_id', userId)
            .orWhere((unassigned) => {
              void unassigned.whereNull('t.assignee_id').whereExists(servesQueue);
            })
            .orWhere((escalated) => {
              void escalated.whereExists(leadsQueue).whereExists(breached);
            })
            .orWhere((heldReplies) => {
              void heldReplies.where('t.pending_approvals', '>', 0).whereExists(leadsQueue);
            });
        })
        .orderByRaw('coalesce(t.next_due_at, ?::timestamptz) asc, t.id asc', [filter.noDeadline])
        .limit(filter.limit);
      if (filter.brandIds) query.whereIn('t.brand_id', filter.brandIds);
      if (filter.after) {
        query.whereRaw('(?, t.id) > (?::timestamptz, ?)', [dueKey, filter.after.dueAt, filter.after.id]);
      }
      const rows = (await query) as (ThreadRow & { reason: InboxReason })[];
      return rows.map((row) => ({ ...toSummary(row), reason: row.reason }));
    },
  };
}

export type InboxStore = ReturnType<typeof createInboxStore>;
