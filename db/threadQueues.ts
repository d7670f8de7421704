import type { Knex } from 'knex';
import { chooseAssignee, type AssignmentStrategy, type QueueMember, type ThreadQueue } from '../domain/queueAssignment';
import type { Executor } from './rows';

/** Statuses in which a conversation still counts against its assignee's capacity. */
export const CLOSED_THREAD_STATUSES = ['resolved', 'closed'];

interface QueueRow {
  brand_id: string;
  name: string;
  strategy: AssignmentStrategy;
  lead_id: string | null;
  round_robin_cursor: number;
}

interface MemberRow {
  brand_id: string;
  queue_name: string;
  user_id: string;
  capacity: number;
  position: number;
}

export interface QueueChoice {
  assigneeId: string | null;
  leadId: string | null;
}

function toQueues(queues: QueueRow[], members: MemberRow[]): ThreadQueue[] {
  return queues.map((queue) => ({
    name: queue.name,
    strategy: queue.strategy,
    leadId: queue.lead_id,
    members: members
      .filter((member) => member.queue_name === queue.name)
      .sort((a, b) => a.position - b.position)
      .map((member): QueueMember => ({ userId: member.user_id, capacity: member.capacity })),
  }));
}

export function createThreadQueueStore(db: Knex) {
  async function listForBrand(brandId: string, trx: Executor = db): Promise<ThreadQueue[]> {
    const queues = await trx<QueueRow>('thread_queues').where({ brand_id: brandId }).orderBy('name');
    const members = await trx<MemberRow>('thread_queue_members').where({ brand_id: brandId });
    return toQueues(queues, members);
  }

  return {
    listForBrand,

    async find(input: { brandId: string; name: string }, trx: Executor = db): Promise<ThreadQueue | undefined> {
      const queue = await trx<QueueRow>('thread_queues').where({ brand_id: input.brandId, name: input.name }).first();
      if (!queue) return undefined;
      const members = await trx<MemberRow>('thread_queue_members').where({
        brand_id: input.brandId,
        queue_name: input.name,
      });
      return toQueues([queue], members)[0];
    },

    /**
     * Makes the brand's queues exactly these. A queue kept keeps its round-robin position, so a
     * change of capacity does not send the next conversation back to the first agent.
     */
    async replaceForBrand(
      input: { brandId: string; queues: ThreadQueue[] },
      outer: Executor = db,
    ): Promise<ThreadQueue[]> {
      return outer.transaction(async (trx) => {
        // One replacement at a time per brand, so two at once cannot interleave their rows.
        await trx('brands').where({ id: input.brandId }).forUpdate().first('id');
        const names = input.queues.map((queue) => queue.name);
        await trx('thread_queues').where({ brand_id: input.brandId }).whereNotIn('name', names).delete();
        await trx('thread_queue_members').where({ brand_id: input.brandId }).delete();
        if (input.queues.length > 0) {
          await trx('thread_queues')
            .insert(
              input.queues.map((queue) => ({
                brand_id: input.brandId,
                name: queue.name,
                strategy: queue.strategy,
                lead_id: queue.leadId,
                updated_at: trx.fn.now(),
              })),
            )
            .onConflict(['brand_id', 'name'])
            .merge(['strategy', 'lead_id', 'updated_at']);
        }
        const members = input.queues.flatMap((queue) =>
          queue.members.map((member, position) => ({
            brand_id: input.brandId,
            queue_name: queue.name,
            user_id: member.userId,
            capacity: member.capacity,
            position,
          })),
        );
        if (members.length > 0) await trx('thread_queue_members').insert(members);
        return listForBrand(input.brandId, trx);
      });
    },

    /** The queue's team lead, or null when the queue has none (or is not configured). */
    async leadOf(input: { brandId: string; name: string }, trx: Executor = db): Promise<string | null> {
      const queue = await trx<QueueRow>('thread_queues').where({ brand_id: input.brandId, name: input.name }).first();
      return queue?.lead_id ?? null;
    },

    /**
     * Picks the agent for one assignment request by the queue's strategy. The queue's row is
     * locked while choosing, so concurrent conversations move the round-robin position one after
     * the other; the choice is kept under `requestKey`, so a retried request gets the same answer.
     */
    async chooseFor(input: {
      requestKey: string;
      threadId: string;
      brandId: string;
      queue: string;
    }): Promise<QueueChoice> {
      return db.transaction(async (trx) => {
        const earlier: { assignee_id: string | null; lead_id: string | null } | undefined = await trx(
          'thread_queue_choices',
        )
          .where({ request_key: input.requestKey })
          .first('assignee_id', 'lead_id');
        if (earlier) return { assigneeId: earlier.assignee_id, leadId: earlier.lead_id };

        const queue = await trx<QueueRow>('thread_queues')
          .where({ brand_id: input.brandId, name: input.queue })
          .forUpdate()
          .first();
        if (!queue) return { assigneeId: null, leadId: null };
        const members = toQueues(
          [queue],
          await trx<MemberRow>('thread_queue_members').where({ brand_id: input.brandId, queue_name: input.queue }),
        )[0].members;
        const openCounts = await openConversations(trx, {
          brandId: input.brandId,
          userIds: members.map((member) => member.userId),
          exceptThreadId: input.threadId,
        });
        const choice = chooseAssignee({
          strategy: queue.strategy,
          members,
          openCounts,
          cursor: queue.round_robin_cursor,
        });
        if (choice.cursor !== queue.round_robin_cursor) {
          await trx('thread_queues')
            .where({ brand_id: input.brandId, name: input.queue })
            .update({ round_robin_cursor: choice.cursor });
        }
        await trx('thread_queue_choices').insert({
          request_key: input.requestKey,
          thread_id: input.threadId,
          brand_id: input.brandId,
          queue_name: input.queue,
          assignee_id: choice.assigneeId,
          lead_id: queue.lead_id,
        });
        return { assigneeId: choice.assigneeId, leadId: queue.lead_id };
      });
    },
  };
}

