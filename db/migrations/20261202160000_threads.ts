import type { Knex } from 'knex';

/**
 * Inbound conversations: the thread projection, its messages (one row per platform message, so a
 * webhook delivered twice is stored once), its SLA clocks and the warnings, breaches and outcomes
 * they reached, and each account's secrets for signed inbound webhooks.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('threads', (t) => {
    t.text('id').primary();
    t.text('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.text('platform').notNullable();
    t.text('external_thread_id').notNullable();
    t.text('workflow_id').notNullable();
    t.text('status').notNullable();
    t.text('priority').notNullable();
    t.text('category').notNullable();
    t.text('queue').notNullable();
    t.text('assignee_id').nullable();
    t.timestamp('next_due_at', { useTz: true }).nullable();
    t.timestamp('last_message_at', { useTz: true }).nullable();
    t.integer('last_sequence').notNullable();
    t.jsonb('state').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['account_id', 'external_thread_id']);
    t.index(['brand_id', 'status', 'next_due_at']);
    t.index(['assignee_id', 'status']);
  });

  await knex.schema.createTable('thread_messages', (t) => {
    t.bigIncrements('id').primary();
    t.text('thread_id').notNullable().references('id').inTable('threads').onDelete('CASCADE');
    t.text('account_id').notNullable();
    t.text('external_message_id').notNullable();
    t.text('direction').notNullable();
    t.text('kind').notNullable();
    t.text('author_id').notNullable();
    t.text('author_handle').nullable();
    t.text('text').notNullable();
    t.timestamp('sent_at', { useTz: true }).notNullable();
    t.text('in_reply_to').nullable();
    t.unique(['account_id', 'external_message_id']);
    t.index(['thread_id', 'sent_at']);
  });
  await knex.raw(
    `ALTER TABLE thread_messages ADD CONSTRAINT thread_messages_direction_check CHECK (direction IN ('inbound', 'outbound'))`,
  );

  await knex.schema.createTable('sla_clocks', (t) => {
    t.text('thread_id').notNullable().references('id').inTable('threads').onDelete('CASCADE');
    t.text('clock_id').notNullable();
    t.text('kind').notNullable();
    t.integer('cycle').notNullable();
    t.text('priority').notNullable();
    t.text('status').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('due_at', { useTz: true }).nullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.integer('last_sequence').notNullable();
    t.jsonb('detail').notNullable();
    t.primary(['thread_id', 'clock_id']);
    t.index(['status', 'due_at']);
  });

  await knex.schema.createTable('sla_events', (t) => {
    t.bigIncrements('id').primary();
    t.text('thread_id').notNullable().references('id').inTable('threads').onDelete('CASCADE');
    t.text('clock_id').notNullable();
    t.text('kind').notNullable();
    /** warning, breach, escalation:<action>, met, breached, closed_unanswered */
    t.text('event').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.jsonb('detail').notNullable();
    t.unique(['thread_id', 'clock_id', 'event']);
  });

  await knex.schema.createTable('account_inbound_secrets', (t) => {
    t.bigIncrements('id').primary();
    t.text('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('secret').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    /** Null while current; a rotated-out secret stays valid until then. */
    t.timestamp('valid_until', { useTz: true }).nullable();
    t.index(['account_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_inbound_secrets');
  await knex.schema.dropTableIfExists('sla_events');
  await knex.schema.dropTableIfExists('sla_clocks');
  await knex.schema.dropTableIfExists('thread_messages');
  await knex.schema.dropTableIfExists('threads');
}
