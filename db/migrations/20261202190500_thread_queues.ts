import type { Knex } from 'knex';

/**
 * A brand's conversation queues: how each assigns (round robin or least open), its team lead, its
 * agents with their capacity, the round-robin position, and the choice made for each assignment
 * request, so that a retried request gets the same agent and moves the position once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('thread_queues', (t) => {
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('strategy').notNullable();
    t.text('lead_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    /** Index of the member the last round-robin conversation went to; -1 before the first. */
    t.integer('round_robin_cursor').notNullable().defaultTo(-1);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['brand_id', 'name']);
  });
  await knex.raw(
    `ALTER TABLE thread_queues ADD CONSTRAINT thread_queues_strategy_check CHECK (strategy IN ('round_robin', 'least_open'))`,
  );

  await knex.schema.createTable('thread_queue_members', (t) => {
    t.text('brand_id').notNullable();
    t.text('queue_name').notNullable();
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.integer('capacity').notNullable();
    /** Round-robin order. */
    t.integer('position').notNullable();
    t.primary(['brand_id', 'queue_name', 'user_id']);
    t.foreign(['brand_id', 'queue_name']).references(['brand_id', 'name']).inTable('thread_queues').onDelete('CASCADE');
    t.index(['user_id']);
  });
  await knex.raw(
    'ALTER TABLE thread_queue_members ADD CONSTRAINT thread_queue_members_capacity_check CHECK (capacity >= 0)',
  );

  await knex.schema.createTable('thread_queue_choices', (t) => {
    /** The workflow's key for one assignment request: the thread and the transition it follows. */
    t.text('request_key').primary();
    t.text('thread_id').notNullable();
    t.text('brand_id').notNullable();
    t.text('queue_name').notNullable();
    t.text('assignee_id').nullable();
    t.text('lead_id').nullable();
    t.timestamp('chosen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['thread_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('thread_queue_choices');
  await knex.schema.dropTableIfExists('thread_queue_members');
  await knex.schema.dropTableIfExists('thread_queues');
}
