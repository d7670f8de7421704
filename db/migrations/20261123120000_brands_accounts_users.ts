import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('brands', (t) => {
    t.text('id').primary();
    t.text('name').notNullable();
    t.text('time_zone').notNullable();
    t.jsonb('banned_phrases').notNullable().defaultTo(knex.raw(`'[]'::jsonb`));
    t.text('utm_source').notNullable().defaultTo('socialops');
    t.boolean('publishing_paused').notNullable().defaultTo(false);
    t.text('paused_reason').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('campaigns', (t) => {
    t.text('id').primary();
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('utm_campaign').notNullable();
    t.timestamp('starts_at', { useTz: true }).notNullable();
    t.timestamp('ends_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['brand_id']);
  });

  await knex.schema.createTable('accounts', (t) => {
    t.text('id').primary();
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.text('platform').notNullable();
    t.text('handle').notNullable();
    t.text('connector').notNullable().defaultTo('sandbox');
    t.text('status').notNullable().defaultTo('active');
    t.jsonb('sandbox_failure').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['brand_id', 'platform', 'handle']);
  });
  await knex.raw(`ALTER TABLE accounts ADD CONSTRAINT accounts_status_check CHECK (status IN ('active', 'revoked'))`);

  await knex.schema.createTable('users', (t) => {
    t.text('id').primary();
    t.text('brand_id').nullable().references('id').inTable('brands').onDelete('SET NULL');
    t.text('name').notNullable();
    t.text('email').notNullable().unique();
    t.jsonb('roles').notNullable().defaultTo(knex.raw(`'[]'::jsonb`));
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.text('id').primary();
    t.text('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('key_hash').notNullable().unique();
    t.text('key_prefix').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('api_keys');
  await knex.schema.dropTableIfExists('users');
  await knex.schema.dropTableIfExists('accounts');
  await knex.schema.dropTableIfExists('campaigns');
  await knex.schema.dropTableIfExists('brands');
}
