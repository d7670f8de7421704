import type { Knex } from 'knex';

/**
 * The conversation list is ordered by next due time then id, and filtered by queue and by whether
 * a target was missed; these let Postgres walk the order and answer the breach test from an index.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX threads_due_order_index ON threads (next_due_at ASC NULLS LAST, id)');
  await knex.raw('CREATE INDEX threads_brand_queue_due_index ON threads (brand_id, queue, next_due_at ASC NULLS LAST)');
  await knex.raw(
    `CREATE INDEX sla_events_breach_index ON sla_events (thread_id) WHERE event IN ('breach', 'breached')`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS sla_events_breach_index');
  await knex.raw('DROP INDEX IF EXISTS threads_brand_queue_due_index');
  await knex.raw('DROP INDEX IF EXISTS threads_due_order_index');
}
