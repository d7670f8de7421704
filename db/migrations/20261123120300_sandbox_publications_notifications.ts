import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sandbox_publications', (t) => {
    t.text('idempotency_key').primary();
    t.text('account_id').notNullable();
    t.text('platform').notNullable();
    t.text('post_id').notNullable();
    t.text('text').notNullable();
    t.jsonb('media').notNullable().defaultTo(knex.raw(`'[]'::jsonb`));
    t.text('external_id').notNullable().unique();
    t.text('url').notNullable();
    t.timestamp('published_at', { useTz: true }).notNullable();
    t.index(['account_id']);
  });

  await knex.schema.createTable('notifications', (t) => {
    t.text('id').primary();
    t.text('kind').notNullable();
    t.text('post_id').nullable();
    t.text('brand_id').nullable();
    t.jsonb('payload').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true }).nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.index(['post_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('notifications');
  await knex.schema.dropTableIfExists('sandbox_publications');
}
