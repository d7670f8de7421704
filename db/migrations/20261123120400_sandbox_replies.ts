import type { Knex } from 'knex';

/** Replies the sandbox connector has sent into conversations, one per idempotency key. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sandbox_replies', (t) => {
    t.text('idempotency_key').primary();
    t.text('account_id').notNullable();
    t.text('platform').notNullable();
    t.text('thread_external_id').notNullable();
    t.text('in_reply_to_external_id').nullable();
    t.text('text').notNullable();
    t.text('external_id').notNullable().unique();
    t.timestamp('sent_at', { useTz: true }).notNullable();
    t.index(['thread_external_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('sandbox_replies');
}
