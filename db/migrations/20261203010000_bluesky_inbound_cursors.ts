import type { Knex } from 'knex';

/**
 * How far an account's Bluesky notifications have been read: the indexing time of the newest
 * notification handed to its conversations and the record URIs indexed at that same instant, so
 * a restarted or continued poller starts where the last one stopped and hands nothing over twice.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('bluesky_inbound_cursors', (t) => {
    t.text('account_id').primary().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('indexed_at').notNullable();
    t.jsonb('uris_at_indexed_at').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('bluesky_inbound_cursors');
}