/**
 * How long a choice the conversation's projection has not yet recorded still counts against the
 * agent. A conversation records its assignment within moments; one whose workflow stopped between
 * the choice and the record must not hold the place for ever.
 */
export const UNSETTLED_CHOICE_COUNTS_FOR = '10 minutes';

/**
 * Open conversations of the brand assigned to each of the users: those the threads projection
 * shows, and those just given to them that the projection has not recorded yet (so two
 * conversations arriving at once never both take an agent's last place).
 */
async function openConversations(
  trx: Executor,
  input: { brandId: string; userIds: string[]; exceptThreadId: string },
): Promise<Record<string, number>> {
  if (input.userIds.length === 0) return {};
  const rows: { assignee_id: string; open: string | number }[] = await trx('threads')
    .where({ brand_id: input.brandId })
    .whereIn('assignee_id', input.userIds)
    .whereNotIn('status', CLOSED_THREAD_STATUSES)
    .whereNot('id', input.exceptThreadId)
    .groupBy('assignee_id')
    .select('assignee_id', trx.raw('count(*) as open'));
  const pending: { assignee_id: string; open: string | number }[] = await trx
    .from(
      trx('thread_queue_choices as c')
        .distinctOn('c.thread_id')
        .where('c.brand_id', input.brandId)
        .whereIn('c.assignee_id', input.userIds)
        .whereNull('c.settled_at')
        .whereNot('c.thread_id', input.exceptThreadId)
        .whereRaw(`c.chosen_at > now() - interval '${UNSETTLED_CHOICE_COUNTS_FOR}'`)
        .whereNotExists(
          trx('threads as t')
            .select(trx.raw('1'))
            .whereRaw('t.id = c.thread_id AND t.assignee_id = c.assignee_id')
            .whereNotIn('t.status', CLOSED_THREAD_STATUSES),
        )
        .orderBy([{ column: 'c.thread_id' }, { column: 'c.chosen_at', order: 'desc' }])
        .select('c.thread_id', 'c.assignee_id')
        .as('latest'),
    )
    .groupBy('assignee_id')
    .select('assignee_id', trx.raw('count(*) as open'));
  const counts: Record<string, number> = {};
  for (const row of [...rows, ...pending]) counts[row.assignee_id] = (counts[row.assignee_id] ?? 0) + Number(row.open);
  return counts;
}

/** The conversation's projection now shows what was chosen for it: those choices stop counting on their own. */
export async function settleQueueChoices(trx: Executor, threadId: string): Promise<void> {
  await trx('thread_queue_choices').where({ thread_id: threadId }).whereNull('settled_at').update({
    settled_at: trx.fn.now(),
  });
}

export type ThreadQueueStore = ReturnType<typeof createThreadQueueStore>;
