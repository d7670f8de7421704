import type { Knex } from 'knex';

/**
 * Reports a brand's schedule produced: one per (brand, frequency, period), so that a scheduled run
 * retried or fired twice stores its period once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stored_reports', (t) => {
    t.text('id').primary();
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.text('frequency').notNullable();
    t.text('period_from').notNullable();
    t.text('period_to').notNullable();
    t.text('time_zone').notNullable();
    t.jsonb('reports').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['brand_id', 'frequency', 'period_from']);
    t.index(['brand_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('stored_reports');
}
