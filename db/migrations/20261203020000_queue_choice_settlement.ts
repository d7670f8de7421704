import type { Knex } from 'knex';

/**
 * An agent chosen for a conversation counts against their capacity from the moment of the choice,
 * not only once the conversation's projection records it: `settled_at` says when the projection
 * caught up. Offers of a freed place are kept for a short while, so two places freed at once go to
 * two waiting conversations rather than both to the first.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('thread_queue_choices', (t) => {
    t.timestamp('settled_at', { useTz: true }).nullable();
  });
  // Choices made before this column existed are long recorded.
  await knex('thread_queue_choices').update({ settled_at: knex.fn.now() });
  await knex.raw(
    `CREATE INDEX thread_queue_choices_unsettled ON thread_queue_choices (brand_id, assignee_id, chosen_at)
       WHERE settled_at IS NULL AND assignee_id IS NOT NULL`,
  );
  await knex.schema.createTable('thread_queue_offers', (t) => {
    /** The freeing transition's key: a retried lookup answers with the same conversation. */
    t.text('offer_key').primary();
    t.text('brand_id').notNullable();
    t.text('queue_name').notNullable();
    t.text('thread_id').notNullable();
    t.timestamp('offered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['brand_id', 'queue_name', 'offered_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('thread_queue_offers');
  await knex.raw('DROP INDEX IF EXISTS thread_queue_choices_unsettled');
  await knex.schema.alterTable('thread_queue_choices', (t) => {
    t.dropColumn('settled_at');
  });
}
