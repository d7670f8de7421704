import type { Knex } from 'knex';

/**
 * A brand's crisis policy, kept as numbered versions like its conversation settings (a crisis
 * records the version that detected it), and its crises: who declared, confirmed and ended each,
 * why and when. `brand_crises` is the projection the API and post creation read; the crisis
 * monitor workflow writes it. At most one crisis per brand is open at a time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('brand_crisis_policies', (t) => {
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.jsonb('policy').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['brand_id', 'version']);
  });

  await knex.schema.createTable('brand_crises', (t) => {
    t.text('id').primary();
    t.text('brand_id').notNullable().references('id').inTable('brands').onDelete('CASCADE');
    t.text('status').notNullable();
    /** `automatic`, `confirmed` or `manual`: how it came to be declared. */
    t.text('declared_how').nullable();
    t.timestamp('detected_at', { useTz: true }).nullable();
    t.jsonb('detection').nullable();
    t.text('declared_by').nullable();
    t.text('declare_reason').nullable();
    t.timestamp('declared_at', { useTz: true }).nullable();
    t.text('ended_by').nullable();
    t.text('end_reason').nullable();
    t.timestamp('ended_at', { useTz: true }).nullable();
    t.integer('policy_version').notNullable();
    t.integer('last_sequence').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['brand_id', 'updated_at']);
  });
  await knex.raw(
    `ALTER TABLE brand_crises ADD CONSTRAINT brand_crises_status_check
       CHECK (status IN ('awaiting_confirmation', 'active', 'ended', 'dismissed'))`,
  );
  await knex.raw(
    `CREATE UNIQUE INDEX brand_crises_one_open ON brand_crises (brand_id)
       WHERE status IN ('awaiting_confirmation', 'active')`,
  );

  // A reply written during a crisis waits for a lead; the inbox shows which conversations hold one.
  await knex.schema.alterTable('threads', (t) => {
    t.integer('pending_approvals').notNullable().defaultTo(0);
  });
  await knex.raw('CREATE INDEX threads_pending_approvals_index ON threads (brand_id) WHERE pending_approvals > 0');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS threads_pending_approvals_index');
  await knex.schema.alterTable('threads', (t) => {
    t.dropColumn('pending_approvals');
  });
  await knex.schema.dropTableIfExists('brand_crises');
  await knex.schema.dropTableIfExists('brand_crisis_policies');
}
